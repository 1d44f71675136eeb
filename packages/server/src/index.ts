export { type ServerCounters, serverCounters } from './debug';
export { negotiateEncoding } from './encoding';
export {
  createSessionFactory,
  type Negotiation,
  SessionFactory,
} from './factory';
export type { HeaderRecord } from './headers';
export {
  type ContentEncoding,
  type CorsOptions,
  DEFAULTS,
  type SessionOptions,
} from './options';
export { headerText, lastEventIdOf, type RequestInfo } from './request';
export { type EndReason, ServerSession } from './session';
export type { SessionSink } from './sink';
export { type FactoryStats, QUEUE_BUCKETS } from './stats';
export type { SendResult, Session, SlowClientPolicy } from './types';
