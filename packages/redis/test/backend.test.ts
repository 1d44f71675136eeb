import { isSSEError } from '@sse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedisBackend, ORIGIN } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';
import { collect, until } from './wait';

describe.skipIf(SKIP_REASON !== '')(
  `redis backend${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let redis: RedisServer;
    let n = 0;
    const open = (options: Parameters<typeof createRedisBackend>[0] = {}) =>
      createRedisBackend({ connection: redis.url, key: `test:${n}`, blockMs: 200, ...options });
    beforeAll(async () => {
      redis = await RedisServer.start();
    });
    afterAll(async () => {
      await redis?.stop();
    });

    it('uses XADD ids, ordered across topics, and fans out to every backend on the key', async () => {
      n++;
      const a = open();
      const b = open();
      const seenA = collect(a);
      const seenB = collect(b);
      await Promise.all([a.ready(), b.ready()]); // both readers started
      const ids = [
        await a.append('x', { data: '1' }),
        await b.append('y', { data: '2', event: 'e' }),
        await a.append('x', { data: '3' }),
      ];
      expect(ids.every((id) => /^\d+-\d+$/.test(id))).toBe(true);
      expect([...ids].sort(a.compare)).toEqual(ids);
      await Promise.all([seenA.until(3), seenB.until(3)]);
      for (const seen of [seenA, seenB]) {
        expect(seen.events).toEqual([
          { id: ids[0], topic: 'x', message: { data: '1' } },
          { id: ids[1], topic: 'y', message: { data: '2', event: 'e' } },
          { id: ids[2], topic: 'x', message: { data: '3' } },
        ]);
      }
      await Promise.all([a.close(), b.close()]);
    });

    it('replays after a cursor (exclusive), by topic, and from the origin', async () => {
      n++;
      const backend = open({ batch: 2 }); // several pages
      await backend.ready();
      expect(backend.position()).toBe(ORIGIN);
      const ids: string[] = [];
      for (let i = 0; i < 7; i++)
        ids.push(await backend.append(i % 2 ? 'odd' : 'even', { data: `${i}` }));
      const after = await backend.range(ids[1] as string, new Set(['even']));
      expect(after.reset === false && after.events.map((e) => e.message.data)).toEqual([
        '2',
        '4',
        '6',
      ]);
      const all = await backend.range(ORIGIN, new Set(['even', 'odd']));
      expect(all.reset === false && all.events.map((e) => e.id)).toEqual(ids);
      await until(() => backend.position() === ids[6]); // the reader catches up
      await backend.close();
    });

    it('answers a reset for a trimmed, unknown or malformed cursor', async () => {
      n++;
      const backend = open({ maxLen: 1 });
      const first = await backend.append('t', { data: 'first' });
      // MAXLEN ~ trims whole radix-tree nodes (100 entries by default): write past one.
      for (let i = 0; i < 300; i++) await backend.append('t', { data: `${i}` });
      const topics = new Set(['t']);
      expect(await backend.range(first, topics)).toEqual({ reset: true, reason: 'expired' });
      expect(await backend.range(ORIGIN, topics)).toEqual({ reset: true, reason: 'expired' });
      expect(await backend.range('99999999999999-0', topics)).toEqual({
        reset: true,
        reason: 'stale',
      });
      expect(await backend.range('abcd-1', topics)).toEqual({ reset: true, reason: 'stale' });
      await backend.close();
    });

    it('recognises a cursor from before a Redis that restarted empty as stale', async () => {
      const other = await RedisServer.start(); // no persistence: a restart loses the stream
      const backend = createRedisBackend({
        connection: other.url,
        unavailableAfterMs: 300,
        onError: () => {},
      });
      const old = await backend.append('t', { data: 'gone' });
      await other.kill();
      await other.restart();
      let result = await backend.range(old, new Set(['t'])).catch(() => undefined);
      while (result === undefined)
        result = await backend.range(old, new Set(['t'])).catch(() => undefined);
      expect(result).toEqual({ reset: true, reason: 'stale' });
      await backend.close();
      await other.stop();
    });

    it('fails publishes with BACKEND_UNAVAILABLE while Redis is away, and resumes reading after', async () => {
      n++;
      const other = await RedisServer.start(true);
      const errors: unknown[] = [];
      const backend = createRedisBackend({
        connection: other.url,
        blockMs: 200,
        unavailableAfterMs: 300,
        maxRetryDelayMs: 100,
        onError: (e) => errors.push(e),
      });
      const seen = collect(backend);
      await backend.ready(); // the reader has started: it sees everything appended from now on
      const before = await backend.append('t', { data: 'before' });
      await seen.until(1);
      await other.kill();
      const error = await backend.append('t', { data: 'lost' }).catch((e) => e);
      expect(isSSEError(error, 'BACKEND_UNAVAILABLE')).toBe(true);
      await other.restart();
      // The writer reconnects by itself; retry until it has.
      let after = '';
      while (after === '') after = await backend.append('t', { data: 'after' }).catch(() => '');
      await seen.until(2);
      expect(seen.events.map((e) => e.id)).toEqual([before, after]);
      expect(errors.length).toBeGreaterThan(0); // the reader reported its lost connection
      await backend.close();
      await other.stop();
    });
  },
);
