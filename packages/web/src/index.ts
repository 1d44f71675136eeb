export {
  createWebSSE,
  type IdleTimeoutControl,
  type SessionHandler,
  type WebOpened,
  type WebOpenInit,
  type WebSSE,
} from './handler';
export { type Connection, StreamSink } from './sink';
