import { isSSEError, type SSEError } from '@sse/core';
import { createHub } from '@sse/hub';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RecordingSession } from '../../hub/src/fake-session.test-helper';
import { createRedisBackend, MAX_REPORTED_ENTRIES } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';
import { until } from './wait';

/**
 * Entries another writer (or an older version) could leave in the stream, each as its
 * field list: none of them can be sent as an event of topic `a`.
 */
const POISON: Record<string, string[]> = {
  'm is null': ['t', 'a', 'm', 'null'],
  'data is a number': ['t', 'a', 'm', '{"data":5}'],
  'event with LF': ['t', 'a', 'm', '{"data":"x","event":"a\\nb"}'],
  'negative retry': ['t', 'a', 'm', '{"data":"x","retry":-1}'],
  'invalid JSON': ['t', 'a', 'm', '{not json'],
  'an array': ['t', 'a', 'm', '[1]'],
  'an id inside': ['t', 'a', 'm', '{"data":"x","id":"7"}'],
  'no m': ['t', 'a', 'x', '{}'],
  'no t': ['m', '{"data":"x"}'],
  'topic with LF': ['t', 'a\nb', 'm', '{"data":"x"}'],
  'other topic, invalid JSON': ['t', 'b', 'm', '{not json'],
};

describe.skipIf(SKIP_REASON !== '')(
  `redis backend over poison entries${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let redis: RedisServer;
    let raw: Redis;
    beforeAll(async () => {
      redis = await RedisServer.start();
      raw = new Redis(redis.url);
    });
    afterAll(async () => {
      raw?.disconnect();
      await redis?.stop();
    });

    it('replay and live delivery skip every poison entry, report each once as INVALID_ENTRY and count it', async () => {
      const key = 'poison:kinds';
      const errors: unknown[] = [];
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        blockMs: 200,
        onError: (e) => errors.push(e),
      });
      const hub = createHub({ backend });
      const live = new RecordingSession();
      await hub.subscribe(live, 'a'); // live from here on
      const start = live.cursor;
      const good: string[] = [];
      const poison = new Map<string, string>(); // id -> kind
      for (const [kind, fields] of Object.entries(POISON)) {
        good.push(await hub.publish('a', { data: `before ${kind}` }));
        poison.set((await raw.xadd(key, '*', ...fields)) as string, kind);
      }
      good.push(await hub.publish('a', { data: 'last' }));
      await until(() => live.seen.length === good.length);
      // A resume over the whole range gets the same events, twice in a row, without failing.
      for (const round of [1, 2]) {
        const resumed = new RecordingSession(start);
        await hub.subscribe(resumed, 'a');
        expect(
          resumed.seen.map((e) => e.id),
          `resume ${round}`,
        ).toEqual(good);
        resumed.close();
      }
      expect(live.seen.map((e) => e.id)).toEqual(good);
      // Each poison entry reported exactly once, typed, naming its id; and counted.
      expect(errors.every((e) => isSSEError(e, 'INVALID_ENTRY'))).toBe(true);
      const reported = errors.map((e) => /entry (\S+) of/.exec((e as SSEError).message)?.[1]);
      expect(reported.sort()).toEqual([...poison.keys()].sort());
      expect(backend.stats().skipped).toBe(poison.size);
      await hub.close();
    });

    it('a replay that meets a poison entry before the reader does reports it, and the reader does not again', async () => {
      const key = 'poison:replay-first';
      const errors: SSEError[] = [];
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        blockMs: 200,
        onError: (e) => errors.push(e as SSEError),
      });
      const first = (await raw.xadd(key, '*', 't', 'a', 'm', '{"data":"ok"}')) as string;
      const bad = (await raw.xadd(key, '*', 't', 'a', 'm', '{"data":5}')) as string;
      const result = await backend.range(first, new Set(['a']));
      expect(result).toEqual({ reset: false, events: [] });
      expect(errors.map((e) => e.code)).toEqual(['INVALID_ENTRY']);
      await backend.ready(); // the reader starts at the head: the entry is behind it
      const after = await backend.append('a', { data: 'after' });
      await until(() => backend.position() === after);
      expect(errors.length).toBe(1);
      expect(errors[0]?.message).toContain(bad);
      await backend.close();
    });

    it(`remembers the newest ${MAX_REPORTED_ENTRIES} reported ids, no more: only older ones are reported again`, async () => {
      const key = 'poison:bounded';
      const errors: unknown[] = [];
      // The entries are written before the backend starts, so its live reader (which starts
      // at the head) never meets them: only the replays below report, in a known order.
      const origin = (await raw.xadd(key, '*', 't', 'a', 'm', '{"data":"origin"}')) as string;
      const extra = 10;
      const pipeline = raw.pipeline();
      for (let i = 0; i < MAX_REPORTED_ENTRIES + extra; i++)
        pipeline.xadd(key, '*', 't', 'a', 'm', 'null');
      await pipeline.exec();
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        maxLen: 100_000,
        onError: (e) => errors.push(e),
      });
      await backend.ready();
      const topics = new Set(['a']);
      expect(await backend.range(origin, topics)).toEqual({ reset: false, events: [] });
      expect(errors.length).toBe(MAX_REPORTED_ENTRIES + extra);
      // The second replay meets the `extra` oldest again (forgotten), and reports those.
      await backend.range(origin, topics);
      expect(errors.length).toBe(MAX_REPORTED_ENTRIES + 2 * extra);
      expect(backend.stats().skipped).toBe(MAX_REPORTED_ENTRIES + 2 * extra);
      await backend.close();
    });

    it('the default logger writes one line per poison entry, however often it is met', async () => {
      const key = 'poison:logger';
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      try {
        const backend = createRedisBackend({ connection: redis.url, key, blockMs: 200 });
        await backend.ready();
        const first = await backend.append('a', { data: 'first' });
        await raw.xadd(key, '*', 't', 'a', 'm', '{"data":"x","event":"a\\nb"}');
        const after = await backend.append('a', { data: 'after' });
        await until(() => backend.position() === after); // the reader met it
        await backend.range(first, new Set(['a'])); // and a replay
        await backend.close();
        expect(spy.mock.calls.length).toBe(1);
        expect(spy.mock.calls[0]?.length).toBe(1);
        expect(String(spy.mock.calls[0]?.[0])).toMatch(
          /^\[@sse\/redis\] Skipped stream entry \S+ of poison:logger: [^\n]+$/,
        );
      } finally {
        spy.mockRestore();
      }
    });
  },
);
