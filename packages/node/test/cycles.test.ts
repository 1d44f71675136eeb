import { Agent, createServer, get } from 'node:http';
import type { Socket } from 'node:net';
import { serverCounters } from '@sse/server';
import { expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { expectAllReleased, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

const CYCLES = 10_000;
const CONCURRENCY = 64;

/** Listener counts per event: what a socket carries between requests. */
const listeners = (socket: Socket) =>
  Object.fromEntries(socket.eventNames().map((name) => [String(name), socket.listenerCount(name)]));

it(`${CYCLES} connect/disconnect cycles leave no session, timer or listener behind`, async () => {
  const sse = createNodeSSE({ heartbeat: 15_000, maxAge: 60_000 });
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    if (req.url === '/plain') {
      res.end('ok');
      return;
    }
    const session = sse(req, res);
    if (!session) return;
    session.send({ data: 'hi' });
    // Half the cycles end on the server (the socket is then reused through keep-alive),
    // the other half by the client going away.
    if (req.url === '/server-close') setImmediate(() => session.close());
  });
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  const port = await listenLocal(server);
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });

  const cycle = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const path = i % 2 === 0 ? '/server-close' : '/client-close';
      const req = get({ port, host: '127.0.0.1', path, agent }, (res) => {
        if (path === '/server-close') {
          res.on('end', resolve).resume();
        } else {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        }
      });
      req.on('error', (e) => (path === '/client-close' ? resolve() : reject(e)));
    });

  let next = 0;
  let peak = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < CYCLES) {
        await cycle(next++);
        peak = Math.max(peak, serverCounters().sessions);
      }
    }),
  );

  // Sessions the clients dropped end when the server sees the socket close.
  await until(() => serverCounters().sessions === 0, 30_000);
  expect(peak).toBeGreaterThan(0);
  expect(sse.factory.size).toBe(0);
  expectAllReleased();

  // Kept-alive sockets carry exactly the listeners of a socket that served a plain request.
  const plainAgent = new Agent({ keepAlive: true, maxSockets: 1 });
  await new Promise<void>((resolve) =>
    get({ port, host: '127.0.0.1', path: '/plain', agent: plainAgent }, (res) =>
      res.on('end', resolve).resume(),
    ),
  );
  const reused = [...sockets];
  expect(reused.length).toBeGreaterThan(1);
  const baseline = listeners(reused.at(-1)!);
  for (const socket of reused) expect(listeners(socket)).toEqual(baseline);

  agent.destroy();
  plainAgent.destroy();
  server.closeAllConnections();
  server.close();
}, 120_000);
