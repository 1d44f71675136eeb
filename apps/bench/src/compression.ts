import { request } from 'node:http';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { ChildServer, closeClients, heapGrowth, openClients } from './load';
import {
  fmt,
  frameCounter,
  type RunConfig,
  type SectionResult,
  unavailable,
  waitFor,
} from './util';

interface Tap {
  wire: number;
  frames: number;
  ended: boolean;
  close(): void;
}

/** One SSE connection asking for `encoding`; counts wire bytes and decoded frames. */
function connect(port: number, encoding: string): Promise<Tap> {
  return new Promise((resolve, reject) => {
    const tap: Tap = { wire: 0, frames: 0, ended: false, close: () => req.destroy() };
    const req = request(
      { host: '127.0.0.1', port, path: '/', headers: { 'accept-encoding': encoding } },
      (res) => {
        const coding = res.headers['content-encoding'] ?? 'identity';
        const decoder =
          coding === 'gzip'
            ? createGunzip()
            : coding === 'br'
              ? createBrotliDecompress()
              : coding === 'deflate'
                ? createInflate()
                : null;
        res.on('data', (d: Buffer) => {
          tap.wire += d.length;
        });
        res.on('close', () => {
          tap.ended = true;
        });
        const text = decoder ? res.pipe(decoder) : res;
        const countFrames = frameCounter();
        text.on('data', (d: Buffer) => {
          tap.frames += countFrames(d);
        });
        text.on('error', () => {});
        resolve(Object.assign(tap, { coding }));
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/**
 * What one open session costs the server with each coding: `n` connections on a fresh
 * server process, each sent a few JSON events (so every compressor has worked), then the
 * growth of the process's RSS and of heap + external memory, per session. A compressor
 * lives as long as its connection, so this is the memory a client can make the server
 * hold by asking for a coding.
 */
async function memoryPerSession(cfg: RunConfig): Promise<{ rows: string[][]; data: unknown[] }> {
  const n = cfg.quick ? 50 : 500;
  const rows: string[][] = [];
  const data: unknown[] = [];
  let identityRss = 0;
  for (const enc of ['identity', 'gzip', 'deflate', 'br']) {
    const server = await ChildServer.start('sse-node', { compression: true });
    if (typeof server === 'string') {
      rows.push([enc, server, '', '', '']);
      continue;
    }
    try {
      const before = await server.memory();
      const conns = await openClients(server.port, n, { headers: { 'accept-encoding': enc } });
      const base = conns.map((c) => c.bytes);
      await server.ask({ cmd: 'send', events: 5, bytes: 0, stamp: false, json: true }, 'sent');
      await waitFor(
        () => conns.every((c, i) => c.bytes > base[i]!),
        60_000,
        `events on ${n} ${enc} sessions`,
      );
      const after = await server.memory();
      const rss = (after.rss - before.rss) / n;
      if (enc === 'identity') identityRss = rss;
      rows.push([
        enc,
        fmt(n),
        fmt(rss / 1024, 1),
        fmt(heapGrowth(before, after) / n / 1024, 1),
        enc === 'identity' ? '' : fmt((rss - identityRss) / 1024, 1),
      ]);
      data.push({
        coding: enc,
        sessions: n,
        rssPerSession: rss,
        heapGrowth: heapGrowth(before, after) / n,
      });
      closeClients(conns);
    } finally {
      await server.stop();
    }
  }
  return { rows, data };
}

/** Bytes on the wire for the same JSON event stream, with and without compression. */
export async function compressionBench(cfg: RunConfig): Promise<SectionResult> {
  const events = cfg.quick ? 200 : 2000;
  const server = await ChildServer.start('sse-node', { compression: true });
  if (typeof server === 'string') return unavailable('compression', server);
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  try {
    const taps: [string, Tap & { coding?: string }][] = [];
    for (const enc of ['identity', 'gzip', 'br', 'deflate'])
      taps.push([enc, await connect(server.port, enc)]);
    await waitFor(() => taps.every(([, t]) => t.frames >= 1), 10_000, 'stream open');
    const base = taps.map(([, t]) => t.frames);
    await server.ask({ cmd: 'send', events, bytes: 0, stamp: false, json: true }, 'sent');
    // Every event must arrive decoded: compression must flush per event or batch.
    // A stream the server ended early (its slow-client policy) is reported, not awaited.
    await waitFor(
      () => taps.every(([, t], i) => t.ended || t.frames - base[i]! >= events),
      60_000,
      'all compressed events',
    ).catch(() => {});
    const plain = taps[0]![1].wire;
    for (const [enc, t] of taps) {
      const got = t.frames - base[taps.findIndex(([e]) => e === enc)]!;
      rows.push([
        enc,
        t.coding ?? '',
        got >= events
          ? fmt(got)
          : `${fmt(got)} of ${fmt(events)}${t.ended ? ' (server ended the stream)' : ''}`,
        fmt(t.wire),
        fmt(t.wire / got, 1),
        `${fmt((1 - t.wire / got / (plain / events)) * 100, 1)} %`,
      ]);
      data.push({ requested: enc, coding: t.coding, wireBytes: t.wire, events });
      t.close();
    }
  } finally {
    await server.stop();
  }
  const memory = await memoryPerSession(cfg);
  return {
    name: 'compression',
    tables: [
      {
        title: `Compression: ${fmt(events)} JSON events (the decoder's "1 KB JSON" corpus, ~0.7 KB each) through @sse/node with compression on`,
        columns: [
          'Accept-Encoding',
          'Content-Encoding',
          'events received',
          'wire bytes',
          'bytes / event',
          'saved',
        ],
        rows,
      },
      {
        title: 'Compression: server memory per open session, by coding (a fresh server per coding)',
        columns: [
          'Accept-Encoding',
          'sessions',
          'RSS KiB / session',
          'heap + external KiB / session',
          'compressor KiB / session (RSS over identity)',
        ],
        rows: memory.rows,
      },
    ],
    ratios: [],
    notes: [
      'Each event is flushed through the compressor as it is sent (all arrived decoded before the byte counts were read).',
      'Memory: each session was sent 5 JSON events before the reading (after a GC); zlib and Brotli state is native memory, so RSS shows it and heap + external mostly does not.',
    ],
    data: { wire: data, memory: memory.data },
  };
}
