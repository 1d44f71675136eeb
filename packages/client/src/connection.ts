import {
  createDecoder,
  type DecodedEvent,
  EVENT_STREAM_MIME_TYPE,
  isEventStreamContentType,
  type SSEError,
} from '@sse/core';
import { EventSourceError } from './error';
import { createGovernor, milliseconds } from './governor';
import type { EventSourceOptions, FetchInit } from './options';

/**
 * The absolute URL for `url`: relative URLs resolve against the document's base URL (so
 * `<base href>` counts) or, in a worker, its location, as for the native `EventSource`;
 * elsewhere they must be absolute. Throws `TypeError` when it cannot parse.
 */
export function resolveUrl(url: string | URL): string {
  const g = globalThis as { document?: { baseURI?: string }; location?: { href: string } };
  return new URL(url, g.document?.baseURI ?? g.location?.href).href;
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

/** Workers reject `cache` (and in some versions `credentials`) in RequestInit: then they are left out. */
const UNSUPPORTED_INIT = /'(cache|credentials)'/;

const ignore = () => {};

/** A response the client cannot use (not a `Response`, a body it cannot read): fatal. */
const unusable = (cause: unknown, response?: Response) =>
  new EventSourceError('INVALID_RESPONSE', `Unusable response: ${cause}`, cause, response);

/**
 * Cancels a reader or body (destroys a Node `Readable`, which has no `cancel`) without letting
 * its failure escape, so a body the client will not read does not hold its connection.
 */
const drop = (body: { cancel?(): unknown; destroy?(): unknown } | null | undefined) =>
  (async () => (body?.cancel ? body.cancel() : body?.destroy?.()))().catch(ignore);

/**
 * Opens a stream and keeps it open as the WHATWG spec says (reconnect on network errors
 * and clean ends, fail for good on a bad status or type), with the retry policy, idle
 * timeout and limits of `options` on top. `close()` wins every race: after it, no hook
 * fires and no fetch starts. Every delay and every retry-or-fail decision comes from the
 * governor; every promise here is handled, so no input can cause an unhandled rejection.
 * Defaults are documented in the README and `EventSourceOptions`.
 */
export function connect(
  url: string,
  options: EventSourceOptions,
  hooks: ConnectionHooks,
): Connection {
  const { signal, headers: headersOption, maxAttempts } = options;
  const [hint, plan] = createGovernor(options);
  const idleTimeout = milliseconds(options, 'idleTimeout', 0);
  const doFetch = options.fetch ?? ((input, init) => fetch(input, init));
  let state: ReadyState = CONNECTING;
  // Consecutive failed attempts since the last healthy connection (one that delivered an event).
  let failures = 0;
  // Set once the runtime rejected `cache`/`credentials` (Workers): later requests leave them out.
  let plain = false;
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
      onRetry: hint,
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

  /** The spec's "reestablish the connection" when the governor allows it, else fail for good. */
  const failed = (reason: EventSourceError): unknown => {
    clearTimeout(idle); // the attempt is over; close() clears it on every other path
    if (state === CLOSED) return;
    const delay = options.oneShot ? -1 : plan(failures + 1, reason);
    if (delay < 0) return fail(reason);
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
    // A throwing onRetry ends up in start()'s catch: the source fails with that error as the cause.
    options.onRetry?.({ attempt: failures, delay, reason });
    if ((state as ReadyState) === CONNECTING) timer = setTimeout(whenOnline, delay);
  };

  /** In a browser that knows it is offline, wait for `online` instead of burning an attempt. */
  const whenOnline = () => {
    const g = globalThis as Partial<EventTarget> & { navigator?: { onLine?: boolean } };
    if (g.navigator?.onLine !== false || !g.addEventListener) return start();
    g.addEventListener('online', start, { once: true });
    stopWaiting = () => g.removeEventListener!('online', start);
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

  /**
   * A failure while connecting or reading: a typed error as thrown, our own abort reason
   * (idle timeout), a request the runtime's fetch refuses to send (Bun checks a body on GET
   * there, not in `Request`: `ERR_INVALID_ARG_VALUE`), or else a network error.
   */
  const asError = (current: AbortController, cause: unknown): EventSourceError => {
    const reason: unknown = current.signal.reason;
    return cause instanceof EventSourceError
      ? cause
      : reason instanceof EventSourceError
        ? reason
        : /^ERR_INVALID/.test(String((cause as { code?: unknown })?.code))
          ? new EventSourceError('INVALID_REQUEST', `The request cannot be sent: ${cause}`, cause)
          : new EventSourceError('NETWORK', `Connection failed: ${cause}`, cause);
  };

  /**
   * The request of one attempt, as the init handed to `fetch`: headers as a plain record of
   * lower-case names (so wrappers that spread `init.headers` keep Accept and Last-Event-ID).
   * Checked by building a `Request` from it: what cannot be sent (a header value that is not a
   * ByteString, a bad URL or method, a body on GET) throws `INVALID_REQUEST`, which is fatal.
   */
  const build = (given: HeadersInit | undefined, current: AbortController): FetchInit => {
    try {
      const headers: Record<string, string> = Object.fromEntries(new Headers(given));
      headers.accept ??= EVENT_STREAM_MIME_TYPE;
      if (decoder.lastEventId) headers['last-event-id'] = decoder.lastEventId;
      const init: FetchInit = {
        method: options.method ?? 'GET',
        body: options.body ?? null,
        cache: 'no-store',
        credentials: options.credentials ?? (options.withCredentials ? 'include' : 'same-origin'),
        redirect: 'follow',
        headers,
        signal: current.signal,
      };
      if (plain) {
        // What `cache: 'no-store'` would have sent, so intermediaries still do not cache.
        headers['cache-control'] ??= 'no-cache';
        delete init.cache;
        delete init.credentials;
      }
      new Request(url, init);
      return init;
    } catch (e) {
      // Workers reject `cache` (and some versions `credentials`): "TypeError: ... 'cache' ...".
      if (!plain && UNSUPPORTED_INIT.test(String(e))) {
        plain = true;
        return build(given, current);
      }
      throw new EventSourceError('INVALID_REQUEST', `The request cannot be sent: ${e}`, e);
    }
  };

  const attempt = async (): Promise<unknown> => {
    if (state === CLOSED) return;
    const current = new AbortController();
    controller = current;
    armIdle(current);
    let response: Response;
    try {
      const given =
        typeof headersOption === 'function'
          ? await headersOption({ attempt: failures, lastEventId: decoder.lastEventId })
          : headersOption;
      current.signal.throwIfAborted(); // closed while the headers function ran: no fetch
      response = await doFetch(url, build(given, current));
    } catch (e) {
      return failed(asError(current, e));
    }
    let reader: ReadableStreamDefaultReader<Uint8Array>;
    let status: number;
    try {
      status = response.status;
      const type = response.headers.get('content-type');
      if ((state as ReadyState) === CLOSED || status !== 200 || !isEventStreamContentType(type)) {
        drop(response.body);
        if ((state as ReadyState) === CLOSED) return;
        const bad = status !== 200;
        // Any other status or type fails for good (the spec), unless the governor allows a retry.
        return failed(
          new EventSourceError(
            bad ? 'HTTP_STATUS' : 'CONTENT_TYPE',
            bad
              ? `HTTP status ${status}, not 200`
              : `Content type ${type}, not ${EVENT_STREAM_MIME_TYPE}`,
            undefined,
            response,
          ),
        );
      }
      origin = new URL(response.url || url).origin;
      // No body (a HEAD, a `new Response(null)`) reads as an empty stream: its end reconnects.
      // A body that is not a web stream (a Node `Readable` from node-fetch) or is locked throws.
      reader = (response.body ?? new Blob().stream()).getReader();
    } catch (e) {
      drop(response?.body);
      return failed(unusable(e, response));
    }
    // Aborting (close(), the idle timeout) also stops bodies that do not watch the signal.
    current.signal.addEventListener('abort', () => drop(reader));
    state = OPEN;
    hooks.open();
    if (state !== OPEN) return;
    decoder.reset(); // a new stream; the last event ID carries over
    let reason: EventSourceError | undefined;
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (state !== OPEN) return;
        current.signal.throwIfAborted(); // the idle timeout fired while a read was pending
        if (done) break;
        seen = performance.now();
        decoder.feed(value);
        // A decoder limit is fatal: the same oversized event would come back on every reconnect.
        if (limit) return failed(new EventSourceError(limit.code, limit.message, limit, response));
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
    }
    if (options.oneShot && !reason) return close() && hooks.end(false);
    failed(reason ?? new EventSourceError('NETWORK', 'The server ended the stream'));
  };

  /** Runs an attempt; whatever it throws that no branch foresaw fails the source, never unhandled. */
  const start = () => {
    attempt().catch((e) => failed(unusable(e)));
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
