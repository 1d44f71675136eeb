import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';

describe.skipIf(SKIP_REASON !== '')(
  `redis backend range over foreign entries${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let redis: RedisServer;
    beforeAll(async () => {
      redis = await RedisServer.start();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('skips other topics unparsed and reports malformed entries of requested topics', async () => {
      const key = 'range:foreign';
      const errors: string[] = [];
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        blockMs: 200,
        onError: (e) => errors.push((e as Error).message),
      });
      await backend.ready();
      const raw = new Redis(redis.url);
      try {
        const start = await backend.append('a', { data: 'start' });
        const good = await backend.append('a', { data: '1' });
        await backend.append('b', { data: '2' });
        const badA = (await raw.xadd(key, '*', 't', 'a', 'm', '{not json')) as string;
        await raw.xadd(key, '*', 't', 'b', 'm', '{not json');
        const noTopic = (await raw.xadd(key, '*', 'm', '{}')) as string;
        const last = await backend.append('a', { data: '3' });
        // The reader reports each foreign entry once as it fans out; wait for it to pass them.
        while (backend.position() !== last) await new Promise((r) => setTimeout(r, 5));
        errors.length = 0;

        const result = await backend.range(start, new Set(['a']));
        expect(result.reset === false && result.events.map((e) => e.id)).toEqual([good, last]);
        // Malformed `a` and the topic-less entry are reported; malformed `b` is never parsed.
        expect(errors).toEqual([
          `Ignored stream entry ${badA} of ${key}: not written by @sse/redis.`,
          `Ignored stream entry ${noTopic} of ${key}: not written by @sse/redis.`,
        ]);
      } finally {
        raw.disconnect();
        await backend.close();
      }
    });
  },
);
