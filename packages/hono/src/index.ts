export type { ServerSession, Session, SessionOptions } from '@sse/server';
export { type HonoSessionHandler, sse, sseHandler } from './sse';
