import { createHub } from '@sse/hub';
import { describe, expect } from 'vitest';
import { RecordingSession } from '../../hub/src/fake-session.test-helper';
import { createRedisBackend } from '../src/index';
import { itNeedsHubHandoff } from './hub-handoff';
import { RedisProxy } from './proxy';
import { RedisServer, SKIP_REASON } from './redis-server';
import { until } from './wait';

/**
 * Needs the hub's per-subscription exactly-once handoff (the hub never sends a
 * subscriber an id at or below the last one it sent it). Without it, a resume on a
 * process whose reader is behind the stream head gets the replayed range and then
 * the same events again live.
 */
describe.skipIf(SKIP_REASON !== '')(
  `hub on a redis reader that lags${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    for (const fault of ['held', 'dropped'] as const) {
      itNeedsHubHandoff(
        `a resume while the reader is behind (${fault}) gets each event once, in order`,
        async () => {
          const redis = await RedisServer.start();
          const proxy = await RedisProxy.start(redis.port);
          const key = `lag:${fault}`;
          // Process A publishes; process B's reader goes through the proxy and falls behind.
          const a = createHub({ backend: createRedisBackend({ connection: redis.url, key }) });
          const lagging = createRedisBackend({
            connection: proxy.url,
            key,
            blockMs: 200,
            onError: () => {},
          });
          const b = createHub({ backend: lagging });
          try {
            const first = new RecordingSession();
            await b.subscribe(first, 't');
            const cursor = await a.publish('t', { data: 'e0' });
            await until(() => first.seen.length === 1);

            proxy.hold(':reader');
            if (fault === 'dropped') proxy.drop(':reader');
            const ids = [cursor];
            for (const data of ['e1', 'e2', 'e3']) ids.push(await a.publish('t', { data }));
            // The precondition of the bug: B's reader has not seen e1..e3 yet.
            expect(lagging.position()).toBe(cursor);

            const resumed = new RecordingSession(cursor);
            await b.subscribe(resumed, 't');
            expect(resumed.seen.map((e) => e.data)).toEqual(['e1', 'e2', 'e3']); // replayed
            proxy.release(':reader');
            ids.push(await a.publish('t', { data: 'e4' }));
            await until(() => lagging.position() === ids[4]);
            await until(() => resumed.seen.some((e) => e.data === 'e4'));
            expect(resumed.seen.map((e) => e.id)).toEqual(ids.slice(1));
            expect(first.seen.map((e) => e.id)).toEqual(ids);
          } finally {
            await Promise.all([a.close(), b.close()]);
            await proxy.close();
            await redis.stop();
          }
        },
      );
    }
  },
);
