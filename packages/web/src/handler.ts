import {
  createSessionFactory,
  type ServerSession,
  type SessionFactory,
  type SessionOptions,
} from '@sse/server';
import { type Connection, StreamSink } from './sink';

/**
 * The part of Bun's `Server` the adapter uses: `timeout(request, 0)` switches off
 * Bun's per-request idle timeout (10 s by default) for the stream.
 */
export interface IdleTimeoutControl {
  timeout(request: Request, seconds: number): void;
}

/** Per-request extras. */
export interface WebOpenInit {
  /**
   * The second argument the host passes to your fetch handler. On Bun, the server
   * object of `fetch(request, server)`: the adapter calls `server.timeout(request, 0)`
   * so Bun does not close an idle stream. On `@hono/node-server`, its
   * `{ incoming, outgoing }`: a client that reads too slowly is disconnected through
   * `outgoing.destroy()` instead of by an errored body, which the host would log.
   * Anything else is ignored.
   */
  server?: IdleTimeoutControl | unknown;
  /** Ends the session gracefully when this signal aborts, e.g. on shutdown. */
  signal?: AbortSignal;
}

/**
 * Runs with the session once the response exists. Sends made here are queued and
 * go out as soon as the runtime reads the body. A rejected promise ends the
 * session with reason `'error'` (the cause is `session.signal.reason.cause`).
 */
export type SessionHandler<State> = (session: ServerSession<State>) => unknown;

/** A response, and the session behind it (undefined for preflights and 503s). */
export interface WebOpened<State> {
  response: Response;
  session: ServerSession<State> | undefined;
}

/**
 * Answers a fetch `Request` with an SSE `Response`; call the result once per
 * request. Also carries `open` (response and session without a callback) and
 * the factory (`size`, `closeAll()`).
 */
export interface WebSSE<State> {
  (request: Request, handler?: SessionHandler<State>, init?: WebOpenInit): Response;
  /** Like calling the handler, but returns the session instead of taking a callback. */
  open(request: Request, init?: WebOpenInit): WebOpened<State>;
  /** The session factory behind this handler: live count, `closeAll()` for shutdown. */
  readonly factory: SessionFactory<State>;
}

/**
 * Cloudflare Workers tie timers and streams to the request that created them, so a
 * heartbeat interval shared across requests would write into other requests' streams.
 */
const onWorkers =
  (globalThis as { navigator?: { userAgent?: string } }).navigator?.userAgent ===
  'Cloudflare-Workers';

/** The connection handle in `@hono/node-server`'s `{ incoming, outgoing }`, if `server` is one. */
function connectionOf(server: unknown): Connection | undefined {
  const outgoing =
    typeof server === 'object' && server !== null
      ? (server as { outgoing?: unknown }).outgoing
      : undefined;
  return typeof outgoing === 'object' &&
    outgoing !== null &&
    typeof (outgoing as Connection).destroy === 'function'
    ? (outgoing as Connection)
    : undefined;
}

function hasTimeout(server: unknown): server is IdleTimeoutControl {
  return (
    typeof server === 'object' &&
    server !== null &&
    typeof (server as IdleTimeoutControl).timeout === 'function'
  );
}

/** Settles a handler's promise into the session: a rejection fails it. */
function watch(session: ServerSession<unknown>, result: unknown): void {
  if (result && typeof (result as Promise<unknown>).then === 'function') {
    (result as Promise<unknown>).then(undefined, (error: unknown) => session.fail(error));
  }
}

/**
 * Creates the SSE responder for fetch-style runtimes: Deno, Bun, Cloudflare
 * Workers, Next.js route handlers, Node fetch servers. Options are resolved once
 * here. The stream ends on `request.signal` and when the body is cancelled.
 * Compression is not offered here: `CompressionStream` cannot flush per event.
 * On Cloudflare Workers, heartbeats default to one timer per session (`timerScope`).
 */
export function createWebSSE<State = Record<string, unknown>>(
  options?: SessionOptions<State>,
): WebSSE<State> {
  const factory = createSessionFactory<State>({
    ...options,
    timerScope: options?.timerScope ?? (onWorkers ? 'session' : 'process'),
  });

  const open = (request: Request, init?: WebOpenInit): WebOpened<State> => {
    const h = request.headers;
    const negotiation = factory.negotiate({
      method: request.method,
      url: request.url,
      httpVersionMajor: 0,
      lastEventId: h.get('last-event-id'),
      origin: h.get('origin'),
      acceptEncoding: null,
    });
    if (negotiation.kind !== 'open') {
      return {
        response: new Response(null, { status: negotiation.status, headers: negotiation.headers }),
        session: undefined,
      };
    }
    const sink = new StreamSink();
    sink.connection = connectionOf(init?.server);
    const body = new ReadableStream<Uint8Array>(sink, { highWaterMark: 0 });
    const session = factory.open(sink, negotiation, false);
    sink.session = session as ServerSession<unknown>;
    session.linkSignal(request.signal, 'peer');
    if (init?.signal) session.linkSignal(init.signal, 'closed');
    if (hasTimeout(init?.server)) init.server.timeout(request, 0);
    return {
      response: new Response(body, { status: negotiation.status, headers: negotiation.headers }),
      session,
    };
  };

  const respond = (request: Request, handler?: SessionHandler<State>, init?: WebOpenInit) => {
    const { response, session } = open(request, init);
    if (session && handler) {
      try {
        watch(session as ServerSession<unknown>, handler(session));
      } catch (error) {
        session.fail(error);
      }
    }
    return response;
  };

  return Object.assign(respond, { open, factory });
}
