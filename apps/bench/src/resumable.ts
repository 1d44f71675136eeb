// Resumable answers side by side with `resumable-stream` (its ioredis build) on one
// redis-server: tokens/s delivered to the asking client, and the time from a follower's
// (re)connect to its first missed token, for 1 and 100 concurrent streams. Both entrants
// are served by node:http in this process, read by the same fetch client; the token
// source is the same generator (ASCII tokens, so their character cursor and our event id
// name the same point).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createNodeSSE } from '@sse/node';
import { createRedisResumableStore } from '@sse/redis';
import { createResumableStreams } from '@sse/resumable';
import { Redis } from 'ioredis';
import { startRedis } from './redis';
import {
  fmt,
  median,
  percentile,
  type Ratio,
  type RunConfig,
  ratioTable,
  type SectionResult,
  unavailable,
  waitFor,
} from './util';

const token = (i: number) => `tok${i} `;
const charsBefore = (n: number) => {
  let chars = 0;
  for (let i = 0; i < n; i++) chars += token(i).length;
  return chars;
};

/** The fake model: `n` tokens as fast as they are taken, pausing at `pauseAt` until `gate` opens. */
async function* generate(n: number, pauseAt = -1, gate?: Promise<void>): AsyncGenerator<string> {
  for (let i = 0; i < n; i++) {
    if (i === pauseAt) await gate;
    yield token(i);
  }
}

const toStream = (source: AsyncGenerator<string>) =>
  new ReadableStream<string>({
    async pull(c) {
      const { done, value } = await source.next();
      if (done) c.close();
      else c.enqueue(value);
    },
  });

/** One entrant: a server that starts answers (`POST /ask/:id?n=&pause=`) and resumes them (`GET /follow/:id`). */
interface Entrant {
  name: string;
  url: string;
  /** Opens every paused answer's gate. */
  release(): void;
  /** The resume request for `id` after `tokens` tokens. */
  follow(id: string, tokens: number): { path: string; headers: Record<string, string> };
  close(): Promise<void>;
}

async function listen(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<Server> {
  const server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return server;
}

const params = (req: IncomingMessage) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const [, kind, id] = url.pathname.split('/');
  return {
    kind,
    id: id ?? '',
    n: Number(url.searchParams.get('n') ?? 0),
    pause: Number(url.searchParams.get('pause') ?? -1),
  };
};

async function ours(redisUrl: string): Promise<Entrant> {
  const streams = createResumableStreams({
    store: createRedisResumableStore({ connection: redisUrl, prefix: `bench:${Date.now()}:` }),
  });
  const sse = createNodeSSE({ heartbeat: false });
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  const server = await listen(async (req, res) => {
    const p = params(req);
    if (p.kind === 'ask') {
      await streams.start(p.id, generate(p.n, p.pause, gate));
      const session = sse(req, res);
      if (session) await streams.follow(session, p.id, { lastEventId: '' });
    } else {
      const session = sse(req, res);
      if (session) await streams.follow(session, p.id);
    }
  });
  return {
    name: '@sse/resumable + @sse/redis',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release() {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
    follow: (id, tokens) => ({
      path: `/follow/${id}`,
      headers: { 'last-event-id': String(tokens) },
    }),
    async close() {
      sse.factory.closeAll();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await streams.close();
    },
  };
}

async function theirs(redisUrl: string): Promise<Entrant | string> {
  let mod: typeof import('resumable-stream/ioredis');
  try {
    mod = await import('resumable-stream/ioredis');
  } catch (error) {
    return `resumable-stream could not be loaded: ${(error as Error).message}`;
  }
  const publisher = new Redis(redisUrl);
  const subscriber = new Redis(redisUrl);
  const ctx = mod.createResumableStreamContext({
    waitUntil: null,
    publisher,
    subscriber,
    keyPrefix: `bench-rs:${Date.now()}`,
  });
  let release: () => void = () => {};
  let gate = new Promise<void>((r) => (release = r));
  const pipe = async (stream: ReadableStream<string> | null | undefined, res: ServerResponse) => {
    if (!stream) return void res.writeHead(204).end();
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    res.flushHeaders();
    for await (const chunk of stream as unknown as AsyncIterable<string>) {
      res.write(`data: ${chunk}\n\n`);
    }
    res.end();
  };
  const server = await listen(async (req, res) => {
    const p = params(req);
    if (p.kind === 'ask') {
      await pipe(
        await ctx.createNewResumableStream(p.id, () => toStream(generate(p.n, p.pause, gate))),
        res,
      );
    } else {
      const skip = Number(new URL(req.url ?? '/', 'http://x').searchParams.get('skip') ?? 0);
      await pipe(await ctx.resumeExistingStream(p.id, skip), res);
    }
  });
  return {
    name: 'resumable-stream (ioredis)',
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    release() {
      release();
      gate = new Promise<void>((r) => (release = r));
    },
    follow: (id, tokens) => ({ path: `/follow/${id}?skip=${charsBefore(tokens)}`, headers: {} }),
    async close() {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      publisher.disconnect();
      subscriber.disconnect();
    },
  };
}

/**
 * Reads a response until `last` (a token) has arrived, noting when the chunk holding
 * `first` came; `progress.seen` lists the watched tokens seen so far. Only each chunk and
 * the end of the previous one are searched (a token may be split), so reading is linear.
 */
async function read(
  response: Response,
  first: string,
  last: string,
  progress: { watch?: string; seen: boolean } = { seen: false },
): Promise<{ firstAt: number; complete: boolean }> {
  const reader = (response.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let tail = '';
  let firstAt = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return { firstAt, complete: false };
    const text = tail + decoder.decode(value, { stream: true });
    tail = text.slice(-32);
    if (firstAt === 0 && text.includes(first)) firstAt = performance.now();
    if (progress.watch !== undefined && !progress.seen && text.includes(progress.watch)) {
      progress.seen = true;
    }
    if (text.includes(last)) {
      await reader.cancel();
      return { firstAt, complete: true };
    }
  }
}

/** Tokens/s to the asking client: `streams` answers of `n` tokens at once, from POST to last token. */
async function throughput(e: Entrant, streams: number, n: number, run: number): Promise<number> {
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const response = await fetch(`${e.url}/ask/t${run}-${s}?n=${n}`, { method: 'POST' });
      const { complete } = await read(response, token(0), token(n - 1));
      if (!complete) throw new Error(`${e.name}: answer incomplete`);
    }),
  );
  return (streams * n) / ((performance.now() - t0) / 1000);
}

/**
 * Resume latency: `streams` answers generate half their tokens and pause; their asking
 * clients have read that half; then one follower per answer connects at a quarter and the
 * time to its first missed token is taken. Then the answers finish.
 */
async function resumeLatency(
  e: Entrant,
  streams: number,
  n: number,
  run: number,
): Promise<number[]> {
  const half = n / 2;
  const quarter = n / 4;
  const askers = await Promise.all(
    Array.from({ length: streams }, async (_, s) => {
      const id = `r${run}-${s}`;
      const response = await fetch(`${e.url}/ask/${id}?n=${n}&pause=${half}`, { method: 'POST' });
      const progress = { watch: token(half - 1), seen: false };
      const done = read(response, token(0), token(n - 1), progress);
      return { id, done, progress };
    }),
  );
  // Every asker has its first half (the producers are paused at the gate).
  await waitFor(() => askers.every((a) => a.progress.seen), 60_000, 'the first halves');
  const latencies = await Promise.all(
    askers.map(async ({ id }) => {
      const { path, headers } = e.follow(id, quarter);
      const t0 = performance.now();
      const response = await fetch(`${e.url}${path}`, { headers });
      const controller = read(response, token(quarter), token(quarter));
      const { firstAt } = await controller;
      return firstAt - t0;
    }),
  );
  e.release();
  await Promise.all(askers.map((a) => a.done));
  return latencies;
}

export async function resumableBench(cfg: RunConfig): Promise<SectionResult> {
  const redis = await startRedis();
  if (typeof redis === 'string') return unavailable('resumable', redis);
  const reps = cfg.quick ? 1 : 3;
  const n = cfg.quick ? 400 : 2_000;
  const rows: string[][] = [];
  const ratios: Ratio[] = [];
  const data: unknown[] = [];
  try {
    const entrants: Entrant[] = [await ours(redis.url)];
    const peer = await theirs(redis.url);
    if (typeof peer !== 'string') entrants.push(peer);
    const results = new Map<string, Record<number, { tps: number; p50: number; p95: number }>>();
    for (const streams of [1, 100]) {
      for (const e of entrants) {
        const tps: number[] = [];
        const lat: number[] = [];
        for (let r = 0; r < reps; r++) {
          tps.push(await throughput(e, streams, n, r + streams * 10));
          lat.push(...(await resumeLatency(e, streams, n, r + streams * 10)));
        }
        const row = { tps: median(tps), p50: median(lat), p95: percentile(lat, 95) };
        results.set(e.name, { ...results.get(e.name), [streams]: row });
        rows.push([String(streams), e.name, fmt(row.tps), row.p50.toFixed(2), row.p95.toFixed(2)]);
        data.push({ streams, entrant: e.name, tps, latencies: lat });
      }
      const a = results.get(entrants[0]?.name ?? '')?.[streams];
      const b = results.get(entrants[1]?.name ?? '')?.[streams];
      ratios.push({
        name: `resumable: tokens/s to the asking client, ${streams} stream(s), vs resumable-stream`,
        value: a && b ? a.tps / b.tps : null,
        target: 2,
      });
      ratios.push({
        name: `resumable: resume latency p50, ${streams} stream(s), vs resumable-stream`,
        value: a && b ? a.p50 / b.p50 : null,
        target: 0.5,
        better: 'lower',
      });
    }
    for (const e of entrants) await e.close();
    return {
      name: 'resumable',
      tables: [
        {
          title: `Resumable answers on one redis-server: ${fmt(n)} tokens per answer (median of ${reps})`,
          columns: [
            'streams',
            'entrant',
            'tokens/s to the asking client',
            'resume p50 ms',
            'resume p95 ms',
          ],
          rows,
        },
        ratioTable('Resumable ratios (ours / theirs)', ratios),
      ],
      ratios,
      notes: [
        "Resume latency: from a follower's request (cursor at a quarter of the answer, the producer paused at half) to the first chunk holding its first missed token. Ours answers from the Redis log; resumable-stream asks the producing instance over pub/sub for its buffer.",
        ...(typeof peer === 'string' ? [`resumable-stream not measured: ${peer}`] : []),
        "Servers and the client share this process (and the machine's cores) for both entrants.",
      ],
      data,
    };
  } finally {
    await redis.stop();
  }
}
