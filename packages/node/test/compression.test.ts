import { once } from 'node:events';
import { createServer, get, type IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { constants, createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { type ContentEncoding, type ServerSession, serverCounters } from '@sse/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';
import { BROTLI_OPTIONS, ZLIB_OPTIONS } from '../src/sink';

const decompressors = { gzip: createGunzip, deflate: createInflate, br: createBrotliDecompress };

describe('opt-in streaming compression', () => {
  const sessions: ServerSession[] = [];
  let port: number;
  let server: ReturnType<typeof createServer>;

  beforeAll(async () => {
    const compressed = createNodeSSE({ heartbeat: false, compression: true });
    const plain = createNodeSSE({ heartbeat: false });
    server = createServer((req, res) => {
      const s = (req.url === '/plain' ? plain : compressed)(req, res);
      if (s) sessions.push(s);
    });
    port = await listenLocal(server);
  });

  afterAll(async () => {
    server.closeAllConnections();
    server.close();
    await until(() => serverCounters().sessions === 0);
  });

  const request = (path: string, acceptEncoding: string) =>
    new Promise<IncomingMessage>((resolve) =>
      get(
        { port, host: '127.0.0.1', path, headers: { 'accept-encoding': acceptEncoding } },
        resolve,
      ),
    );

  it.each(['gzip', 'deflate', 'br'] as ContentEncoding[])(
    '%s: every event is flushed through the compressor before the next is sent',
    async (coding) => {
      const count = sessions.length;
      const res = await request('/events', coding);
      expect(res.headers['content-encoding']).toBe(coding);
      expect(res.headers.vary).toContain('Accept-Encoding');
      const body = Readable.toWeb(res.pipe(decompressors[coding]())) as ReadableStream<Uint8Array>;
      const reader = new StreamReader(body);
      await until(() => sessions.length === count + 1);
      const session = sessions[count]!;
      const json = (i: number) => JSON.stringify({ seq: i, user: 'someone', text: 'a message' });
      for (let i = 0; i < 20; i++) {
        session.send({ id: String(i), event: 'chat', data: json(i) });
        expect(await reader.nextEvent()).toMatchObject({ data: json(i), id: String(i) });
      }
      session.close();
      await reader.ended;
      expect(reader.events()).toHaveLength(20);
    },
  );

  it('runs the compressors at streaming settings, not node:zlib file defaults', () => {
    // Brotli's default quality 11 with a 4 MiB window costs ~10x the CPU per flushed
    // event: a busy stream fell behind, filled its queue and was ended as a slow client.
    expect(BROTLI_OPTIONS.params[constants.BROTLI_PARAM_QUALITY]).toBeLessThanOrEqual(5);
    expect(BROTLI_OPTIONS.params[constants.BROTLI_PARAM_LGWIN]).toBeLessThanOrEqual(18);
    expect(BROTLI_OPTIONS.flush).toBe(constants.BROTLI_OPERATION_FLUSH);
    expect(ZLIB_OPTIONS.level).toBeLessThanOrEqual(6);
    expect(ZLIB_OPTIONS.flush).toBe(constants.Z_SYNC_FLUSH);
  });

  it.each(['br', 'gzip'] as ContentEncoding[])(
    '%s: thousands of JSON events (more than the 1 MiB queue) arrive whole, the session stays open',
    async (coding) => {
      const events = 3000;
      const count = sessions.length;
      const res = await request('/events', coding);
      const body = Readable.toWeb(res.pipe(decompressors[coding]())) as ReadableStream<Uint8Array>;
      const reader = new StreamReader(body);
      await until(() => sessions.length === count + 1);
      const session = sessions[count]!;
      const json = (i: number) =>
        JSON.stringify({
          seq: i,
          user: `user-${i % 97}`,
          items: Array.from({ length: 16 }, (_, k) => ({ id: i * 16 + k, price: (i * k) % 1000 })),
          text: `message number ${i} in a stream of JSON events`,
        });
      // The producer sends one event per event-loop turn and waits for the client only
      // when 500 events (~250 KiB) are unread, so the test does not hinge on how fast
      // this (shared, loaded) machine compresses; the bench measures that.
      let bytes = 0;
      for (let i = 0; i < events; i++) {
        const data = json(i);
        bytes += data.length;
        expect(session.send({ id: String(i), data })).toBe(true);
        if (i - reader.events().length >= 500) {
          await until(() => i - reader.events().length < 250, 30_000);
        } else {
          await new Promise((resolve) => setImmediate(resolve));
        }
      }
      expect(bytes).toBeGreaterThan(1024 * 1024);
      expect(session.endReason).toBeUndefined();
      session.close();
      await reader.ended;
      const got = reader.events();
      expect(got).toHaveLength(events);
      expect(got.map((e) => e.id)).toEqual(Array.from({ length: events }, (_, i) => String(i)));
      expect(got[events - 1]!.data).toBe(json(events - 1));
    },
    60_000,
  );

  it.each([
    ['is off unless asked for', '/plain', 'gzip, br'],
    ['sends identity when the client accepts no offered coding', '/events', 'identity'],
  ])('%s', async (_, path, acceptEncoding) => {
    const count = sessions.length;
    const res = await request(path, acceptEncoding);
    expect(res.headers['content-encoding']).toBeUndefined();
    await until(() => sessions.length === count + 1);
    sessions[count]!.close();
    res.resume();
    await once(res, 'end');
  });
});
