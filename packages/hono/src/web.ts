// The web entry (Bun, Deno, Workers, browsers, any fetch runtime): no Node module is
// imported. Node resolves the package to `index.ts`, which adds the native path.
import { honoSSE } from './sse';

const helpers = honoSSE();

/**
 * Answers the request in `c` with an SSE stream and runs `handler` with its session:
 * `return sse(c, (session) => { ... })`. Pass the same options object on every call
 * (define it once outside the route): limits such as `maxSessions` count per object.
 */
export const sse = helpers.sse;
/**
 * A complete Hono handler for an SSE route, options resolved once:
 * `app.get('/events', sseHandler((session, c) => { ... }, options))`.
 */
export const sseHandler = helpers.sseHandler;
export type { ServerSession, Session, SessionOptions } from '@sse/server';
export type { HonoSessionHandler, HonoSSE, HonoSSEOptions } from './sse';
