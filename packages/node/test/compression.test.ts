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
    expect(BROTLI_OPTIONS.flush).toBe(constants.BROTLI_OPERATION_FLUSH);
    expect(ZLIB_OPTIONS.level).toBeLessThanOrEqual(6);
    expect(ZLIB_OPTIONS.flush).toBe(constants.Z_SYNC_FLUSH);
  });

  it('prefers gzip when the client accepts both gzip and br (a third of the memory)', async () => {
    for (const [accept, coding] of [
      ['br, gzip', 'gzip'],
      ['gzip;q=0.5, br', 'gzip'],
      ['br', 'br'],
      ['deflate, br', 'br'],
    ]) {
      const count = sessions.length;
      const res = await request('/events', accept!);
      expect(res.headers['content-encoding']).toBe(coding);
      await until(() => sessions.length === count + 1);
      sessions[count]!.close();
      res.resume();
      await once(res, 'end');
    }
  });

  /**
   * An event whose second half repeats its first 2 KiB after 6 KiB of other text: a
   * compressor with a window over 8 KiB refers back across the gap, one with a 4 KiB
   * window cannot. Random hex, so nothing else in it compresses into long matches.
   */
  const farRepeat = () => {
    const hex = (n: number) =>
      Array.from(crypto.getRandomValues(new Uint8Array(n / 2)), (b) =>
        b.toString(16).padStart(2, '0'),
      ).join('');
    const head = hex(2048);
    return head + hex(6144) + head;
  };

  it.each([
    ['gzip', () => createGunzip({ windowBits: 12, chunkSize: 1024 })],
    ['deflate', () => createInflate({ windowBits: 12, chunkSize: 1024 })],
  ] as const)(
    '%s: the compressor window is 4 KiB (a 4 KiB inflater reads the stream)',
    async (coding, inflater) => {
      const count = sessions.length;
      const res = await request('/events', coding);
      expect(res.headers['content-encoding']).toBe(coding);
      const body = Readable.toWeb(res.pipe(inflater())) as ReadableStream<Uint8Array>;
      const reader = new StreamReader(body);
      await until(() => sessions.length === count + 1);
      const data = farRepeat();
      sessions[count]!.send({ data });
      // A larger window breaks the 4 KiB inflater ("invalid distance too far back", or
      // "invalid window size" for deflate's header): the stream would end before this.
      expect((await reader.nextEvent()).data).toBe(data);
      sessions[count]!.close();
      await reader.ended;
    },
  );

  it('br: the stream announces a 64 KiB window (lgwin 16)', async () => {
    const count = sessions.length;
    const res = await request('/events', 'br');
    const first = (await once(res, 'data'))[0] as Buffer;
    // RFC 7932 9.1: the stream starts with WBITS; a single 0 bit means a 2^16 window.
    expect(first[0]! & 1).toBe(0);
    await until(() => sessions.length === count + 1);
    sessions[count]!.close();
    res.resume();
    await once(res, 'end');
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
