// Replays far larger than a session's queue, over real sockets on every adapter: a
// reading client (fast, or reading in bursts) takes the whole history at its own pace,
// in order and exactly once, then goes live; clients that never read are still ended
// by the slow-client bound, during their replay as well as live.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { sse as honoSSE } from '@sse/hono';
import { createNodeSSE } from '@sse/node';
import type { ServerSession, SessionOptions } from '@sse/server';
import { createWebSSE } from '@sse/web';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { until } from '../../server/test/support';
import { createHub, DEFAULT_HISTORY, type Hub } from '../src/index';
import { SSEClient } from './sse-client';
import { stuckClient } from './stuck-client';

/** One server under test: every request subscribes its session to the topics in `?topics=`. */
interface Served {
  readonly port: number;
  /** Every session opened, in order. */
  readonly sessions: ServerSession[];
  close(): Promise<void>;
}

type Start = (hub: Hub, options: SessionOptions) => Promise<Served>;

/** Subscribes a session and keeps the promise: none may reject, and the test awaits them all. */
function subscribeAll(hub: Hub, sessions: ServerSession[], pending: Promise<unknown>[]) {
  return (session: ServerSession, url: string) => {
    sessions.push(session);
    const topics = new URL(url, 'http://localhost').searchParams.get('topics') ?? 'feed';
    pending.push(hub.subscribe(session, topics.split(',')));
  };
}

const pending: Promise<unknown>[] = [];

const transports: [string, Start][] = [
  [
    '@sse/node',
    async (hub, options) => {
      const sse = createNodeSSE(options);
      const sessions: ServerSession[] = [];
      const subscribe = subscribeAll(hub, sessions, pending);
      const server: Server = createServer((req, res) => {
        const session = sse(req, res);
        if (session !== undefined) subscribe(session, req.url ?? '/');
      });
      const port = await listenLocal(server);
      return {
        port,
        sessions,
        close: async () => {
          sse.factory.closeAll();
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  ],
  [
    '@sse/web',
    async (hub, options) => {
      const sse = createWebSSE(options);
      const sessions: ServerSession[] = [];
      const subscribe = subscribeAll(hub, sessions, pending);
      const server = serve({
        fetch: (request) => sse(request, (session) => subscribe(session, request.url)),
        port: 0,
        hostname: '127.0.0.1',
      });
      await new Promise<void>((resolve) => server.once('listening', resolve));
      return {
        port: (server.address() as AddressInfo).port,
        sessions,
        close: async () => {
          sse.factory.closeAll();
          (server as Server).closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  ],
  [
    '@sse/hono',
    async (hub, options) => {
      const sessions: ServerSession[] = [];
      const subscribe = subscribeAll(hub, sessions, pending);
      const app = new Hono();
      app.get('/events', (c) => honoSSE(c, (session) => subscribe(session, c.req.url), options));
      const server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
      await new Promise<void>((resolve) => server.once('listening', resolve));
      return {
        port: (server.address() as AddressInfo).port,
        sessions,
        close: async () => {
          for (const session of sessions) session.close();
          (server as Server).closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        },
      };
    },
  ],
];

/**
 * Publishes `count` events of 4 KB to `feed`, returning their ids. The default is the
 * default history: 1,000 of them (within its 4 MiB).
 */
async function fillHistory(hub: Hub, count: number = DEFAULT_HISTORY.maxEvents): Promise<string[]> {
  const ids: string[] = [];
  const pad = 'x'.repeat(4_000);
  for (let i = 0; i < count; i++) {
    ids.push(await hub.publish('feed', { data: `${i} ${pad}` }));
  }
  return ids;
}

/** The event numbers a client received, in arrival order. */
const numbers = (client: SSEClient) => client.events.map((e) => Number(e.data.split(' ')[0]));

let cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
  // Every subscribe settled, and none rejected (a session ending mid-replay resolves).
  await Promise.all(pending.splice(0));
});

describe.each(transports)('a replay larger than the queue over real sockets (%s)', (_, start) => {
  it('a client resuming over the full default history (1,000 × 4 KB) with default options gets all of it once, in order, then live', async () => {
    const hub = createHub();
    const served = await start(hub, { heartbeat: false });
    cleanup.push(
      () => served.close(),
      () => hub.close(),
    );
    const ids = await fillHistory(hub);

    const client = new SSEClient('/events');
    client.lastEventId = ids[0] as string;
    await client.connect(served.port);
    cleanup.push(() => client.disconnect());
    await client.until((events) => events.length >= ids.length - 1);
    // A live event after the replay proves the handoff: nothing repeated, nothing skipped.
    await hub.publish('feed', { data: `${ids.length} live` });
    await client.until((events) => events.length >= ids.length);

    expect(numbers(client)).toEqual(
      Array.from({ length: ids.length - 1 }, (_, i) => i + 1).concat(ids.length),
    );
    expect(client.events.slice(0, -1).map((e) => e.lastEventId)).toEqual(ids.slice(1));
    expect(served.sessions[0]?.isOpen).toBe(true);
    expect(hub.stats()).toMatchObject({ replayed: ids.length - 1, dropped: 0, resets: 0 });
  }, 60_000);

  for (const slowClient of ['drop-oldest', 'wait'] as const) {
    it(`${slowClient}: a replay of 60× the queue read in bursts loses nothing and never meets the policy`, async () => {
      const hub = createHub();
      const served = await start(hub, { heartbeat: false, maxQueueBytes: 64 * 1024, slowClient });
      cleanup.push(
        () => served.close(),
        () => hub.close(),
      );
      const ids = await fillHistory(hub);
      const reader = new SSEClient('/events?topics=feed', { bursts: true });
      reader.lastEventId = ids[0] as string;
      await reader.connect(served.port);
      cleanup.push(() => reader.disconnect());
      await reader.until((events) => events.length >= ids.length - 1);
      await hub.publish('feed', { data: `${ids.length} live` });
      await reader.until((events) => events.length >= ids.length);
      expect(numbers(reader)).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
      const session = served.sessions[0] as ServerSession;
      expect(session.isOpen).toBe(true);
      expect(session.droppedCount).toBe(0);
      expect(hub.stats()).toMatchObject({ replayed: ids.length - 1, dropped: 0 });
    }, 60_000);
  }

  it('a client reading in bursts gets a replay of 250× its 64 KiB queue, while clients that never read are ended as slow', async () => {
    // 16 MB of history: more than loopback socket buffers can absorb, so the replay to the
    // client that never reads is still waiting when its hold overflows.
    const hub = createHub({ maxHeldEvents: 50, history: { maxEvents: 4_000, maxBytes: 32 << 20 } });
    const maxQueueBytes = 64 * 1024;
    const served = await start(hub, { heartbeat: false, maxQueueBytes });
    cleanup.push(
      () => served.close(),
      () => hub.close(),
    );
    const ids = await fillHistory(hub, 4_000);

    // Never read: one resumes (its replay stops once its pipe and queue are full), one is live.
    // Both also take `bulk`, a topic the reader does not, to fill their pipes sooner.
    const stuckResuming = await stuckClient(served.port, '/events?topics=feed,bulk', ids[0]);
    const stuckLive = await stuckClient(served.port, '/events?topics=feed,bulk');
    cleanup.push(async () => {
      stuckResuming.destroy();
      stuckLive.destroy();
    });
    await until(() => served.sessions.length === 2);
    const resuming = served.sessions.find((s) => s.lastEventId !== '') as ServerSession;
    const live = served.sessions.find((s) => s.lastEventId === '') as ServerSession;

    const reader = new SSEClient('/events?topics=feed', { bursts: true });
    reader.lastEventId = ids[0] as string;
    await reader.connect(served.port);
    cleanup.push(() => reader.disconnect());
    await reader.until((events) => events.length >= ids.length - 1);

    // Live traffic until both stuck clients are ended (bounded: far past any socket buffer).
    const bulk = 'y'.repeat(32 * 1024);
    for (let sent = 0; (resuming.isOpen || live.isOpen) && sent < 4_000; sent++) {
      await hub.publish('bulk', { data: bulk });
      if (sent % 8 === 7) await new Promise((resolve) => setImmediate(resolve));
    }
    expect(resuming.endReason).toBe('slow');
    expect(live.endReason).toBe('slow');
    // The resuming one overflowed its hold while its replay waited: told by a reset.
    expect(hub.stats().resets).toBe(1);

    // The reader went live after its replay: nothing repeated, nothing skipped.
    await hub.publish('feed', { data: `${ids.length} live` });
    await reader.until((events) => events.length >= ids.length);
    expect(numbers(reader)).toEqual(Array.from({ length: ids.length }, (_, i) => i + 1));
    expect(served.sessions.find((s) => s.isOpen)).toBeDefined();
  }, 120_000);
});
