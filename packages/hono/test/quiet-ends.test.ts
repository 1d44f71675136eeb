// Expected ends are quiet on @hono/node-server: clients that stop reading are
// disconnected (their sockets released) without the host logging a stack trace for
// each, while a real failure still reaches the host's error log.
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { connect, type Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { serve } from '@hono/node-server';
import { type ServerSession, type SessionOptions, serverCounters } from '@sse/server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { until } from '../../server/test/support';
import { sse } from '../src';

const SLOW_CLIENTS = 20;
const options: SessionOptions = {
  heartbeat: false,
  maxQueueBytes: 16 * 1024,
  maxBatchBytes: 16 * 1024,
};
const sessions: ServerSession[] = [];

const app = new Hono();
app.get('/events', (c) => sse(c, (session) => void sessions.push(session), options));
app.get('/fails', (c) =>
  sse(c, async () => {
    throw new Error('a real failure');
  }),
);

/** Every line the process would print through the console while `run` runs. */
async function consoleLines(run: () => Promise<void>): Promise<unknown[][]> {
  const spies = (['error', 'warn', 'info', 'log', 'debug'] as const).map((method) =>
    vi.spyOn(console, method),
  );
  try {
    await run();
    return spies.flatMap((spy) => spy.mock.calls);
  } finally {
    for (const spy of spies) spy.mockRestore();
  }
}

describe('@sse/hono on @hono/node-server: expected ends are quiet', () => {
  let port: number;
  let server: ReturnType<typeof serve>;
  const sockets: Socket[] = [];
  /** The server's side of every connection. */
  const serverSockets: Socket[] = [];

  beforeAll(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    server.on('connection', (socket: Socket) => serverSockets.push(socket));
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
    await until(() => serverCounters().sessions === 0);
  });

  it(`disconnects ${SLOW_CLIENTS} clients that stopped reading without one console line`, async () => {
    const lines = await consoleLines(async () => {
      for (let i = 0; i < SLOW_CLIENTS; i++) {
        // A client that sends its request and then never reads.
        const socket = connect(port, '127.0.0.1');
        sockets.push(socket);
        await once(socket, 'connect');
        socket.pause();
        socket.write('GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
      }
      await until(() => sessions.length === SLOW_CLIENTS);
      expect(serverSockets.filter((s) => !s.destroyed)).toHaveLength(SLOW_CLIENTS);
      const data = 'x'.repeat(8 * 1024);
      // Send until every session has been ended by the slow-client policy (the socket
      // buffers of a loopback connection hold a few MiB before the queue fills).
      for (let round = 0; sessions.some((s) => s.isOpen); round++) {
        if (round > 100_000) throw new Error('the slow-client policy never acted');
        for (const session of sessions) session.send({ data });
        await turn();
      }
      expect(sessions.map((s) => s.endReason)).toEqual(Array(SLOW_CLIENTS).fill('slow'));
      // The connections are torn down, not left to clients that may never read again.
      await until(() => serverSockets.every((s) => s.destroyed));
    });
    expect(lines).toEqual([]);
  }, 60_000);

  it('still reports a real failure (a handler that throws) to the host', async () => {
    const lines = await consoleLines(async () => {
      const response = await fetch(`http://127.0.0.1:${port}/fails`);
      await response.text().catch(() => {});
      await until(() => serverCounters().sessions === 0);
    });
    expect(lines.length).toBeGreaterThan(0);
    expect(String(lines[0]![0])).toMatch(/a real failure/);
  });
});
