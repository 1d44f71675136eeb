import type { IncomingMessage } from 'node:http';
import type { Http2ServerRequest } from 'node:http2';
import {
  type ContentEncoding,
  createSessionFactory,
  type ServerSession,
  type SessionFactory,
  type SessionOptions,
} from '@sse/server';
import { type NodeResponse, ResponseSink } from './sink';

/** Any Node request the adapter reads: HTTP/1.x (`http`, `https`) or the HTTP/2 compat API. */
export type NodeRequest = IncomingMessage | Http2ServerRequest;

/**
 * Every coding node:zlib can stream with a flush after each write: what `factory.negotiate`
 * may pick for a `ResponseSink` (also for bindings that open sessions on Node responses).
 */
export const NODE_CODINGS: readonly ContentEncoding[] = ['br', 'gzip', 'deflate'];

/** Per-connection extras for `sse(req, res, init)`. */
export interface NodeOpenInit {
  /** Ends the session (gracefully) when this signal aborts, e.g. on server shutdown. */
  signal?: AbortSignal;
}

/**
 * Opens an SSE stream on a Node request/response pair, or answers it (CORS
 * preflight 204, 503 past `maxSessions`) and returns undefined. Also carries the
 * factory, for `size` and `closeAll()`.
 */
export interface NodeSSE<State> {
  (req: NodeRequest, res: NodeResponse, init?: NodeOpenInit): ServerSession<State> | undefined;
  /** The session factory behind this handler: live count, `closeAll()` for shutdown. */
  readonly factory: SessionFactory<State>;
}

/**
 * Creates the SSE opener for node:http, https, http2 (compat API), Express,
 * Fastify (`reply.hijack()` + `reply.raw`) and Koa (`ctx.respond = false`).
 * Options are resolved once here; call the result once per request.
 */
export function createNodeSSE<State = Record<string, unknown>>(
  options?: SessionOptions<State>,
): NodeSSE<State> {
  const factory = createSessionFactory<State>(options);
  const open = (
    req: NodeRequest,
    res: NodeResponse,
    init?: NodeOpenInit,
  ): ServerSession<State> | undefined => {
    const h = req.headers;
    const negotiation = factory.negotiate(
      {
        method: req.method ?? 'GET',
        url: req.url ?? '/',
        httpVersionMajor: req.httpVersionMajor,
        lastEventId: h['last-event-id'] as string | undefined,
        origin: h.origin,
        acceptEncoding: h['accept-encoding'],
      },
      NODE_CODINGS,
    );
    if (negotiation.kind !== 'open') {
      res.writeHead(negotiation.status, negotiation.headers);
      res.end();
      return undefined;
    }
    // Small events must not wait for Nagle's algorithm (on HTTP/2: the session's socket).
    req.socket.setNoDelay?.(true);
    res.writeHead(negotiation.status, negotiation.headers);
    const sink = new ResponseSink(res, negotiation.encoding);
    const session = factory.open(sink, negotiation);
    if (res.destroyed) {
      session.peerGone();
      return session;
    }
    sink.bind(session as ServerSession<unknown>);
    if (init?.signal) session.linkSignal(init.signal, 'closed');
    return session;
  };
  return Object.assign(open, { factory });
}
