import { createServer } from 'node:http';
import { createResumableStreams, type ResumableStreams } from '@sse/resumable';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeAnswers, random, tokens } from '../../resumable/test/answers';
import { ask } from '../../resumable/test/client-run';
import { droppingFetch, idOf } from '../../resumable/test/dropping-fetch';
import { listenLocal } from '../../server/test/net';
import { expectAllReleased, until } from '../../server/test/support';
import { createRedisResumableStore } from '../src/index';
import { bundleServer, HubProcess } from './cluster';
import { RedisServer, SKIP_REASON } from './redis-server';

const LEASE_MS = 400;

describe.skipIf(SKIP_REASON !== '')('resumable streams on Redis, across processes', () => {
  let redis: RedisServer;
  let bundle: { file: string; cleanup: () => void };
  let a: HubProcess;
  let b: HubProcess;
  let base: (p: HubProcess) => string;

  beforeAll(async () => {
    redis = await RedisServer.start();
    bundle = await bundleServer('answers-server.ts');
    const env = { REDIS_URL: redis.url, LEASE_MS: String(LEASE_MS), TTL_MS: '60000' };
    [a, b] = await Promise.all([
      HubProcess.start(bundle.file, env),
      HubProcess.start(bundle.file, env),
    ]);
    base = (p) => `http://127.0.0.1:${p.port}`;
  });
  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    bundle?.cleanup();
    await redis?.stop();
  });

  const stats = (p: HubProcess) => fetch(`${base(p)}/stats`).then((r) => r.json());

  it.each([1, 2])(
    '5,000 tokens, 20 drops mid-event, each resume on the other process: the answer arrives byte for byte (run %i)',
    async (run) => {
      const seed = (Date.now() ^ (run * 104_729)) >>> 0;
      const next = random(seed);
      const cuts = Array.from({ length: 20 }, () => 1 + Math.floor(next() * 4_000));
      const dropping = droppingFetch([base(a), base(b)], cuts);
      const got = await ask(`${base(a)}/answers?n=5000&seed=${seed}`, dropping.fetch);
      const want = tokens(5000, seed);
      expect(got.tokens.join(''), `seed ${seed}`).toBe(want.join(''));
      expect(got.tokens).toEqual(want);
      expect(got.end).toEqual({ state: 'ended' });
      expect(got.afterEnd).toBe(0);
      expect(dropping.attempts.filter((x) => x.method === 'POST')).toHaveLength(1);
      expect(dropping.attempts.map((x) => x.status)).toEqual([...Array(21).fill(200), 204]);
    },
  );

  it('stop from the other process: the producer there is aborted and every follower gets `stopped`', async () => {
    let seen = 0;
    const dropping = droppingFetch([base(a)], []);
    const asking = ask(`${base(a)}/answers?n=0&every=5`, dropping.fetch, (n) => {
      seen = n;
    });
    await until(() => seen >= 200);
    const id = idOf(dropping);
    const second = fetch(`${base(b)}/answers/${id}`).then((r) => r.text());
    const stopped = await fetch(`${base(b)}/answers/${id}/stop`, { method: 'POST' }).then((r) =>
      r.json(),
    );
    expect(stopped).toEqual({ state: 'stopped' });
    const got = await asking;
    expect(got.end).toEqual({ state: 'stopped' });
    expect(got.tokens).toEqual(tokens(got.tokens.length, 1));
    expect(await second).toMatch(/event: end\nid: \d+\ndata: \{"state":"stopped"\}\n\n$/);
    // The producer in process a stopped generating: no producer, follower or session is left.
    const settled = async () => {
      const [sa, sb] = await Promise.all([stats(a), stats(b)]);
      return sa.producers + sa.followers + sa.sessions + sb.producers + sb.followers + sb.sessions;
    };
    await eventually(async () => (await settled()) === 0);
  });

  it('a producer that throws leaves followers on another process with `failed`', async () => {
    const got = await ask(
      `${base(b)}/answers?n=500&fail=321`,
      droppingFetch([base(b), base(a)], [700]).fetch,
    );
    expect(got.tokens).toEqual(tokens(321, 1));
    expect(got.end).toEqual({ state: 'failed', reason: 'the producer failed' });
  });

  it('the producer process is killed (SIGKILL): followers elsewhere get `failed` once its lease lapses, then 204', async () => {
    const env = { REDIS_URL: redis.url, LEASE_MS: String(LEASE_MS), TTL_MS: '60000' };
    const doomed = await HubProcess.start(bundle.file, env);
    let seen = 0;
    // The POST goes to the doomed process; the first cut moves the client to b, which follows.
    const dropping = droppingFetch([base(doomed), base(b)], [1_500]);
    const asking = ask(`${base(doomed)}/answers?n=0&every=5`, dropping.fetch, (n) => {
      seen = n;
    });
    await until(() => seen >= 300 && dropping.attempts.length >= 2);
    await doomed.kill();
    const got = await asking;
    expect(got.end).toEqual({ state: 'failed', reason: 'the producer stopped renewing its lease' });
    expect(got.tokens).toEqual(tokens(got.tokens.length, 1));
    expect(dropping.attempts.at(-1)?.status).toBe(204);
  });
});

describe.skipIf(SKIP_REASON !== '')('resumable streams on Redis: expiry', () => {
  it('1,000 streams with 2 followers each on two stores, then all expire: no keys, channels, followers or sessions left', async () => {
    const redis = await RedisServer.start();
    const admin = new Redis(redis.url);
    const make = () => {
      const store = createRedisResumableStore({
        connection: redis.url,
        ttlMs: 300,
        leaseMs: 2_000,
      });
      const streams = createResumableStreams({ store });
      const answers = nodeAnswers(streams);
      return { store, streams, answers, server: createServer(answers) };
    };
    const sides = [make(), make()];
    const ports = await Promise.all(sides.map((s) => listenLocal(s.server)));
    try {
      let open: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      async function* answer(): AsyncGenerator<string> {
        const all = tokens(20, 7);
        yield* all.slice(0, 10);
        await gate;
        yield* all.slice(10);
      }
      const ids = Array.from({ length: 1_000 }, (_, i) => `s${i}`);
      const producers = (sides[0] as { streams: ResumableStreams }).streams;
      await Promise.all(ids.map((id) => producers.start(id, answer())));
      // Each stream is followed once from each process.
      const read = (port: number, id: string) =>
        fetch(`http://127.0.0.1:${port}/answers/${id}`).then((r) => r.text());
      const reading = Promise.all(ids.flatMap((id) => ports.map((port) => read(port, id))));
      await until(
        () => sides.reduce((n, s) => n + s.streams.stats().followers, 0) === 2_000,
        60_000,
      );
      open();
      for (const body of await reading) {
        expect(body).toMatch(/event: end\nid: 21\ndata: \{"state":"ended"\}\n\n$/);
      }
      // Keys expire by their TTL alone: nothing to run, nothing left.
      await eventually(async () => (await admin.dbsize()) === 0);
      expect(await admin.pubsub('CHANNELS')).toEqual([]);
      for (const side of sides) {
        expect(side.streams.stats()).toEqual({ producers: 0, followers: 0 });
        await until(() => side.answers.factory.size === 0);
      }
      expect((await fetch(`http://127.0.0.1:${ports[1]}/answers/s1`)).status).toBe(404);
    } finally {
      for (const side of sides) {
        side.server.closeAllConnections();
        await new Promise((resolve) => side.server.close(resolve));
        await side.streams.close();
      }
      admin.disconnect();
      await redis.stop();
    }
    expectAllReleased();
  }, 120_000);
});

/** Resolves once the async `predicate` holds, asking again after each answer; the test's own timeout bounds it. */
async function eventually(predicate: () => Promise<boolean>): Promise<void> {
  while (!(await predicate())) await new Promise((resolve) => setTimeout(resolve, 20));
}
