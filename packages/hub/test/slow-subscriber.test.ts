import { createServer, type Server } from 'node:http';
import { createNodeSSE } from '@sse/node';
import type { ServerSession } from '@sse/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { createHub } from '../src/index';
import { SSEClient } from './sse-client';
import { stuckClient } from './stuck-client';

const FAST = 1_000;
const NEWS = 100;

/** Waits for a condition that other parts of the process make true, yielding between checks. */
async function eventually(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((resolve) => setImmediate(resolve));
}

describe('a slow subscriber among 1,000 fast ones over real sockets', () => {
  const hub = createHub();
  const options = { heartbeat: false as const, maxQueueBytes: 64 * 1024 };
  const fastSSE = createNodeSSE(options);
  const disconnectSSE = createNodeSSE({ ...options, slowClient: 'disconnect' });
  const dropSSE = createNodeSSE({ ...options, slowClient: 'drop-oldest' });
  const named = new Map<string, ServerSession>();
  let server: Server;
  let port = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const name = url.searchParams.get('name') ?? 'fast';
      const sse = name === 'disconnect' ? disconnectSSE : name === 'drop' ? dropSSE : fastSSE;
      const session = sse(req, res);
      if (session === undefined) return;
      if (name !== 'fast') named.set(name, session);
      void hub.subscribe(session, (url.searchParams.get('topics') ?? '').split(','));
    });
    port = await listenLocal(server, 1024);
  });

  afterAll(async () => {
    for (const sse of [fastSSE, disconnectSSE, dropSSE]) sse.factory.closeAll();
    await hub.close();
    await new Promise((resolve) => server.close(resolve));
  });

  it('every fast client gets every event while the slow ones are handled by their policy', async () => {
    const fast = Array.from({ length: FAST }, () => new SSEClient('/events?topics=news'));
    for (let i = 0; i < FAST; i += 100)
      await Promise.all(fast.slice(i, i + 100).map((c) => c.connect(port)));
    // Two stuck clients, also on `bulk`, a topic only they receive, to fill their pipes sooner.
    const stuck = [
      await stuckClient(port, '/events?topics=news,bulk&name=disconnect'),
      await stuckClient(port, '/events?topics=news,bulk&name=drop'),
    ];
    await eventually(() => hub.stats().topics.news?.subscribers === FAST + 2);
    const slowDisconnect = named.get('disconnect') as ServerSession;
    const slowDrop = named.get('drop') as ServerSession;

    const bulk = 'x'.repeat(64 * 1024);
    const published: string[] = [];
    // Publish until both policies have acted (bounded: far past any socket buffer).
    for (let round = 0; round < 2_000; round++) {
      if (published.length < NEWS) {
        await hub.publish('news', { data: `news ${published.length}` });
        published.push(`news ${published.length}`);
      }
      if (!slowDisconnect.isOpen && slowDrop.droppedCount > 0 && published.length === NEWS) break;
      await hub.publish('bulk', { data: bulk });
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(published).toHaveLength(NEWS);
    expect(slowDisconnect.isOpen).toBe(false);
    expect(slowDisconnect.endReason).toBe('slow');
    expect(slowDrop.isOpen).toBe(true);
    expect(slowDrop.droppedCount).toBeGreaterThan(0);

    await Promise.all(fast.map((c) => c.until((events) => events.length >= NEWS)));
    for (const client of fast) expect(client.events.map((e) => e.data)).toEqual(published);
    expect(hub.stats().topics.news?.subscribers).toBe(FAST + 1); // the disconnected one is gone
    expect(hub.stats().delivered).toBeGreaterThanOrEqual(FAST * NEWS);

    for (const socket of stuck) socket.destroy();
    await Promise.all(fast.map((c) => c.disconnect()));
  }, 60_000);
});
