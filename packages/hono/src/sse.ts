import type { ServerSession, SessionOptions } from '@sse/server';
import { createWebSSE, type WebSSE } from '@sse/web';
import type { Context, Env, Handler } from 'hono';

/**
 * Runs with the session and the Hono context once the response exists. Sends
 * made here go out as soon as the runtime reads the body. A rejected promise ends
 * the session with reason `'error'`.
 */
export type HonoSessionHandler<State, E extends Env = Env> = (
  session: ServerSession<State>,
  c: Context<E>,
) => unknown;

/** Factories for `sse()` calls, one per options object, so limits like `maxSessions` hold. */
const factories = new WeakMap<object, WebSSE<unknown>>();
const defaultKey = {};

function responderFor<State>(options: SessionOptions<State> | undefined): WebSSE<State> {
  const key = options ?? defaultKey;
  let responder = factories.get(key);
  if (responder === undefined) {
    responder = createWebSSE(options as SessionOptions<unknown>);
    factories.set(key, responder);
  }
  return responder as WebSSE<State>;
}

/**
 * Builds the Hono response through `@sse/web` (which runs the handler and fails the
 * session on a throw or rejection): headers set earlier with `c.header()` are kept.
 */
function respond<State, E extends Env>(
  responder: WebSSE<State>,
  c: Context<E>,
  handler: HonoSessionHandler<State, E>,
): Response {
  // On Bun, Hono passes the Bun server as `c.env`: its timeout() lifts the idle limit.
  const response = responder(c.req.raw, (session) => handler(session, c), { server: c.env });
  return c.newResponse(response.body, response);
}

/**
 * Answers the request in `c` with an SSE stream and runs `handler` with its session:
 * `return sse(c, (session) => { ... })`. Pass the same options object on every
 * call (define it once outside the route): each distinct object gets its own
 * factory, and limits such as `maxSessions` count per factory.
 */
export function sse<State = Record<string, unknown>, E extends Env = Env>(
  c: Context<E>,
  handler: HonoSessionHandler<State, E>,
  options?: SessionOptions<State>,
): Response {
  return respond(responderFor(options), c, handler);
}

/**
 * A complete Hono handler for an SSE route, options resolved once:
 * `app.get('/events', sseHandler((session, c) => { ... }, options))`.
 */
export function sseHandler<State = Record<string, unknown>, E extends Env = Env>(
  handler: HonoSessionHandler<State, E>,
  options?: SessionOptions<State>,
): Handler<E> & { readonly sse: WebSSE<State> } {
  const responder = createWebSSE<State>(options);
  const route: Handler<E> = (c) => respond(responder, c, handler);
  return Object.assign(route, { sse: responder });
}
