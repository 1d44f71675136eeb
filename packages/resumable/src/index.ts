export { checkStreamId, finishedError, MAX_STREAM_ID_LENGTH } from './errors';
export {
  createMemoryStore,
  MEMORY_STORE_DEFAULTS,
  type MemoryStore,
  type MemoryStoreOptions,
} from './memory-store';
export type { Producer, ProducerSource, StreamItem } from './producer';
export { RESUME_URL_HEADER, type ResumeFetch, resumeFetch } from './resume-fetch';
export {
  createResumableStreams,
  type Decision,
  type Follower,
  parseCursor,
  RESUMABLE_DEFAULTS,
  type ResumableOptions,
  type ResumableStats,
  type ResumableStreams,
  type Run,
  type StartOptions,
} from './streams';
export type {
  FinalState,
  ReadResult,
  ResumableStore,
  StreamEntry,
  StreamMessage,
  StreamState,
} from './types';
