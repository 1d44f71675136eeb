import type { SSEError } from '@sse/core';
import type { BodyInit, HeadersInit, RequestCredentials } from './fetch-types';

/**
 * What the client hands to `fetch` for every attempt. `headers` is a plain record with
 * lower-case names (never a `Headers` instance), so a wrapper that spreads it
 * (`{ ...init.headers, authorization }`) keeps `accept` and `last-event-id`. `cache` and
 * `credentials` are left out where the runtime rejects them (Workers).
 */
export interface FetchInit extends RequestInit {
  method: string;
  headers: Record<string, string>;
  signal: AbortSignal;
}

/**
 * A `fetch`-compatible function, so callers can add auth, proxies, tracing or a test double.
 * Its response's `body` may be a web `ReadableStream`, any async iterable of bytes or text
 * (a Node `Readable`, as node-fetch returns), or `null` (an empty stream).
 */
export type FetchLike = (input: string, init: FetchInit) => Promise<Response>;

/** What a `headers` function learns before each attempt, e.g. to refresh a token. */
export interface HeadersContext {
  /** 0 for the first connection, then the number of consecutive failed attempts so far. */
  attempt: number;
  /** The last event ID that will be sent as `Last-Event-ID` (empty: none). */
  lastEventId: string;
}

/** Headers for every attempt: fixed, or computed (even asynchronously) before each one. */
export type HeadersOption =
  | HeadersInit
  | ((context: HeadersContext) => HeadersInit | Promise<HeadersInit>);

/** What the `onRetry` hook sees for every scheduled reconnection. */
export interface RetryInfo {
  /** 1 for the first retry after a healthy connection, then 2, 3, ... */
  attempt: number;
  /** Milliseconds until the next attempt (before any wait for the browser to be online). */
  delay: number;
  /** Why the connection is being retried. */
  reason: SSEError;
}

/**
 * Everything the native `EventSource` cannot be told. All are optional; the defaults
 * behave like a browser's `EventSource` (see the README for each one's default).
 */
export interface EventSourceOptions {
  /** As in the spec: send cookies and auth cross-origin (`credentials: 'include'`). */
  withCredentials?: boolean;
  /** The `fetch` to use. Default: `globalThis.fetch`. */
  fetch?: FetchLike;
  /** Extra request headers, or a function called before every attempt (tokens refresh). */
  headers?: HeadersOption;
  /** HTTP method. Default `'GET'`. */
  method?: string;
  /** Request body, sent again on every reconnect (use a replayable body, not a stream). */
  body?: BodyInit | null;
  /** Overrides the credentials mode derived from `withCredentials`. Left out where the runtime rejects it. */
  credentials?: RequestCredentials;
  /** The last event ID to start from, sent as `Last-Event-ID` on the first request too. Default `''`. */
  lastEventId?: string;
  /** Aborting it closes the source, like `close()`. */
  signal?: AbortSignal;
  /** The initial reconnection time in ms, until the server sends `retry:`. Default 3000 (as browsers). */
  retryDelay?: number;
  /** Cap of the exponential backoff in ms. Default 30000. */
  maxRetryDelay?: number;
  /** Cap on the reconnection time a server may set with `retry:`, in ms. Default 60000. */
  maxServerRetry?: number;
  /** Consecutive failed attempts after which the source closes with `MAX_ATTEMPTS`. Default `Infinity`. */
  maxAttempts?: number;
  /**
   * Retry HTTP statuses instead of failing for good: `true` retries 5xx and 429 (honouring
   * `Retry-After`); a function decides per status. Default `false` (as the spec: any non-200 is fatal).
   */
  retryOnStatus?: boolean | ((status: number) => boolean);
  /** Called for every scheduled retry, e.g. for logging or metrics. */
  onRetry?: (info: RetryInfo) => void;
  /** Reconnect when no bytes (events or comment heartbeats) arrive for this many ms. Default 0: off. */
  idleTimeout?: number;
  /** Do not reconnect: the stream ends when the response ends (e.g. a POST to an LLM endpoint). Default `false`. */
  oneShot?: boolean;
  /** Decoder limit: longest line in characters. Default: the `@sse/core` decoder's. */
  maxLineLength?: number;
  /** Decoder limit: largest event's data in characters. Default: the `@sse/core` decoder's. */
  maxEventSize?: number;
  /** Random source for the backoff jitter, in [0, 1). Default `Math.random`; inject one for tests. */
  random?: () => number;
}
