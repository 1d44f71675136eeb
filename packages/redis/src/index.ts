export {
  createRedisBackend,
  REDIS_DEFAULTS,
  type RedisBackend,
  type RedisBackendOptions,
} from './backend';
export { compareStreamIds, ORIGIN } from './ids';
