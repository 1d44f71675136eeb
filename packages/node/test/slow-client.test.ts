import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { type ServerSession, type SlowClientPolicy, serverCounters } from '@sse/server';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

const MAX_QUEUE = 64 * 1024;
const MAX_BATCH = 16 * 1024;
const payload = 'x'.repeat(1000);

async function setup(slowClient: SlowClientPolicy) {
  const sse = createNodeSSE({
    heartbeat: false,
    maxQueueBytes: MAX_QUEUE,
    maxBatchBytes: MAX_BATCH,
    slowClient,
  });
  const opened: { session: ServerSession; res: ServerResponse }[] = [];
  const server = createServer((req, res) => {
    const session = sse(req, res);
    if (session) opened.push({ session, res });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;

  // A client that sends its request and then never reads.
  const slowSocket: Socket = connect(port, '127.0.0.1');
  await once(slowSocket, 'connect');
  slowSocket.pause();
  slowSocket.write('GET /events HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n');
  await until(() => opened.length === 1);
  const slow = opened[0]!;

  // A client that reads normally.
  const fast = new StreamReader((await fetch(`http://127.0.0.1:${port}/events`)).body!);
  await until(() => opened.length === 2);
  const fastSession = opened[1]!.session;

  /** What the server holds for the slow client: its queue plus the socket's user-space buffer. */
  const held = () => slow.session.queuedBytes + slow.res.writableLength;
  const bound = MAX_QUEUE + MAX_BATCH + slow.res.writableHighWaterMark;
  const close = () => {
    slowSocket.destroy();
    server.closeAllConnections();
    server.close();
  };
  return { slow, slowSocket, fast, fastSession, held, bound, close };
}

/** Sends numbered events to both sessions, yielding to I/O between bursts. */
async function pump(
  slow: ServerSession,
  fast: ServerSession,
  from: number,
  until: (i: number, result: unknown) => boolean,
  check: () => void,
): Promise<number> {
  let i = from;
  for (; i < from + 100_000; i++) {
    fast.send({ id: String(i), data: payload });
    const result = slow.send({ id: String(i), data: payload });
    check();
    if (until(i, result)) return i;
    if (i % 32 === 0) await turn();
  }
  throw new Error('the policy never acted');
}

afterEach(async () => {
  await until(() => serverCounters().sessions === 0);
});

describe('a client that stops reading', () => {
  it('disconnect: the session ends once the queue is full; memory stays bounded; others keep up', async () => {
    const t = await setup('disconnect');
    let maxHeld = 0;
    const last = await pump(
      t.slow.session,
      t.fastSession,
      0,
      () => !t.slow.session.isOpen,
      () => {
        maxHeld = Math.max(maxHeld, t.held());
      },
    );
    expect((t.slow.session as ServerSession).endReason).toBe('slow');
    expect(maxHeld).toBeLessThanOrEqual(t.bound);
    // The reading client got every event, including those sent while the other stalled.
    await until(() => t.fast.events().length === last + 1, 30_000);
    expect(t.fast.events().at(-1)!.id).toBe(String(last));
    t.fastSession.close();
    await t.fast.ended;
    t.close();
  });

  it('drop-oldest: old frames are dropped and counted; the latest arrives when it reads again', async () => {
    const t = await setup('drop-oldest');
    let maxHeld = 0;
    const last = await pump(
      t.slow.session,
      t.fastSession,
      0,
      (i) => t.slow.session.droppedCount > 0 && i % 100 === 99,
      () => {
        maxHeld = Math.max(maxHeld, t.held());
      },
    );
    expect(t.slow.session.isOpen).toBe(true);
    expect(t.slow.session.queuedBytes).toBeLessThanOrEqual(MAX_QUEUE);
    expect(maxHeld).toBeLessThanOrEqual(t.bound);
    // Reading again: the newest event is delivered.
    let text = '';
    t.slowSocket.setEncoding('latin1');
    t.slowSocket.on('data', (chunk: string) => {
      text = (text + chunk).slice(-4096);
    });
    t.slowSocket.resume();
    await until(() => text.includes(`id: ${last}\n`), 30_000);
    await until(() => t.fast.events().length === last + 1, 30_000);
    t.slow.session.close();
    t.fastSession.close();
    await t.fast.ended;
    t.close();
  });

  it('wait: send returns a promise while full, resolved once the client reads again', async () => {
    const t = await setup('wait');
    let maxHeld = 0;
    let pending: Promise<boolean> | undefined;
    await pump(
      t.slow.session,
      t.fastSession,
      0,
      (_, result) => {
        if (result instanceof Promise) pending = result;
        return pending !== undefined;
      },
      () => {
        maxHeld = Math.max(maxHeld, t.held());
      },
    );
    expect(t.slow.session.isOpen).toBe(true);
    // Beyond maxQueueBytes only by the frames a producer sent despite the promise.
    expect(maxHeld).toBeLessThanOrEqual(
      2 * MAX_QUEUE + MAX_BATCH + t.slow.res.writableHighWaterMark,
    );
    t.slowSocket.resume();
    await expect(pending).resolves.toBe(true);
    t.slow.session.close();
    t.fastSession.close();
    await t.fast.ended;
    t.close();
  });
});
