export { type HubErrorHandler, MAX_REPORTED_IDS } from './frames';
export { DEFAULT_HISTORY, type HistoryLimits } from './history';
export {
  type AuthorizeContext,
  createHub,
  type Hub,
  type HubOptions,
  type HubStats,
  ID_RESERVE,
  MAX_TOPIC_LENGTH,
  type SubscribeOptions,
  type Subscription,
} from './hub';
export { createMemoryBackend, type MemoryBackendOptions } from './memory';
export type { Backend, HubEvent, RangeResult, Subscriber } from './types';
