import type { SSEError } from '@sse/core';
import { NODE_CODINGS, type NodeRequest, type NodeResponse, ResponseSink } from '@sse/node';
import type { ServerSession, SessionSink } from '@sse/server';
import type { WebSSE } from '@sse/web';
import type { Context, Env } from 'hono';
import type { HonoSessionHandler } from './sse';

/**
 * `@hono/node-server`'s marker: a response carrying it is not written by the host (the
 * value of its `RESPONSE_ALREADY_SENT`; spelled out so this package does not depend on it).
 */
const ALREADY_SENT = 'x-hono-already-sent';

/** Headers that must not reach the Node response: the marker, and what the stream decides itself. */
const DROPPED = new Set([ALREADY_SENT, 'content-length', 'transfer-encoding', 'set-cookie']);
/** Connection-specific headers, refused by HTTP/2 (RFC 9113 §8.2.2). */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade']);

/** `@hono/node-server`'s `c.env`, when that is the host and its response is still unwritten. */
function nodeBindings(env: unknown): { incoming: NodeRequest; outgoing: NodeResponse } | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const { incoming, outgoing } = env as { incoming?: unknown; outgoing?: unknown };
  if (
    typeof incoming !== 'object' ||
    incoming === null ||
    typeof (incoming as NodeRequest).headers !== 'object' ||
    typeof outgoing !== 'object' ||
    outgoing === null ||
    typeof (outgoing as NodeResponse).writeHead !== 'function' ||
    (outgoing as NodeResponse).headersSent
  ) {
    return undefined;
  }
  return { incoming: incoming as NodeRequest, outgoing: outgoing as NodeResponse };
}

/**
 * The session's sink until the head is written: the host and the middleware after the
 * route still run, and may add headers (`secureHeaders()`, `cors()`'s `Vary`). The session
 * is opened not writable, so only a graceful end before the head hands bytes here (kept,
 * bounded by the session's queue limit); `end` and `abort` are remembered.
 */
class HeadFirstSink implements SessionSink {
  inner: ResponseSink | undefined;
  /** Bytes of a graceful end before the head (made only then: most sessions never need it). */
  pending: Uint8Array[] | undefined;
  ended = false;
  aborted = false;
  /** A real failure (a handler that threw, a failed write), reported as the host reports one. */
  failure: SSEError | undefined;

  write(chunk: Uint8Array): boolean {
    if (this.inner) return this.inner.write(chunk);
    (this.pending ??= []).push(chunk);
    return false;
  }

  end(): void {
    if (this.inner) this.inner.end();
    else this.ended = true;
  }

  abort(reason: SSEError): void {
    // Not written (another response was sent): nothing here to end or report.
    if (this.aborted) return;
    if (reason.code === 'WRITE_FAILED') {
      // What @hono/node-server prints for an errored body on the web path: failures stay visible.
      console.error(reason);
      this.failure = reason;
    }
    if (this.inner) this.inner.abort();
    else this.aborted = true;
  }
}

/** The headers of the route's final response as Node wants them, the stream's own winning. */
function headRecord(
  final: Headers,
  own: Record<string, string>,
  http2: boolean,
): Record<string, string | string[]> {
  const head: Record<string, string | string[]> = {};
  final.forEach((value, name) => {
    if (!DROPPED.has(name) && !(http2 && HOP_BY_HOP.has(name))) head[name] = value;
  });
  const cookies = final.getSetCookie();
  if (cookies.length > 0) head['set-cookie'] = cookies;
  for (const name in own) head[name.toLowerCase()] = own[name]!;
  return head;
}

/**
 * @internal The native path: on `@hono/node-server`, the stream is written by `@sse/node`'s
 * sink to the Node response, and the route returns the host's "already sent" marker.
 * The head waits one turn of the event loop (`setImmediate`), so the middleware that runs
 * after the route (`await next()` then headers) has finished: it is written from the final
 * response in `c.res`. If that response is no longer the marker (an error handler or a
 * middleware replaced it), the host sends that one and the session ends with `'error'`.
 */
export function openNative<State, E extends Env>(
  responder: WebSSE<State>,
  c: Context<E>,
  handler: HonoSessionHandler<State, E>,
): Response | undefined {
  const node = nodeBindings(c.env);
  if (node === undefined) return undefined;
  const { incoming, outgoing } = node;
  const factory = responder.factory;
  const h = incoming.headers;
  const negotiation = factory.negotiate(
    {
      method: incoming.method ?? 'GET',
      url: incoming.url ?? '/',
      httpVersionMajor: incoming.httpVersionMajor,
      lastEventId: h['last-event-id'] as string | undefined,
      origin: h.origin,
      acceptEncoding: h['accept-encoding'],
    },
    NODE_CODINGS,
  );
  // Preflights and 503s have no stream: the web path answers them, through Hono.
  if (negotiation.kind !== 'open') return undefined;

  const sink = new HeadFirstSink();
  const session = factory.open(sink, negotiation, false);
  try {
    const result = handler(session, c);
    if (result && typeof (result as Promise<unknown>).then === 'function') {
      (result as Promise<unknown>).then(undefined, (error: unknown) => session.fail(error));
    }
  } catch (error) {
    session.fail(error);
  }
  // What middleware sees: the stream's status and headers, with the host's marker.
  const response = c.newResponse(null, {
    // The session's status is a 2xx the options chose; Hono types it as a literal union.
    status: negotiation.status as 200,
    headers: { ...negotiation.headers, [ALREADY_SENT]: 'true' },
  });
  // @hono/node-server's lightweight Response writes a cached head whatever its headers
  // say; reading `body` turns it into a real one, whose marker the host honours.
  void response.body;
  setImmediate(() =>
    // Without middleware Hono hands the route's response to the host as is (`c.res` is
    // never set); with middleware, `c.res` is the response they finished with.
    writeHead(c.finalized ? c.res : response, session, sink, incoming, outgoing, negotiation),
  );
  return response;
}

/** Writes the head from the final response, then hands the session to the Node sink. */
function writeHead<State>(
  final: Response,
  session: ServerSession<State>,
  sink: HeadFirstSink,
  incoming: NodeRequest,
  outgoing: NodeResponse,
  negotiation: {
    status: number;
    headers: Record<string, string>;
    encoding?: 'br' | 'gzip' | 'deflate';
  },
): void {
  if (final.headers.get(ALREADY_SENT) !== 'true' || outgoing.headersSent) {
    // The host answered with another response: the stream never started.
    sink.aborted = true;
    sink.pending = undefined;
    session.fail(new Error('The route response was replaced after sse() returned it.'));
    return;
  }
  if (sink.aborted || outgoing.destroyed) {
    sink.pending = undefined;
    if (sink.failure && !outgoing.destroyed) {
      // As the host answers a body that fails before its first byte: a 500 with the message.
      outgoing.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      outgoing.end(`Error: ${sink.failure.message}`);
    } else if (!outgoing.destroyed) outgoing.destroy();
    session.peerGone();
    return;
  }
  // Small events must not wait for Nagle's algorithm (on HTTP/2: the session's socket).
  incoming.socket?.setNoDelay?.(true);
  outgoing.writeHead(
    negotiation.status,
    headRecord(final.headers, negotiation.headers, incoming.httpVersionMajor === 2),
  );
  const inner = new ResponseSink(outgoing, negotiation.encoding);
  if (sink.pending) for (const chunk of sink.pending) inner.write(chunk);
  sink.pending = undefined;
  if (sink.ended) {
    inner.end();
    return;
  }
  sink.inner = inner;
  inner.bind(session as ServerSession<unknown>);
  session.drain();
}
