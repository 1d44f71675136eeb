import { isSSEError } from '@sse/core';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { createRedisBackend } from '../src/index';
import { RedisProxy } from './proxy';
import { RedisServer, SKIP_REASON } from './redis-server';
import { until } from './wait';

/** The data of every entry in `key`, read directly from Redis. */
async function stored(url: string, key: string): Promise<string[]> {
  const raw = new Redis(url);
  try {
    const entries = (await raw.xrange(key, '-', '+')) as [string, string[]][];
    return entries.map(([, fields]) => JSON.parse(fields[fields.indexOf('m') + 1] as string).data);
  } finally {
    raw.disconnect();
  }
}

type Outcome = 'stored' | 'BACKEND_UNAVAILABLE' | 'PUBLISH_OUTCOME_UNKNOWN';

/** Settles a publish into its outcome; any other failure fails the test. */
const outcome = (publish: Promise<string>): Promise<Outcome> =>
  publish.then(
    () => 'stored' as const,
    (error: unknown) => {
      if (isSSEError(error, 'BACKEND_UNAVAILABLE') || isSSEError(error, 'PUBLISH_OUTCOME_UNKNOWN'))
        return error.code as Outcome;
      throw error;
    },
  );

/**
 * The documented promise, checked against what Redis holds: `stored` is there once,
 * `BACKEND_UNAVAILABLE` is not there (nor will be), `PUBLISH_OUTCOME_UNKNOWN` is
 * there at most once.
 */
function expectTruthful(outcomes: Map<string, Outcome>, inRedis: string[]): void {
  const count = (data: string) => inRedis.filter((d) => d === data).length;
  for (const [data, result] of outcomes) {
    if (result === 'stored') expect(count(data), data).toBe(1);
    else if (result === 'BACKEND_UNAVAILABLE') expect(count(data), data).toBe(0);
    else expect(count(data), data).toBeLessThanOrEqual(1);
  }
}

describe.skipIf(SKIP_REASON !== '')(
  `redis backend publish outcomes${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    it('Redis paused (SIGSTOP): publishes already sent fail as PUBLISH_OUTCOME_UNKNOWN, and Redis runs them on SIGCONT', async () => {
      const redis = await RedisServer.start();
      const key = 'outcome:paused';
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        commandTimeoutMs: 300,
        unavailableAfterMs: 300,
        onError: () => {},
      });
      try {
        const outcomes = new Map<string, Outcome>();
        outcomes.set('before', await outcome(backend.append('t', { data: 'before' })));
        redis.pause();
        const paused = Array.from({ length: 20 }, (_, i) => `paused ${i}`);
        const results = await Promise.all(
          paused.map((data) => outcome(backend.append('t', { data }))),
        );
        for (const [i, data] of paused.entries()) outcomes.set(data, results[i] as Outcome);
        // The connection stayed up: each was written, then timed out. None may claim "not stored".
        expect(new Set(results)).toEqual(new Set(['PUBLISH_OUTCOME_UNKNOWN']));
        redis.resume();
        // And that was the truth: Redis reads and runs them once it runs again.
        await until(async () => (await stored(redis.url, key)).length === 21);
        expectTruthful(outcomes, await stored(redis.url, key));
      } finally {
        redis.resume();
        await backend.close();
        await redis.stop();
      }
    });

    it('Redis down: publishes fail as BACKEND_UNAVAILABLE and are never stored, also after a restart with AOF', async () => {
      const redis = await RedisServer.start(true);
      const key = 'outcome:down';
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        unavailableAfterMs: 200,
        maxRetryDelayMs: 50,
        onError: () => {},
      });
      try {
        const outcomes = new Map<string, Outcome>();
        outcomes.set('before', await outcome(backend.append('t', { data: 'before' })));
        await redis.kill();
        for (let i = 0; i < 5; i++) {
          const result = await outcome(backend.append('t', { data: `down ${i}` }));
          expect(result).toBe('BACKEND_UNAVAILABLE');
          outcomes.set(`down ${i}`, result);
        }
        await redis.restart();
        let result: Outcome = 'BACKEND_UNAVAILABLE';
        for (let i = 0; result !== 'stored'; i++) {
          result = await outcome(backend.append('t', { data: `after ${i}` }));
          outcomes.set(`after ${i}`, result);
        }
        expectTruthful(outcomes, await stored(redis.url, key));
      } finally {
        await backend.close();
        await redis.stop();
      }
    });

    it('connection dropped with a publish in flight: PUBLISH_OUTCOME_UNKNOWN (it was stored); later outcomes stay truthful', async () => {
      const redis = await RedisServer.start();
      const proxy = await RedisProxy.start(redis.port);
      const key = 'outcome:dropped';
      const backend = createRedisBackend({
        connection: proxy.url,
        key,
        unavailableAfterMs: 200,
        maxRetryDelayMs: 50,
        onError: () => {},
      });
      try {
        const outcomes = new Map<string, Outcome>();
        outcomes.set('before', await outcome(backend.append('t', { data: 'before' })));
        // Redis gets the XADD and answers; the answer never reaches the backend.
        proxy.hold(':writer');
        const inFlight = outcome(backend.append('t', { data: 'in flight' }));
        await until(async () => (await stored(redis.url, key)).includes('in flight'));
        proxy.drop(':writer');
        proxy.release(':writer');
        expect(await inFlight).toBe('PUBLISH_OUTCOME_UNKNOWN');
        outcomes.set('in flight', 'PUBLISH_OUTCOME_UNKNOWN');
        // Publishes while the writer reconnects: whatever each says must be true.
        let result: Outcome = 'BACKEND_UNAVAILABLE';
        for (let i = 0; result !== 'stored'; i++) {
          result = await outcome(backend.append('t', { data: `after ${i}` }));
          outcomes.set(`after ${i}`, result);
        }
        expectTruthful(outcomes, await stored(redis.url, key));
      } finally {
        await backend.close();
        await proxy.close();
        await redis.stop();
      }
    });
  },
);
