import { once } from 'node:events';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createRedisBackend } from '../src/index';
import { RedisServer, SKIP_REASON } from './redis-server';
import { collect, until } from './wait';

describe.skipIf(SKIP_REASON !== '')(
  `redis backend default logger${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    afterEach(() => {
      vi.restoreAllMocks();
    });

    it('an outage of many retries is one line, and its end one more', async () => {
      const redis = await RedisServer.start();
      // The real console, counted: no stack traces, and not a line per retry.
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      const backend = createRedisBackend({
        connection: { host: '127.0.0.1', port: redis.port, retryStrategy: () => 20 },
        key: 'logger',
        blockMs: 200,
        unavailableAfterMs: 100,
        maxRetryDelayMs: 20,
      });
      const seen = collect(backend);
      try {
        await backend.ready();
        await redis.kill();
        // Something that accepts and hangs up in Redis's place, so each retry can be counted.
        let attempts = 0;
        const refuser = createServer((socket) => {
          attempts++;
          socket.destroy();
        });
        refuser.listen(redis.port, '127.0.0.1');
        await once(refuser, 'listening');
        await until(() => attempts >= 40);
        refuser.close();
        await once(refuser, 'close');
        expect(spy.mock.calls.length).toBe(1);

        await redis.restart();
        let id = '';
        while (id === '') id = await backend.append('t', { data: 'back' }).catch(() => '');
        await seen.until(1);
        expect(seen.events.map((e) => e.id)).toEqual([id]);
        const lines = spy.mock.calls.map((args) => args.map(String).join(' '));
        expect(lines.length).toBe(2);
        expect(lines[0]).toMatch(/^\[@sse\/redis\] reader: connection lost \([^)]+\), retrying/);
        expect(lines[1]).toMatch(/^\[@sse\/redis\] reader: recovered after \d+ retries/);
        for (const line of lines) expect(line).not.toContain('\n');
      } finally {
        await backend.close();
        await redis.stop();
      }
    });

    it('an onError that throws neither stops the reader nor leaves a rejection unhandled', async () => {
      const redis = await RedisServer.start();
      const spy = vi.spyOn(console, 'error').mockImplementation(() => {});
      const key = 'logger:throws';
      const backend = createRedisBackend({
        connection: redis.url,
        key,
        blockMs: 200,
        onError: () => {
          throw new Error('broken handler');
        },
      });
      const seen = collect(backend);
      const raw = new Redis(redis.url);
      try {
        await backend.ready();
        await raw.xadd(key, '*', 't', 'a', 'm', 'null'); // the reader reports it; the handler throws
        const after = (await raw.xadd(key, '*', 't', 'a', 'm', '{"data":"after"}')) as string;
        await seen.until(1);
        expect(seen.events.map((e) => e.id)).toEqual([after]);
        // The throw is not lost either: one line says so.
        expect(spy).toHaveBeenCalledTimes(1);
        expect(String(spy.mock.calls[0]?.[0])).toContain('onError threw');
      } finally {
        raw.disconnect();
        await backend.close();
        await redis.stop();
      }
    });
  },
);
