import { DEFAULT_MAX_LINE_LENGTH } from '@sse/core';
import type { SlowClientPolicy } from './types';

/** Content codings the server can negotiate; which ones work depends on the adapter. */
export type ContentEncoding = 'br' | 'gzip' | 'deflate';

/**
 * Cross-origin access for browsers on other origins. `origins` is an allow-list:
 * an allowed `Origin` is echoed back (never `*` when credentials are on), with
 * `Vary: Origin`; preflights allow the `Last-Event-ID` request header.
 */
export interface CorsOptions {
  /** Allowed origins: exact strings, a pattern, a predicate, or `'*'` for any. */
  origins: '*' | readonly string[] | RegExp | ((origin: string) => boolean);
  /** Send `Access-Control-Allow-Credentials: true` (cookies with `withCredentials`). Default false. */
  credentials?: boolean;
  /** Request headers allowed in preflights besides `Last-Event-ID`. Default none. */
  allowHeaders?: readonly string[];
  /** Methods allowed in preflights. Default `['GET', 'POST']`. */
  allowMethods?: readonly string[];
  /** Seconds a browser may cache a preflight answer. Default 600. */
  maxAge?: number;
}

/**
 * Everything configurable about SSE sessions. Every limit has a safe default; see
 * the @sse/server README for the table.
 */
export interface SessionOptions<State = Record<string, unknown>> {
  /** Response status for an opened stream. Default 200. */
  status?: number;
  /** Extra response headers, added to the SSE headers (they cannot remove those). */
  headers?: Readonly<Record<string, string>>;
  /** Cross-origin access. Default: none (no CORS headers are sent). */
  cors?: CorsOptions;
  /**
   * Reconnection time hint in ms, sent as the first frame. Default: none, and the
   * first frame is an empty comment so the stream opens at once either way.
   */
  retry?: number;
  /** Heartbeat comment period in ms, or `false` for none. Default 15 000. */
  heartbeat?: number | false;
  /** Bytes a session may hold while its peer reads slowly. Default 1 MiB. */
  maxQueueBytes?: number;
  /** What happens when the queue is full. Default `'disconnect'`. */
  slowClient?: SlowClientPolicy;
  /**
   * Under `'wait'`, the hard cap in bytes: a send past it ends the session (reason
   * `'slow'`). Default 2 x `maxQueueBytes`.
   */
  waitLimitBytes?: number;
  /** Upper bound of one coalesced write, in bytes. Default 64 KiB. */
  maxBatchBytes?: number;
  /**
   * The largest frame one `send`, `sendEncoded` or `comment` may write, in bytes; a
   * larger one throws `SSEError` `EVENT_TOO_LARGE` and nothing is queued. Default 8 MiB,
   * the @sse/core decoder's default `maxLineLength`: every frame up to it is taken by a
   * client at default limits, whatever its shape. `Infinity` turns the check off.
   */
  maxEventBytes?: number;
  /** Close the stream gracefully after this many ms (clients reconnect). Default: never. */
  maxAge?: number;
  /** Fraction of `maxAge` to vary it by at random, so reconnects spread out. Default 0.1. */
  maxAgeJitter?: number;
  /** Concurrent sessions per factory; past it, requests get 503 + Retry-After. Default: no cap. */
  maxSessions?: number;
  /** `Retry-After` seconds sent with a 503. Default 5. */
  retryAfter?: number;
  /**
   * Opt-in response compression negotiated by `Accept-Encoding`, flushed after every
   * write. `true` means every coding the adapter supports, in the order gzip, br,
   * deflate (gzip first: as good on event streams for less memory per session).
   * Default false.
   */
  compression?: boolean | readonly ContentEncoding[];
  /**
   * `'process'`: one heartbeat interval per period shared by every session (the
   * default: cheap with many connections). `'session'`: each session gets its own,
   * for runtimes that tie timers to the request that made them (Cloudflare
   * Workers; `@sse/web` picks this there by itself).
   */
  timerScope?: 'process' | 'session';
  /** Builds each session's initial `state`. Default: an empty object on first use. */
  state?: () => State;
}

/** Defaults, exported so documentation and tests quote the same numbers. */
export const DEFAULTS = {
  status: 200,
  heartbeat: 15_000,
  maxQueueBytes: 1024 * 1024,
  maxBatchBytes: 64 * 1024,
  maxEventBytes: DEFAULT_MAX_LINE_LENGTH,
  slowClient: 'disconnect' as SlowClientPolicy,
  maxAgeJitter: 0.1,
  retryAfter: 5,
  corsMaxAge: 600,
} as const;

/** Throws a clear TypeError for an option that is not a positive number. */
export function positive(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new TypeError(
      `@sse/server: option ${name} must be a positive number, got ${String(value)}.`,
    );
  }
  return value;
}
