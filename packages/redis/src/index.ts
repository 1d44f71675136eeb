export {
  createRedisBackend,
  REDIS_DEFAULTS,
  type RedisBackend,
  type RedisBackendOptions,
  type RedisBackendStats,
} from './backend';
export { compareStreamIds, ORIGIN } from './ids';
export { MAX_REPORTED_ENTRIES } from './report';
export {
  createRedisResumableStore,
  REDIS_RESUMABLE_DEFAULTS,
  type RedisResumableStore,
  type RedisResumableStoreOptions,
} from './resumable-store';
