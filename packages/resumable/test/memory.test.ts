import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { expectAllReleased, until } from '../../server/test/support';
import {
  createMemoryStore,
  createResumableStreams,
  type MemoryStore,
  type ResumableStreams,
} from '../src/index';
import { honoAnswers, nodeAnswers, random, tokens } from './answers';
import { ask } from './client-run';
import { droppingFetch, idOf } from './dropping-fetch';

describe('resumable streams in memory, over @sse/node and @sse/hono (@sse/web)', () => {
  let store: MemoryStore;
  let streams: ResumableStreams;
  let nodeServer: Server;
  let honoServer: ReturnType<typeof serve>;
  let node: ReturnType<typeof nodeAnswers>;
  const errors: unknown[] = [];
  let bases: string[] = [];

  beforeAll(async () => {
    store = createMemoryStore({ ttlMs: 60_000 });
    streams = createResumableStreams({ store, onError: (error) => errors.push(error) });
    node = nodeAnswers(streams);
    nodeServer = createServer(node);
    const nodePort = await listenLocal(nodeServer);
    honoServer = serve({ fetch: honoAnswers(streams).fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => honoServer.once('listening', resolve));
    const honoPort = (honoServer.address() as AddressInfo).port;
    bases = [`http://127.0.0.1:${nodePort}`, `http://127.0.0.1:${honoPort}`];
  });
  afterEach(() => {
    errors.length = 0;
  });
  afterAll(async () => {
    await streams.close();
    nodeServer.closeAllConnections();
    honoServer.closeAllConnections?.();
    await new Promise((resolve) => nodeServer.close(resolve));
    await new Promise((resolve) => honoServer.close(resolve));
  });

  it.each([1, 2, 3])(
    '5,000 tokens, 20 drops mid-event, each resume on the other adapter: the answer arrives byte for byte (run %i)',
    async (run) => {
      const seed = (Date.now() ^ (run * 7919)) >>> 0;
      const next = random(seed);
      const cuts = Array.from({ length: 20 }, () => 1 + Math.floor(next() * 4_000));
      const dropping = droppingFetch(bases, cuts);
      const got = await ask(`${bases[0]}/answers?n=5000&seed=${seed}`, dropping.fetch);
      const want = tokens(5000, seed);
      expect(got.tokens.join(''), `seed ${seed}`).toBe(want.join(''));
      expect(got.tokens).toEqual(want);
      expect(got.end).toEqual({ state: 'ended' });
      expect(got.afterEnd).toBe(0);
      // One POST, then only GETs with a cursor: the question was never sent again.
      expect(dropping.attempts.filter((a) => a.method === 'POST')).toHaveLength(1);
      expect(
        dropping.attempts.slice(1).every((a) => a.method === 'GET' && a.lastEventId !== ''),
      ).toBe(true);
      // Every cut happened before the end (21 streams), then the reconnect at the end got 204.
      expect(dropping.attempts.map((a) => a.status)).toEqual([...Array(21).fill(200), 204]);
      expect(errors).toEqual([]);
    },
  );

  it('stop from the other adapter: the producer is aborted, every follower gets `stopped`, then 204', async () => {
    let ran = 0;
    const first = droppingFetch(bases, []);
    const asking = ask(`${bases[0]}/answers?n=0&every=5`, first.fetch, (n) => {
      ran = n;
    });
    await until(() => ran >= 200);
    const id = idOf(first);
    // A second tab follows the same answer from the start (plain GET, no cursor).
    const second = fetch(`${bases[1]}/answers/${id}`).then((r) => r.text());
    const stopped = await fetch(`${bases[1]}/answers/${id}/stop`, { method: 'POST' }).then((r) =>
      r.json(),
    );
    expect(stopped).toEqual({ state: 'stopped' });
    const got = await asking;
    expect(got.end).toEqual({ state: 'stopped' });
    expect(got.tokens).toEqual(tokens(got.tokens.length, 1));
    expect(await second).toMatch(/event: end\nid: \d+\ndata: \{"state":"stopped"\}\n\n$/);
    await until(() => streams.stats().producers === 0 && streams.stats().followers === 0);
  });

  it('a producer that throws leaves its followers with `failed`; the error goes to onError only', async () => {
    const got = await ask(`${bases[1]}/answers?n=500&fail=321`, droppingFetch(bases, [700]).fetch);
    expect(got.tokens).toEqual(tokens(321, 1));
    expect(got.end).toEqual({ state: 'failed', reason: 'the producer failed' });
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toContain('the model broke');
  });

  it('a stop while the producer is stuck ends the stream at once; the producer rejecting later is not an unhandled rejection', async () => {
    let fail: (error: Error) => void = () => {};
    let returned = false;
    const stuck: AsyncIterable<string> = {
      [Symbol.asyncIterator]: () => ({
        next: () =>
          new Promise<IteratorResult<string>>((_, reject) => {
            fail = reject;
          }),
        return: async () => {
          returned = true;
          return { done: true, value: undefined };
        },
      }),
    };
    const run = await streams.start('stuck-1', stuck);
    expect(await streams.stop('stuck-1')).toBe('stopped');
    expect(await run.done).toBe('stopped');
    expect(run.signal.aborted).toBe(true);
    expect(returned).toBe(true);
    fail(new Error('the model gave up late'));
    await new Promise((resolve) => setImmediate(resolve));
  });

  it('decides before opening: 400 for a foreign cursor, 404 unknown, 200 mid-answer, 204 at the end', async () => {
    const id = 'decide-1';
    const run = await streams.start(id, ['a', 'b', 'c']);
    expect(await run.done).toBe('ended');
    const status = (lastEventId: string, target = id) =>
      fetch(`${bases[0]}/answers/${target}`, { headers: { 'last-event-id': lastEventId } }).then(
        async (r) => {
          await r.body?.cancel();
          return r.status;
        },
      );
    expect(await status('1-2')).toBe(400);
    expect(await status('', 'no-such-answer')).toBe(404);
    expect(await status('2')).toBe(200);
    expect(await status('3')).toBe(200); // the end event (seq 4) is still to come
    expect(await status('4')).toBe(204);
    expect(await status('99')).toBe(204);
    await expect(streams.start(id, [])).rejects.toMatchObject({ code: 'STREAM_EXISTS' });
    await expect(streams.start('bad id', [])).rejects.toMatchObject({ code: 'INVALID_STREAM_ID' });
  });

  it('the answer outlives its connection: the asking client leaves, the generation still ends and stays replayable', async () => {
    let seen = 0;
    const first = droppingFetch(bases, []);
    const asking = ask(`${bases[0]}/answers?n=3000&every=10`, first.fetch, (n) => {
      seen = n;
    });
    await until(() => seen >= 10);
    // The client is still reading; close its connection from the server side for good.
    node.factory.closeAll();
    await asking.catch(() => {});
    const id = idOf(first);
    await until(() => streams.stats().producers === 0);
    const text = await fetch(`${bases[1]}/answers/${id}`).then((r) => r.text());
    expect(text).toContain('event: end\nid: 3001\ndata: {"state":"ended"}\n\n');
  });
});

describe('expiry', () => {
  it('1,000 streams with 2 followers each over real sockets, then all expire: no streams, followers, sessions or timers left', async () => {
    const store = createMemoryStore({ ttlMs: 100 });
    const streams = createResumableStreams({ store });
    const node = nodeAnswers(streams);
    const server = createServer(node);
    const port = await listenLocal(server);
    const ids = Array.from({ length: 1_000 }, (_, i) => `s${i}`);
    // Each answer waits at its 10th token until every follower is connected; the TTL counts from the end.
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
    await Promise.all(ids.map((id) => streams.start(id, answer())));
    const read = (id: string) =>
      fetch(`http://127.0.0.1:${port}/answers/${id}`).then((r) => r.text());
    const reading = Promise.all(ids.flatMap((id) => [read(id), read(id)]));
    await until(() => streams.stats().followers === 2_000, 60_000);
    open();
    const bodies = await reading;
    for (const body of bodies)
      expect(body).toMatch(/event: end\nid: 21\ndata: \{"state":"ended"\}\n\n$/);
    await until(() => store.size === 0);
    expect(streams.stats()).toEqual({ producers: 0, followers: 0 });
    // An expired stream is unknown: 404.
    expect((await fetch(`http://127.0.0.1:${port}/answers/s1`)).status).toBe(404);
    await until(() => node.factory.size === 0);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await streams.close();
    expectAllReleased();
  });
});
