import {
  createDecoder,
  type DecodedEvent,
  isEventStreamContentType,
  type SSEError,
} from '@sse/core';
import { backoffDelay, parseRetryAfter } from './backoff';
import { EventSourceError } from './error';
import { DEFAULTS, type EventSourceOptions } from './options';

/** The spec's `readyState` values. */
export type ReadyState = 0 | 1 | 2;

/** How a connection reports to its owner (the `EventSource` class or the `events()` iterator). */
export interface ConnectionHooks {
  /** A 200 `text/event-stream` response arrived; readyState is OPEN. */
  open(): void;
  /** An event was decoded. `origin` is the origin of the final (post-redirect) URL. */
  event(event: DecodedEvent, origin: string): void;
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

/** Statuses worth retrying when `retryOnStatus: true`: the server's fault or rate limiting. */
const transientStatus = (status: number) => status >= 500 || status === 429;

/**
 * Opens a stream and keeps it open as the WHATWG spec says (reconnect on network errors
 * and clean ends, fail for good on a bad status or type), with the retry policy, idle
 * timeout and limits of `options` on top. `close()` wins every race: after it, no hook
 * fires and no fetch starts.
 */
export function connect(
  url: string,
  options: EventSourceOptions,
  hooks: ConnectionHooks,
): Connection {
  const doFetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const cap = options.maxRetryDelay ?? DEFAULTS.maxRetryDelay;
  const maxServerRetry = options.maxServerRetry ?? DEFAULTS.maxServerRetry;
  const maxAttempts = options.maxAttempts ?? DEFAULTS.maxAttempts;
  const idleTimeout = options.idleTimeout ?? DEFAULTS.idleTimeout;
  const retryOnStatus = options.retryOnStatus;
  const random = options.random ?? Math.random;
  const signal = options.signal;
  const base: RequestInit = {
    method: options.method ?? 'GET',
    body: options.body ?? null,
    cache: 'no-store',
    credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
    redirect: 'follow',
  };
  let state: ReadyState = CONNECTING;
  let lastEventId = options.lastEventId ?? '';
  let reconnectionTime = options.retryDelay ?? DEFAULTS.retryDelay;
  let failures = 0;
  let controller: AbortController | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let idle: ReturnType<typeof setTimeout> | undefined;
  let stopWaiting: (() => void) | undefined;

  const close = () => {
    if (state === CLOSED) return;
    state = CLOSED;
    clearTimeout(timer);
    clearTimeout(idle);
    stopWaiting?.();
    controller?.abort();
    signal?.removeEventListener('abort', onAbort);
  };
  const onAbort = () => {
    if (state === CLOSED) return;
    close();
    hooks.end(true);
  };

  const fail = (error: EventSourceError) => {
    if (state === CLOSED) return;
    close();
    hooks.error(error);
  };

  /** The spec's "reestablish the connection", with backoff, limits and the hook. */
  const retry = (reason: EventSourceError, notBefore = 0) => {
    if (state === CLOSED) return;
    if (options.oneShot) return fail(reason);
    failures++;
    if (failures >= maxAttempts) {
      return fail(
        new EventSourceError(
          'MAX_ATTEMPTS',
          `Gave up after ${maxAttempts} failed attempts (maxAttempts); the last: ${reason.message}`,
          { cause: reason, response: reason.response },
        ),
      );
    }
    state = CONNECTING;
    hooks.error(reason);
    if ((state as ReadyState) !== CONNECTING) return; // closed by an error listener
    const delay = Math.max(notBefore, backoffDelay(failures, reconnectionTime, cap, random));
    options.onRetry?.({ attempt: failures, delay, reason });
    if ((state as ReadyState) === CONNECTING) timer = setTimeout(whenOnline, delay);
  };

  /** In a browser that knows it is offline, wait for `online` instead of burning an attempt. */
  const whenOnline = () => {
    const g = globalThis as { navigator?: { onLine?: boolean } } & Partial<EventTarget>;
    if (g.navigator?.onLine !== false || !g.addEventListener || !g.removeEventListener) {
      return void attempt();
    }
    const online = () => {
      stopWaiting?.();
      void attempt();
    };
    g.addEventListener('online', online);
    stopWaiting = () => {
      stopWaiting = undefined;
      g.removeEventListener?.('online', online);
    };
  };

  /** Restarts the idle timer; when it fires, the current request is aborted as dead. */
  const armIdle = (current: AbortController) => {
    clearTimeout(idle);
    if (idleTimeout > 0) {
      idle = setTimeout(
        () =>
          current.abort(
            new EventSourceError(
              'IDLE_TIMEOUT',
              `No bytes for ${idleTimeout} ms (idleTimeout): treating the connection as dead and reconnecting.`,
            ),
          ),
        idleTimeout,
      );
    }
  };

  const asError = (current: AbortController, cause: unknown): EventSourceError => {
    const reason: unknown = current.signal.reason;
    if (reason instanceof EventSourceError) return reason;
    if (cause instanceof EventSourceError) return cause;
    const what = cause instanceof Error ? cause.message : String(cause);
    return new EventSourceError('NETWORK', `The connection failed (${what}); reconnecting.`, {
      cause,
    });
  };

  const request = async (current: AbortController): Promise<Response> => {
    const h = options.headers;
    const headers = new Headers(
      typeof h === 'function' ? await h({ attempt: failures, lastEventId }) : h,
    );
    if (!headers.has('accept')) headers.set('accept', 'text/event-stream');
    if (lastEventId) headers.set('last-event-id', lastEventId);
    const init: RequestInit = { ...base, headers, signal: current.signal };
    if (current.signal.aborted) throw current.signal.reason;
    try {
      return await doFetch(url, init);
    } catch (error) {
      if (!(error instanceof TypeError) || !UNSUPPORTED_INIT.test(error.message)) throw error;
      // What `cache: 'no-store'` would have sent, so intermediaries still do not cache.
      if (!headers.has('cache-control')) headers.set('cache-control', 'no-cache');
      const { cache: _cache, credentials: _credentials, ...rest } = init;
      return doFetch(url, rest);
    }
  };

  const attempt = async () => {
    if (state === CLOSED) return;
    const current = new AbortController();
    controller = current;
    armIdle(current);
    let response: Response;
    try {
      response = await request(current);
    } catch (error) {
      return retry(asError(current, error));
    }
    if ((state as ReadyState) === CLOSED) return void response.body?.cancel().catch(() => {});
    const { status } = response;
    const type = response.headers.get('content-type');
    if (status !== 200 || !isEventStreamContentType(type)) {
      void response.body?.cancel().catch(() => {});
      clearTimeout(idle);
      const error =
        status !== 200
          ? new EventSourceError('HTTP_STATUS', `The server answered ${status} instead of 200.`, {
              response,
            })
          : new EventSourceError(
              'CONTENT_TYPE',
              `The server answered with content type ${type ?? '(none)'} instead of text/event-stream.`,
              { response },
            );
      const transient =
        status !== 200 &&
        (typeof retryOnStatus === 'function'
          ? retryOnStatus(status)
          : retryOnStatus === true && transientStatus(status));
      return transient
        ? retry(error, parseRetryAfter(response.headers.get('retry-after')))
        : fail(error);
    }
    state = OPEN;
    hooks.open();
    if (state !== OPEN || !response.body) return;
    const origin = new URL(response.url || url).origin;
    let limit: SSEError | undefined;
    const decoder = createDecoder(
      {
        onEvent(event) {
          failures = 0; // a healthy connection: the next failure starts the backoff again
          if (state === OPEN) hooks.event(event, origin);
        },
        onRetry(ms) {
          reconnectionTime = Math.min(ms, maxServerRetry);
        },
        onError(error) {
          limit ??= error;
        },
      },
      {
        lastEventId,
        maxLineLength: options.maxLineLength,
        maxEventSize: options.maxEventSize,
      },
    );
    const reader = response.body.getReader();
    let reason: EventSourceError | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (state !== OPEN) return;
        if (done) break;
        armIdle(current);
        decoder.feed(value);
        lastEventId = decoder.lastEventId;
        if (limit) {
          const { code, message } = limit;
          return fail(new EventSourceError(code, message, { cause: limit, response }));
        }
        const full = hooks.wait?.();
        if (full) {
          clearTimeout(idle);
          await full;
          if ((state as ReadyState) !== OPEN) return;
          armIdle(current);
        }
      }
      decoder.end();
      lastEventId = decoder.lastEventId;
    } catch (error) {
      reason = asError(current, error);
    } finally {
      clearTimeout(idle);
      if ((state as ReadyState) === CLOSED) void reader.cancel().catch(() => {});
    }
    if (options.oneShot && !reason) {
      close();
      return hooks.end(false);
    }
    retry(
      reason ??
        new EventSourceError(
          'NETWORK',
          'The server ended the stream; reconnecting as the spec says.',
        ),
    );
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
