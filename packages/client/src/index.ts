export { backoffDelay, MAX_DELAY, parseRetryAfter } from './backoff';
export type { ReadyState, StreamEvent } from './connection';
export { EventSourceError, EventSourceErrorEvent } from './error';
export { EventSource, type EventSourceEventMap } from './event-source';
export { type EventsOptions, events } from './events';
export type {
  EventSourceOptions,
  FetchInit,
  FetchLike,
  HeadersContext,
  HeadersOption,
  RetryInfo,
} from './options';
