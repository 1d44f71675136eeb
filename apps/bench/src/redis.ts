// The benchmark's redis-server: the same one the @sse/redis tests start (a free loopback
// port, no persistence, ready when it says it accepts connections).
import { RedisServer, SKIP_REASON } from '../../../packages/redis/test/redis-server';

/** Starts redis-server, or returns the reason it cannot (not installed, failed to start). */
export async function startRedis(): Promise<RedisServer | string> {
  if (SKIP_REASON) return SKIP_REASON;
  try {
    return await RedisServer.start();
  } catch (error) {
    return `redis-server could not start: ${(error as Error).message}`;
  }
}
