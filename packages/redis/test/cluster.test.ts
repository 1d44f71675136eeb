import type { DecodedEvent } from '@sse/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SSEClient } from '../../hub/test/sse-client';
import { bundleServer, HubProcess } from './cluster';
import { RedisServer, SKIP_REASON } from './redis-server';

interface Published {
  id: string;
  topic: string;
  data: string;
}

/** What a client should have seen: the published events of its topics, as decoded events. */
const expected = (published: Published[], topics: string[]) =>
  published
    .filter((p) => topics.includes(p.topic))
    .map((p) => ({ type: p.topic, data: p.data, lastEventId: p.id, id: p.id }));

const received = (events: DecodedEvent[]) =>
  events.map((e) => ({ type: e.type, data: e.data, lastEventId: e.lastEventId, id: e.id }));

describe.skipIf(SKIP_REASON !== '')(
  `hub processes sharing one redis-server${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let bundle: Awaited<ReturnType<typeof bundleServer>>;
    beforeAll(async () => {
      bundle = await bundleServer();
    });
    afterAll(() => bundle?.cleanup());

    it('three processes: a client that moves between them mid-stream loses nothing', async () => {
      const redis = await RedisServer.start();
      const env = { REDIS_URL: redis.url, REDIS_KEY: 'move' };
      const hubs = await Promise.all([0, 1, 2].map(() => HubProcess.start(bundle.file, env)));
      const [h1, h2, h3] = hubs as [HubProcess, HubProcess, HubProcess];
      const topics = ['a', 'b'];
      const mover = new SSEClient('/events?topics=a,b');
      const stayers = hubs.map(() => new SSEClient('/events?topics=a,b,c'));
      await mover.connect(h1.port);
      await Promise.all(stayers.map((c, i) => c.connect((hubs[i] as HubProcess).port)));

      const published: Published[] = [];
      const publishing = (async () => {
        for (let i = 0; i < 150; i++) {
          const topic = ['a', 'b', 'c'][i % 3] as string;
          const via = hubs[i % hubs.length] as HubProcess;
          const { status, body } = await via.publish(topic, `event ${i}`);
          expect(status).toBe(200);
          published.push({ id: body, topic, data: `event ${i}` });
        }
      })();
      // Move while events keep coming: 1 -> 2 -> 3, each time with Last-Event-ID.
      await mover.until((events) => events.length >= 20);
      await mover.disconnect();
      await mover.connect(h2.port);
      await mover.until((events) => events.length >= 60);
      await mover.disconnect();
      await mover.connect(h3.port);
      await publishing;

      const want = expected(published, topics);
      await mover.until((events) => events.length >= want.length);
      expect(received(mover.events)).toEqual(want);
      for (const client of stayers) {
        const all = expected(published, ['a', 'b', 'c']);
        await client.until((events) => events.length >= all.length);
        expect(received(client.events)).toEqual(all);
      }
      for (const client of [mover, ...stayers]) await client.disconnect();
      await Promise.all(hubs.map((h) => h.stop()));
      await redis.stop();
    }, 90_000);

    it('two processes: Redis killed and restarted mid-stream, delivery resumes without loss', async () => {
      // Persistence on (AOF, fsync always): what Redis acknowledged survives the kill.
      const redis = await RedisServer.start(true);
      const env = { REDIS_URL: redis.url, REDIS_KEY: 'restart' };
      const [h1, h2] = (await Promise.all(
        [0, 1].map(() => HubProcess.start(bundle.file, env)),
      )) as [HubProcess, HubProcess];
      const live = new SSEClient('/events?topics=t');
      const mover = new SSEClient('/events?topics=t');
      await live.connect(h1.port);
      await mover.connect(h2.port);
      const published: Published[] = [];
      const publish = async (via: HubProcess, n: number) => {
        for (let i = 0; i < n; i++) {
          const data = `event ${published.length}`;
          const { status, body } = await via.publish('t', data);
          expect(status).toBe(200);
          published.push({ id: body, topic: 't', data });
        }
      };
      await publish(h1, 10);
      await publish(h2, 10);

      await redis.kill();
      // While Redis is away, publishes fail with a clear error instead of vanishing.
      for (const via of [h1, h2]) {
        expect(await via.publish('t', 'never stored')).toEqual({
          status: 503,
          body: 'BACKEND_UNAVAILABLE',
        });
      }
      await mover.disconnect(); // and a client drops meanwhile

      await redis.restart();
      // Publish once the hubs' connections are back (each retries by itself).
      for (const via of [h1, h2]) {
        for (;;) {
          const { status, body } = await via.publish('t', `event ${published.length}`);
          if (status === 200) {
            published.push({ id: body, topic: 't', data: `event ${published.length}` });
            break;
          }
          expect(body).toBe('BACKEND_UNAVAILABLE');
        }
      }
      // The dropped client comes back through the other process, with its cursor, and
      // catches up on what it missed (the two events published after the restart).
      const missed = published.length;
      for (;;) {
        await mover.connect(h1.port);
        // A subscribe that met Redis still reconnecting ends the stream; try again.
        const open = await Promise.race([
          mover.ended.then(() => false),
          mover.until((events) => events.length >= missed).then(() => true),
        ]);
        if (open) break;
      }
      await publish(h2, 10);
      await publish(h1, 10);

      const want = expected(published, ['t']);
      for (const client of [live, mover]) {
        await client.until((events) => events.length >= want.length);
        expect(received(client.events)).toEqual(want);
        await client.disconnect();
      }
      await Promise.all([h1.stop(), h2.stop()]);
      await redis.stop();
    }, 90_000);
  },
);
