export {
  createRedisBackend,
  REDIS_DEFAULTS,
  type RedisBackend,
  type RedisBackendOptions,
  type RedisBackendStats,
} from './backend';
export { compareStreamIds, ORIGIN } from './ids';
export { MAX_REPORTED_ENTRIES } from './report';
