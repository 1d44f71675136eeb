// The state-changing endpoints under attack, over real sockets on 127.0.0.1: forged
// cross-origin requests, oversized bodies (declared and chunked), and floods.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GuardLimits } from '../src/guard';
import { type Demo, startDemo } from '../src/server';

interface Reply {
  status: number;
  headers: IncomingMessage['headers'];
  json: { error?: string; code?: string; [key: string]: unknown };
}

/** One request with exactly these headers (no fetch: it may add or refuse some). */
function send(
  url: string,
  options: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'POST', headers: options.headers });
    req.once('error', reject);
    req.once('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.once('error', reject);
      res.once('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          json: JSON.parse(text || '{}'),
        }),
      );
    });
    req.end(options.body);
  });
}

/**
 * Starts a POST that announces `total` bytes (or sends them chunked without a length)
 * and writes them as fast as the server reads, but never past the server's answer.
 * Resolves with the answer and how much of the body had been written when it came.
 */
function sendHuge(url: string, total: number, chunked: boolean) {
  return new Promise<{ status: number; sent: number; code: string; connection?: string }>(
    (resolve, reject) => {
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (!chunked) headers['content-length'] = String(total);
      const req = httpRequest(url, { method: 'POST', headers });
      const chunk = Buffer.alloc(16 * 1024, 0x20);
      let sent = 0;
      let answered = false;
      req.once('response', (res) => {
        answered = true;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.once('end', () => {
          resolve({
            status: res.statusCode ?? 0,
            sent,
            code: JSON.parse(text).code,
            connection: res.headers.connection,
          });
          req.destroy();
        });
      });
      // After the answer the server closes the connection: a write may then fail, as expected.
      req.on('error', (error) => {
        if (!answered) reject(error);
      });
      const pump = () => {
        while (!answered && sent < total) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!answered) req.end();
      };
      pump();
    },
  );
}

const MiB = 2 ** 20;
const json = { 'content-type': 'application/json' };

/** A demo of its own for one group of tests, so one group's spending never shows in another. */
function useDemo(limits?: Partial<GuardLimits>) {
  const ref = { demo: undefined as unknown as Demo };
  beforeAll(async () => {
    ref.demo = await startDemo({ port: 0, metricsIntervalMs: 60_000, limits });
  });
  afterAll(() => ref.demo?.close());
  return {
    url: (path: string) => new URL(path, ref.demo.url).href,
    origin: () => ref.demo.url.replace(/\/$/, ''),
    recent: async (room: string) =>
      (await (await fetch(new URL(`/api/rooms/${room}/messages`, ref.demo.url))).json()) as {
        text: string;
      }[],
  };
}

// A refill slow enough that no token comes back during a test run keeps counts exact.
const SLOW = 0.01;

describe('same-origin check', () => {
  const { url, origin, recent } = useDemo({ chat: { burst: 3, perSecond: SLOW } });
  /** What a page of another site (or a sandboxed one) can make a browser send. */
  const forged = (): [string, Record<string, string>][] => [
    ['Origin of another site', { ...json, origin: 'http://evil.example' }],
    [
      'a text/plain simple request',
      { 'content-type': 'text/plain', origin: 'http://evil.example' },
    ],
    ['Sec-Fetch-Site: cross-site', { ...json, 'sec-fetch-site': 'cross-site', origin: origin() }],
    ['Sec-Fetch-Site: same-site', { ...json, 'sec-fetch-site': 'same-site' }],
    ['Origin: null (a sandboxed frame)', { ...json, origin: 'null' }],
    ['the same host on another port', { ...json, origin: 'http://127.0.0.1:1' }],
    [
      'the same host and port over another scheme',
      { ...json, origin: `ws://${new URL(origin()).host}` },
    ],
  ];
  const endpoints = [
    '/api/rooms/lobby/messages',
    '/api/clients/someone/drop',
    '/api/connections/drop',
  ];

  it('refuses forged requests to every state-changing endpoint with 403, changing nothing', async () => {
    for (const path of endpoints) {
      for (const [label, headers] of forged()) {
        const reply = await send(url(path), { headers, body: '{"text":"forged","away":3}' });
        expect(reply.status, `${label} → ${path}`).toBe(403);
        expect(reply.json.code).toBe('CROSS_ORIGIN');
      }
    }
    expect((await recent('lobby')).map((m) => m.text)).not.toContain('forged');
  });

  it('spends no budget on forged requests, and accepts the same origin', async () => {
    // The chat budget is 3 here: had the forged requests above been counted, nothing would pass.
    for (const headers of [
      { ...json, origin: origin() },
      { ...json, 'sec-fetch-site': 'same-origin', origin: origin() },
      json, // no browser headers at all: curl or a script, which no other site can forge
    ]) {
      const reply = await send(url('/api/rooms/dev/messages'), {
        headers,
        body: JSON.stringify({ user: 'me', text: 'same origin' }),
      });
      expect(reply.status).toBe(201);
    }
    expect((await recent('dev')).filter((m) => m.text === 'same origin')).toHaveLength(3);
  });

  it('refuses a same-origin body that is not JSON with 415, and takes a request without a body', async () => {
    const reply = await send(url('/api/connections/drop'), {
      headers: { 'content-type': 'text/plain', origin: origin() },
      body: '{}',
    });
    expect(reply.status).toBe(415);
    expect(reply.json.code).toBe('NOT_JSON');
    expect((await send(url('/api/connections/drop'))).status).toBe(200);
  });
});

describe('body limit', () => {
  const { url } = useDemo();

  it('answers 413 to a declared 64 MiB body before the client has sent it', async () => {
    const result = await sendHuge(url('/api/rooms/lobby/messages'), 64 * MiB, false);
    expect(result.status).toBe(413);
    expect(result.code).toBe('BODY_TOO_LARGE');
    expect(result.sent).toBeLessThan(64 * MiB);
    // The server will not read the rest either: it closes the connection.
    expect(result.connection).toBe('close');
  });

  it('answers 413 to chunked bodies as they pass the limit, eight at once, never reading one whole', async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, () => sendHuge(url('/api/clients/x/drop'), 64 * MiB, true)),
    );
    for (const result of results) {
      expect(result.status).toBe(413);
      // The client was still sending: the server answered from what it had counted.
      expect(result.sent).toBeLessThan(64 * MiB);
    }
  });

  it('publishes at most the outage burst for one drop, whatever it asks for', async () => {
    const reply = await send(url('/api/clients/nobody/drop'), {
      headers: json,
      body: JSON.stringify({ room: 'dev', away: 1e9 }),
    });
    expect(reply.status).toBe(200);
    // 64 events of history + 16: the most the "Outage beyond history" button needs.
    expect(reply.json.published).toBe(80);
  });

  it('accepts the largest valid message, which is under the limit', async () => {
    // 500 characters that JSON must escape as \u0001 (6 bytes each) and a 32-character name.
    const body = JSON.stringify({ user: '\u0001'.repeat(32), text: '\u0001'.repeat(500) });
    expect(Buffer.byteLength(body)).toBeGreaterThan(3000);
    const reply = await send(url('/api/rooms/random/messages'), { headers: json, body });
    expect(reply.status).toBe(201);
  });
});

describe('rate limit', () => {
  const { url, recent } = useDemo({
    chat: { burst: 5, perSecond: SLOW },
    control: { burst: 2, perSecond: SLOW },
  });

  it('lets a flood through only up to the budget; the rest get 429 with Retry-After', async () => {
    const post = (i: number) =>
      send(url('/api/rooms/random/messages'), {
        headers: json,
        body: JSON.stringify({ user: 'flood', text: `flood ${i}` }),
      });
    const replies = await Promise.all(Array.from({ length: 200 }, (_, i) => post(i)));
    const statuses = replies.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(5);
    expect(statuses.filter((s) => s === 429)).toHaveLength(195);
    for (const reply of replies.filter((r) => r.status === 429)) {
      expect(reply.json.code).toBe('RATE_LIMITED');
      // Whole seconds, and long enough for the next token (one every 100 s here).
      const seconds = Number(reply.headers['retry-after']);
      expect(Number.isInteger(seconds)).toBe(true);
      expect(seconds).toBeGreaterThan(0);
      expect(seconds).toBeLessThanOrEqual(100);
    }
    // The room log kept what it had: the flood did not overwrite it.
    expect(await recent('random')).toHaveLength(5);
  });

  it('limits the drop endpoints on their own budget, which the chat flood did not spend', async () => {
    const statuses: number[] = [];
    for (const path of ['/api/connections/drop', '/api/clients/x/drop', '/api/connections/drop'])
      statuses.push((await send(url(path), { headers: json, body: '{}' })).status);
    expect(statuses).toEqual([200, 200, 429]);
  });
});
