export {
  createRedisBackend,
  REDIS_DEFAULTS,
  type RedisBackend,
  type RedisBackendOptions,
} from './backend';
export { compareStreamIds, ORIGIN } from './ids';
export {
  createRedisResumableStore,
  REDIS_RESUMABLE_DEFAULTS,
  type RedisResumableStore,
  type RedisResumableStoreOptions,
} from './resumable-store';
