/**
 * The AI-chat shape the suites serve, on every adapter: `POST /answers?n=&seed=` starts a
 * generated answer (a fake token generator) and follows it, naming its resume URL;
 * `GET /answers/:id` follows one from `Last-Event-ID` (204 at the end, 404 unknown);
 * `POST /answers/:id/stop` stops it; `GET /stats` (node only) counts producers, followers
 * and sessions. Also bundled into the Redis child processes.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { setImmediate as tick } from 'node:timers/promises';
import { isSSEError } from '@sse/core';
import { sse } from '@sse/hono';
import { createNodeSSE } from '@sse/node';
import type { SessionOptions } from '@sse/server';
import { Hono } from 'hono';
import { RESUME_URL_HEADER, type ResumableStreams } from '../src/index';

/** A deterministic pseudo-random generator (mulberry32), so both sides agree on the answer. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const PIECES = [
  'the',
  ' ',
  'answer',
  '\n',
  'é',
  '😀',
  ':',
  'data: x',
  'id: 9',
  '',
  '  ',
  '中文',
  '\t',
  '{}',
];

/** The tokens of answer `seed`, endless: words, spaces, LFs, non-ASCII, field-like text and empty tokens (never CR: the SSE wire turns it into LF). */
export function* tokenStream(seed: number): Generator<string> {
  const next = random(seed);
  for (let i = 0; ; i++) {
    const a = PIECES[Math.floor(next() * PIECES.length)] as string;
    yield next() < 0.5 ? a : `${a}${i}`;
  }
}

/** The first `count` tokens of answer `seed`. */
export function tokens(count: number, seed: number): string[] {
  const out: string[] = [];
  if (count === 0) return out;
  for (const token of tokenStream(seed)) {
    out.push(token);
    if (out.length === count) break;
  }
  return out;
}

/** The fake model: yields the answer's tokens, yielding to the event loop every `every` tokens, until its signal aborts. */
export async function* generate(
  count: number,
  seed: number,
  signal: AbortSignal,
  every = 50,
  fail?: number,
): AsyncGenerator<string> {
  let i = 0;
  for (const token of tokenStream(seed)) {
    if (i === count || signal.aborted) return;
    if (i === fail) throw new Error('the model broke');
    if (i % every === 0) await tick();
    yield token;
    i++;
  }
}

/** Parameters of a POST: token count, seed, pace, failure point, and an endless answer (`n=0`). */
function params(url: URL) {
  const n = Number(url.searchParams.get('n') ?? '100');
  return {
    count: n === 0 ? Number.MAX_SAFE_INTEGER : n,
    seed: Number(url.searchParams.get('seed') ?? '1'),
    every: Number(url.searchParams.get('every') ?? '50'),
    fail: url.searchParams.has('fail') ? Number(url.searchParams.get('fail')) : undefined,
  };
}

/** A `node:http` request listener serving the answers through `@sse/node`. */
export function nodeAnswers(streams: ResumableStreams, options: SessionOptions = {}) {
  const open = createNodeSSE({ heartbeat: false, ...options });
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const [, root, id, action] = url.pathname.split('/');
    if (root === 'stats') {
      const stats = { ...streams.stats(), sessions: open.factory.size };
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify(stats));
    }
    if (root !== 'answers') return void res.writeHead(404).end();
    if (req.method === 'POST' && id === undefined) {
      const answer = randomUUID();
      const p = params(url);
      req.resume();
      await streams.start(answer, (signal) => generate(p.count, p.seed, signal, p.every, p.fail));
      res.setHeader(RESUME_URL_HEADER, `/answers/${answer}`);
      const session = open(req, res);
      if (session) await streams.follow(session, answer, { lastEventId: '' });
      return;
    }
    if (req.method === 'POST' && id !== undefined && action === 'stop') {
      const state = await streams.stop(id);
      return void res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ state }));
    }
    if (req.method === 'GET' && id !== undefined) {
      const decision = await streams.decide(id, String(req.headers['last-event-id'] ?? ''));
      if (decision.status !== 200) return void res.writeHead(decision.status).end();
      const session = open(req, res);
      if (session) await streams.follow(session, id);
      return;
    }
    res.writeHead(405).end();
  };
  // A failure (bad id, a store away) answers 400/500 or, once streaming, ends the response.
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) res.destroy();
      else res.writeHead(isSSEError(error, 'INVALID_STREAM_ID') ? 400 : 500).end(String(error));
    });
  };
  return Object.assign(listener, { factory: open.factory });
}

/** The same routes as a Hono app, served through `@sse/hono` (so `@sse/web` too). */
export function honoAnswers(streams: ResumableStreams): Hono {
  const app = new Hono();
  app.post('/answers', async (c) => {
    const answer = randomUUID();
    const p = params(new URL(c.req.url));
    await streams.start(answer, (signal) => generate(p.count, p.seed, signal, p.every, p.fail));
    c.header(RESUME_URL_HEADER, `/answers/${answer}`);
    return sse(c, (session) => streams.follow(session, answer, { lastEventId: '' }));
  });
  app.post('/answers/:id/stop', async (c) =>
    c.json({ state: await streams.stop(c.req.param('id')) }),
  );
  app.get('/answers/:id', async (c) => {
    const id = c.req.param('id');
    const decision = await streams.decide(id, c.req.header('last-event-id') ?? '');
    if (decision.status !== 200) return c.body(null, decision.status);
    return sse(c, (session) => streams.follow(session, id));
  });
  return app;
}
