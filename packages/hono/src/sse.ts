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

/** The session options, plus the choice of path on `@hono/node-server`. */
export interface HonoSSEOptions<State = Record<string, unknown>> extends SessionOptions<State> {
  /**
   * On `@hono/node-server` (Node entry of this package), serve the stream through
   * `@sse/node` on the Node response itself instead of a web `ReadableStream`: less memory
   * per connection and CPU per event, and the `compression` option works. Default `true`;
   * `false` keeps the web path everywhere. Ignored where the host is not `@hono/node-server`.
   */
  native?: boolean;
}

/**
 * @internal Opens the stream on the host's own response when it can (the Node entry's
 * native path); returns undefined to let the web path answer.
 */
export type NativeOpener = <State, E extends Env>(
  responder: WebSSE<State>,
  c: Context<E>,
  handler: HonoSessionHandler<State, E>,
) => Response | undefined;

/** The two helpers, bound to one way of opening streams (web only, or native first). */
export interface HonoSSE {
  /**
   * Answers the request in `c` with an SSE stream and runs `handler` with its session:
   * `return sse(c, (session) => { ... })`. Pass the same options object on every
   * call (define it once outside the route): each distinct object gets its own
   * factory, and limits such as `maxSessions` count per factory.
   */
  sse<State = Record<string, unknown>, E extends Env = Env>(
    c: Context<E>,
    handler: HonoSessionHandler<State, E>,
    options?: HonoSSEOptions<State>,
  ): Response;
  /**
   * A complete Hono handler for an SSE route, options resolved once:
   * `app.get('/events', sseHandler((session, c) => { ... }, options))`.
   */
  sseHandler<State = Record<string, unknown>, E extends Env = Env>(
    handler: HonoSessionHandler<State, E>,
    options?: HonoSSEOptions<State>,
  ): Handler<E> & { readonly sse: WebSSE<State> };
}

/**
 * @internal Builds `sse` and `sseHandler` for one entry point: the web entry passes no
 * opener, the Node entry its native one. Both paths share one factory per options
 * object, so `maxSessions`, `size` and `closeAll()` count every stream.
 */
export function honoSSE(native?: NativeOpener): HonoSSE {
  /** Factories for `sse()` calls, one per options object, so limits like `maxSessions` hold. */
  const factories = new WeakMap<object, WebSSE<unknown>>();
  const defaultKey = {};

  function responderFor<State>(options: HonoSSEOptions<State> | undefined): WebSSE<State> {
    const key = options ?? defaultKey;
    let responder = factories.get(key);
    if (responder === undefined) {
      responder = createWebSSE(options as SessionOptions<unknown>);
      factories.set(key, responder);
    }
    return responder as WebSSE<State>;
  }

  /**
   * Builds the Hono response: natively when the opener can, else through `@sse/web`
   * (which runs the handler and fails the session on a throw or rejection). Headers set
   * earlier with `c.header()` are kept either way.
   */
  function respond<State, E extends Env>(
    responder: WebSSE<State>,
    c: Context<E>,
    handler: HonoSessionHandler<State, E>,
    useNative: boolean,
  ): Response {
    if (useNative && native) {
      const response = native(responder, c, handler);
      if (response) return response;
    }
    // On Bun, Hono passes the Bun server as `c.env`: its timeout() lifts the idle limit.
    const response = responder(c.req.raw, (session) => handler(session, c), { server: c.env });
    return c.newResponse(response.body, response);
  }

  return {
    sse(c, handler, options) {
      return respond(responderFor(options), c, handler, options?.native !== false);
    },
    sseHandler<State = Record<string, unknown>, E extends Env = Env>(
      handler: HonoSessionHandler<State, E>,
      options?: HonoSSEOptions<State>,
    ) {
      const responder = createWebSSE<State>(options);
      const useNative = options?.native !== false;
      const route: Handler<E> = (c) => respond(responder, c, handler, useNative);
      return Object.assign(route, { sse: responder });
    },
  };
}
