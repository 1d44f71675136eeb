import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkWatchers,
  type Model,
  type Real,
  storeCommands,
} from '../../resumable/test/store-model';
import { createRedisResumableStore, type RedisResumableStore } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';

describe.skipIf(SKIP_REASON !== '')('Redis resumable store against the reference model', () => {
  let redis: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    redis = await RedisServer.start();
    admin = new Redis(redis.url);
  });
  afterAll(async () => {
    admin?.disconnect();
    await redis?.stop();
  });

  it('a read from inside a stored batch returns the rest of it and what follows, up to the limit', async () => {
    const store = createRedisResumableStore({ connection: redis.url, prefix: 'straddle:' });
    try {
      await store.create('s');
      await store.append(
        's',
        1,
        ['a', 'b', 'c', 'd'].map((data) => ({ data })),
      );
      await store.append('s', 5, [{ data: 'e' }]);
      await store.append('s', 6, [{ data: 'f' }, { data: 'g' }]);
      const seqs = async (after: number, limit: number) => {
        const result = await store.read('s', after, limit);
        return result.found ? result.entries.map((e) => e.seq) : null;
      };
      expect(await seqs(3, 2)).toEqual([4, 5]);
      expect(await seqs(2, 4)).toEqual([3, 4, 5, 6]);
      expect(await seqs(0, 3)).toEqual([1, 2, 3]);
      expect(await seqs(4, 10)).toEqual([5, 6, 7]);
      expect(await seqs(7, 10)).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('with faults (a lapsed lease, expiry at any point): the store answers as the model; watchers never see a wrong entry', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        storeCommands({
          // A producer's process died: its lease key is gone (the next read ends it as failed).
          lapse: async (real, id) => {
            await admin.del((real.store as RedisResumableStore).keysOf(id)[2]);
          },
          lapseReason: 'the producer stopped renewing its lease',
          // Finished streams' TTLs pass: their keys are gone.
          expireFinished: async (real) => {
            const store = real.store as RedisResumableStore;
            for (const id of ['a', 'b', 'c']) {
              const keys = store.keysOf(id);
              const state = await admin.hget(keys[0], 'state');
              if (state !== null && state !== 'running') await admin.del(...keys);
            }
          },
        }),
        async (commands) => {
          // A prefix per run: streams of earlier runs are not this run's.
          const store = createRedisResumableStore({ connection: redis.url, prefix: `m${run++}:` });
          const model: Model = { streams: new Map(), retired: new Set() };
          const real: Real = { store, seen: new Map(), unwatch: [] };
          try {
            await fc.asyncModelRun(() => ({ model, real }), commands);
            // Pub/sub may still be delivering (or have missed some): what a watcher saw must be right.
            checkWatchers(model, real, false);
          } finally {
            for (const stop of real.unwatch) stop();
            await store.close();
          }
        },
      ),
      { numRuns: 150 },
    );
  }, 120_000);
});
