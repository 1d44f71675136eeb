// The Node entry (the `node` export condition: Node, and Bun and Deno, which read it
// too): the same helpers, serving through @sse/node on @hono/node-server.
import { openNative } from './native';
import { honoSSE } from './sse';

const helpers = honoSSE(openNative);

/**
 * Answers the request in `c` with an SSE stream and runs `handler` with its session:
 * `return sse(c, (session) => { ... })`. On `@hono/node-server` the stream is written
 * to the Node response directly (see `native`). Pass the same options object on every
 * call (define it once outside the route): limits such as `maxSessions` count per object.
 */
export const sse = helpers.sse;
/**
 * A complete Hono handler for an SSE route, options resolved once:
 * `app.get('/events', sseHandler((session, c) => { ... }, options))`.
 */
export const sseHandler = helpers.sseHandler;
export type { ServerSession, Session, SessionOptions } from '@sse/server';
export type { HonoSessionHandler, HonoSSE, HonoSSEOptions } from './sse';
