import { createResumableStreams } from '@sse/resumable';
import { describe, expect, it } from 'vitest';
import { createRedisResumableStore } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';

describe.skipIf(SKIP_REASON !== '')('resumable streams when Redis goes away mid-answer', () => {
  it('the producer is aborted, the error reported, and once Redis is back the stream reads as failed (its lease lapsed)', async () => {
    const redis = await RedisServer.start(true);
    const errors: unknown[] = [];
    const store = createRedisResumableStore({
      connection: redis.url,
      leaseMs: 300,
      commandTimeoutMs: 500,
    });
    const streams = createResumableStreams({ store, onError: (error) => errors.push(error) });
    try {
      async function* endless(signal: AbortSignal): AsyncGenerator<string> {
        for (let i = 0; !signal.aborted; i++) {
          await new Promise((resolve) => setTimeout(resolve, 2));
          yield `t${i} `;
        }
      }
      const run = await streams.start('outage-1', endless);
      // Redis dies once the answer is well under way (20 tokens stored).
      const probe = createRedisResumableStore({ connection: redis.url });
      let stored = 0;
      while (stored < 20) {
        const read = await probe.read('outage-1', 0, 100);
        stored = read.found ? read.entries.length : 0;
      }
      await probe.close();
      await redis.kill();
      expect(await run.done).toBe('failed');
      expect(run.signal.aborted).toBe(true);
      expect(errors.some((e) => (e as { code?: string }).code === 'BACKEND_UNAVAILABLE')).toBe(
        true,
      );
      await redis.restart();
      const after = createRedisResumableStore({ connection: redis.url });
      try {
        const read = await after.read('outage-1', 0, 100_000);
        expect(read.found && read.state).toBe('failed');
        const last = read.found ? read.entries.at(-1) : undefined;
        expect(last).toMatchObject({
          kind: 'end',
          state: 'failed',
          reason: 'the producer stopped renewing its lease',
        });
      } finally {
        await after.close();
      }
    } finally {
      await streams.close().catch(() => {});
      await redis.stop();
    }
  }, 60_000);
});
