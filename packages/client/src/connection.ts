import {
  createDecoder,
  type DecodedEvent,
  EVENT_STREAM_MIME_TYPE,
  isEventStreamContentType,
  type SSEError,
} from '@sse/core';
import { backoffDelay, parseRetryAfter } from './backoff';
import { EventSourceError } from './error';
import type { EventSourceOptions } from './options';

/**
 * The absolute URL for `url`: relative URLs resolve against the page, as for the native
 * `EventSource`; elsewhere they must be absolute. Throws `TypeError` when it cannot parse.
 */
export function resolveUrl(url: string | URL): string {
  return new URL(url, (globalThis as { location?: { href: string } }).location?.href).href;
}

/** One event from `events()`: the decoded fields plus the origin of the final URL. */
export interface StreamEvent extends DecodedEvent {
  origin: string;
}

/** The spec's `readyState` values. */
export type ReadyState = 0 | 1 | 2;

/** How a connection reports to its owner (the `EventSource` class or the `events()` iterator). */
export interface ConnectionHooks {
  /** A 200 `text/event-stream` response arrived; readyState is OPEN. */
  open(): void;
  /** An event was decoded; its `origin` is that of the final (post-redirect) URL. */
  event(event: StreamEvent): void;
  /** Something failed; readyState is CONNECTING (a retry is scheduled) or CLOSED (final). */
  error(error: EventSourceError): void;
  /** The source stopped without an error: a one-shot stream ended, or the signal aborted. */
  end(aborted: boolean): void;
  /** Backpressure: a promise to wait on before reading more of the body, if the owner is full. */
  wait?(): Promise<void> | undefined;
}

/** The running state machine behind an `EventSource`. */
export interface Connection {
  readonly readyState: ReadyState;
  close(): void;
}

const CONNECTING = 0;
const OPEN = 1;
const CLOSED = 2;

/** Workers reject `cache` (and in some versions `credentials`) in RequestInit: retry without. */
const UNSUPPORTED_INIT = /'(cache|credentials)'/;

const ignore = () => {};

/**
 * Opens a stream and keeps it open as the WHATWG spec says (reconnect on network errors
 * and clean ends, fail for good on a bad status or type), with the retry policy, idle
 * timeout and limits of `options` on top. `close()` wins every race: after it, no hook
 * fires and no fetch starts. Defaults are documented in the README and `EventSourceOptions`.
 */
export function connect(
  url: string,
  options: EventSourceOptions,
  hooks: ConnectionHooks,
): Connection {
  const {
    signal,
    headers: headersOption,
    retryOnStatus,
    maxRetryDelay = 30_000,
    maxServerRetry = 60_000,
    maxAttempts,
    idleTimeout = 0,
    random = Math.random,
  } = options;
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let state: ReadyState = CONNECTING;
  let reconnectionTime = options.retryDelay ?? 3000;
  // Consecutive failed attempts since the last healthy connection (one that delivered an event).
  let failures = 0;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  // When bytes last arrived (performance.now()), read by the idle watch.
  let seen = 0;
  let stopWaiting = ignore;
  // The origin of the current response's final URL, given to every event.
  let origin = '';
  let limit: SSEError | undefined;
  // One decoder for the whole connection, reset per response: it owns the last event ID
  // (starting from `options.lastEventId`) and reads its limits, maxLineLength and maxEventSize.
  const decoder = createDecoder(
    {
      onEvent(event) {
        failures = 0; // a healthy connection: the next failure starts the backoff again
        // The decoder's fresh object, completed in place: no copy per event.
        (event as StreamEvent).origin = origin;
        if (state === OPEN) hooks.event(event as StreamEvent);
      },
      onRetry(ms) {
        reconnectionTime = Math.min(ms, maxServerRetry);
      },
      onError(e) {
        limit ??= e;
      },
    },
    options,
  );

  const close = () => {
    if (state === CLOSED) return false;
    state = CLOSED;
    clearTimeout(timer);
    clearTimeout(idle);
    stopWaiting();
    controller?.abort();
    signal?.removeEventListener('abort', onAbort);
    return true;
  };
  const onAbort = () => close() && hooks.end(true);
  const fail = (reason: EventSourceError) => close() && hooks.error(reason);

  /** The spec's "reestablish the connection", with backoff, limits and the hook. */
  const retry = (reason: EventSourceError, notBefore = 0): unknown => {
    clearTimeout(idle); // the attempt is over; close() clears it on every other path
    if (state === CLOSED) return;
    if (options.oneShot) return fail(reason);
    // No maxAttempts (undefined) compares false: unlimited.
    if (++failures >= maxAttempts!) {
      return fail(
        new EventSourceError(
          'MAX_ATTEMPTS',
          `${failures} attempts failed (maxAttempts); last: ${reason.message}`,
          reason,
          reason.response,
        ),
      );
    }
    state = CONNECTING;
    hooks.error(reason);
    if ((state as ReadyState) !== CONNECTING) return; // closed by an error listener
    const delay = Math.max(
      notBefore,
      backoffDelay(failures, reconnectionTime, maxRetryDelay, random),
    );
    options.onRetry?.({ attempt: failures, delay, reason });
    if ((state as ReadyState) === CONNECTING) timer = setTimeout(whenOnline, delay);
  };

  /** In a browser that knows it is offline, wait for `online` instead of burning an attempt. */
  const whenOnline = () => {
    const g = globalThis as Partial<EventTarget> & { navigator?: { onLine?: boolean } };
    if (g.navigator?.onLine !== false || !g.addEventListener) return void attempt();
    g.addEventListener('online', attempt, { once: true });
    stopWaiting = () => g.removeEventListener!('online', attempt);
  };

  /**
   * Restarts the idle watch: one timer that, when due, looks at when bytes last arrived
   * (`seen`, a timestamp each chunk sets, so no timer is reset per chunk) and either waits
   * the rest of the time or aborts the current request as dead.
   */
  const armIdle = (current: AbortController) => {
    clearTimeout(idle);
    seen = performance.now();
    const check = () => {
      const left = seen + idleTimeout - performance.now();
      if (left > 0) idle = setTimeout(check, left);
      else {
        current.abort(
          new EventSourceError('IDLE_TIMEOUT', `No bytes for ${idleTimeout} ms (idleTimeout)`),
        );
      }
    };
    if (idleTimeout > 0) idle = setTimeout(check, idleTimeout);
  };

  /** A failure while connecting or reading: our own abort reason (idle timeout) or a network error. */
  const asError = (current: AbortController, cause: unknown): EventSourceError => {
    const reason: unknown = current.signal.reason;
    return reason instanceof EventSourceError
      ? reason
      : new EventSourceError(
          'NETWORK',
          `Connection failed: ${(cause as Error)?.message ?? cause}`,
          cause,
        );
  };

  const request = async (current: AbortController): Promise<Response> => {
    const { lastEventId } = decoder;
    const headers = new Headers(
      typeof headersOption === 'function'
        ? await headersOption({ attempt: failures, lastEventId })
        : headersOption,
    );
    if (!headers.has('accept')) headers.set('accept', EVENT_STREAM_MIME_TYPE);
    if (lastEventId) headers.set('last-event-id', lastEventId);
    const init: RequestInit = {
      method: options.method ?? 'GET',
      body: options.body ?? null,
      cache: 'no-store',
      credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
      redirect: 'follow',
      headers,
      signal: current.signal,
    };
    current.signal.throwIfAborted(); // closed while the headers function ran: no fetch
    try {
      return await doFetch(url, init);
    } catch (e) {
      if (!UNSUPPORTED_INIT.test(String(e))) throw e; // "TypeError: ... 'cache' ..."
      // What `cache: 'no-store'` would have sent, so intermediaries still do not cache.
      if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
      delete init.cache;
      delete init.credentials;
      return doFetch(url, init);
    }
  };

  const attempt = async (): Promise<unknown> => {
    if (state === CLOSED) return;
    const current = new AbortController();
    controller = current;
    armIdle(current);
    let response: Response;
    try {
      response = await request(current);
    } catch (e) {
      return retry(asError(current, e));
    }
    const { status, body } = response;
    const type = response.headers.get('content-type');
    if ((state as ReadyState) === CLOSED || status !== 200 || !isEventStreamContentType(type)) {
      body?.cancel().catch(ignore);
      if ((state as ReadyState) === CLOSED) return;
      const bad = status !== 200;
      const reason = new EventSourceError(
        bad ? 'HTTP_STATUS' : 'CONTENT_TYPE',
        bad
          ? `HTTP status ${status}, not 200`
          : `Content type ${type}, not ${EVENT_STREAM_MIME_TYPE}`,
        undefined,
        response,
      );
      // Any other status or type is fatal (the spec), unless the caller opted in to retries.
      const retryable =
        bad &&
        (typeof retryOnStatus === 'function'
          ? retryOnStatus(status)
          : retryOnStatus === true && (status >= 500 || status === 429));
      return retryable
        ? retry(reason, parseRetryAfter(response.headers.get('retry-after')))
        : fail(reason);
    }
    state = OPEN;
    hooks.open();
    if (state !== OPEN || !body) return;
    origin = new URL(response.url || url).origin;
    decoder.reset(); // a new stream; the last event ID carries over
    const reader = body.getReader();
    let reason: EventSourceError | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (state !== OPEN) return;
        if (done) break;
        seen = performance.now();
        decoder.feed(value);
        // A decoder limit is fatal: the same oversized event would come back on every reconnect.
        if (limit) return fail(new EventSourceError(limit.code, limit.message, limit, response));
        const full = hooks.wait?.();
        if (full) {
          clearTimeout(idle); // a slow consumer is not a dead server
          await full;
          if ((state as ReadyState) !== OPEN) return;
          armIdle(current);
        }
      }
      decoder.end(); // an unterminated event, and its id, are discarded
    } catch (e) {
      reason = asError(current, e);
    } finally {
      if ((state as ReadyState) === CLOSED) reader.cancel().catch(ignore);
    }
    if (options.oneShot && !reason) return close() && hooks.end(false);
    retry(reason ?? new EventSourceError('NETWORK', 'The server ended the stream'));
  };

  if (signal?.aborted) {
    state = CLOSED;
    queueMicrotask(() => hooks.end(true));
  } else {
    signal?.addEventListener('abort', onAbort);
    queueMicrotask(whenOnline);
  }
  return {
    get readyState() {
      return state;
    },
    close,
  };
}
