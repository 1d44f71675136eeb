/**
 * `maxEventBytes` over a real socket: the server refuses exactly the frames that a client
 * at the @sse/core decoder's default limits could fail on, and nothing else.
 */
import { createServer, type Server } from 'node:http';
import {
  createDecoder,
  DEFAULT_MAX_LINE_LENGTH,
  type DecodedEvent,
  type SSEError,
} from '@sse/core';
import { DEFAULTS, type ServerSession, type SessionOptions, serverCounters } from '@sse/server';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { expectAllReleased, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
  await until(() => serverCounters().sessions === 0);
  expectAllReleased();
});

/** One server, one fetch client whose core decoder keeps its default limits. */
async function connect(options: SessionOptions = {}) {
  const sse = createNodeSSE({ heartbeat: false, ...options });
  let opened: (session: ServerSession) => void = () => {};
  const session = new Promise<ServerSession>((resolve) => {
    opened = resolve;
  });
  const server = createServer((req, res) => {
    const s = sse(req, res);
    if (s) opened(s);
  });
  servers.push(server);
  const response = await fetch(`http://127.0.0.1:${await listenLocal(server)}/`);
  const events: DecodedEvent[] = [];
  const errors: SSEError[] = [];
  const decoder = createDecoder({
    onEvent: (event) => events.push(event),
    onError: (error) => errors.push(error),
  });
  const reader = response.body!.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      // A failed decoder refuses further input: the client would drop the stream here.
      if (errors.length === 0) decoder.feed(value);
    }
  })().catch(() => {});
  return { session: await session, events, errors, done };
}

/** A one-line event whose whole frame (`data: ` + payload + blank line) is `bytes` long. */
const frameOf = (bytes: number) => ({ data: 'x'.repeat(bytes - 8) });

describe('maxEventBytes with the default client', () => {
  it('defaults to the decoder line limit', () => {
    expect(DEFAULTS.maxEventBytes).toBe(DEFAULT_MAX_LINE_LENGTH);
  });

  it('delivers a frame of exactly the limit, refuses one byte more and the stream goes on', async () => {
    const { session, events, errors, done } = await connect();
    const limit = DEFAULTS.maxEventBytes;
    expect(session.send(frameOf(limit))).toBe(true);
    expect(() => session.send(frameOf(limit + 1))).toThrowError(
      expect.objectContaining({ code: 'EVENT_TOO_LARGE' }),
    );
    expect(() =>
      session.sendEncoded(new TextEncoder().encode(`data: ${frameOf(limit + 1).data}\n\n`)),
    ).toThrowError(expect.objectContaining({ code: 'EVENT_TOO_LARGE' }));
    expect(session.send({ data: 'after' })).toBe(true);
    await until(() => events.length === 2 || errors.length > 0);
    expect(errors).toEqual([]);
    expect(events.map((e) => e.data.length)).toEqual([limit - 8, 5]);
    expect(events[0]!.data).toBe(frameOf(limit).data);
    expect(session.isOpen).toBe(true);
    session.close();
    await done;
  });

  it('refuses by default what the default client would fail the stream on', async () => {
    // The check off: a one-line event a few bytes over the limit reaches the client ...
    const unchecked = await connect({ maxEventBytes: Number.POSITIVE_INFINITY });
    const oversized = frameOf(DEFAULTS.maxEventBytes + 16);
    expect(unchecked.session.send(oversized)).toBe(true);
    unchecked.session.send({ data: 'after' });
    // ... and its decoder fails the stream for good: nothing after it is delivered.
    await until(() => unchecked.errors.length > 0);
    expect(unchecked.errors.map((e) => e.code)).toEqual(['LINE_TOO_LONG']);
    unchecked.session.close();
    await unchecked.done;
    expect(unchecked.events).toEqual([]);
    // At the default, the same event is refused where it is sent, and the stream lives on.
    const checked = await connect();
    expect(() => checked.session.send(oversized)).toThrowError(
      expect.objectContaining({ code: 'EVENT_TOO_LARGE' }),
    );
    checked.session.send({ data: 'after' });
    await until(() => checked.events.length === 1);
    expect(checked.errors).toEqual([]);
    checked.session.close();
    await checked.done;
  });
});
