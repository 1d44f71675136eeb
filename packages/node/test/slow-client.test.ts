import { once } from 'node:events';
import { createServer, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { setImmediate as turn } from 'node:timers/promises';
import { type ServerSession, type SlowClientPolicy, serverCounters } from '@sse/server';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
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
  const port = await listenLocal(server);

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

type Setup = Awaited<ReturnType<typeof setup>>;

/**
 * Sends numbered events to both sessions, yielding to I/O between bursts, until
 * `stop` says so; tracks the most the server held for the slow client.
 */
async function pump(t: Setup, stop: (i: number, result: unknown) => boolean) {
  let maxHeld = 0;
  for (let i = 0; i < 100_000; i++) {
    t.fastSession.send({ id: String(i), data: payload });
    const result = t.slow.session.send({ id: String(i), data: payload });
    maxHeld = Math.max(maxHeld, t.held());
    if (stop(i, result)) return { last: i, maxHeld };
    if (i % 32 === 0) await turn();
  }
  throw new Error('the policy never acted');
}

/** Ends both sessions and the server. */
async function teardown(t: Setup) {
  t.slow.session.close();
  t.fastSession.close();
  await t.fast.ended;
  t.close();
}

afterEach(async () => {
  await until(() => serverCounters().sessions === 0);
});

describe('a client that stops reading', () => {
  it('disconnect: the session ends once the queue is full; memory stays bounded; others keep up', async () => {
    const t = await setup('disconnect');
    const { last, maxHeld } = await pump(t, () => !t.slow.session.isOpen);
    expect((t.slow.session as ServerSession).endReason).toBe('slow');
    expect(maxHeld).toBeLessThanOrEqual(t.bound);
    // The reading client got every event, including those sent while the other stalled.
    await until(() => t.fast.events().length === last + 1, 30_000);
    expect(t.fast.events().at(-1)!.id).toBe(String(last));
    await teardown(t);
  });

  it('drop-oldest: old frames are dropped and counted; the latest arrives when it reads again', async () => {
    const t = await setup('drop-oldest');
    const { last, maxHeld } = await pump(
      t,
      (i) => t.slow.session.droppedCount > 0 && i % 100 === 99,
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
    await teardown(t);
  });

  it('wait: send returns a promise while full, resolved once the client reads again', async () => {
    const t = await setup('wait');
    let pending: Promise<boolean> | undefined;
    const { maxHeld } = await pump(t, (_, result) => {
      if (result instanceof Promise) pending = result;
      return pending !== undefined;
    });
    expect(t.slow.session.isOpen).toBe(true);
    // Beyond maxQueueBytes only by the frames a producer sent despite the promise.
    expect(maxHeld).toBeLessThanOrEqual(
      2 * MAX_QUEUE + MAX_BATCH + t.slow.res.writableHighWaterMark,
    );
    t.slowSocket.resume();
    await expect(pending).resolves.toBe(true);
    await teardown(t);
  });
});
