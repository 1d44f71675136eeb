// The client against servers and fetch implementations that do not behave. Each scenario
// checks what the client reports (events, errors, readyState) and how often it hit the
// server: the request count must stay under the ceiling the README documents (attempts at
// least the reconnection time apart; a server's `retry:` cannot go below 250 ms), counted over
// the window the requests actually span (an upper bound on the count, never a bound on speed).
// Runs in Node, Bun and Deno (scripts/matrix.mjs); an unhandled rejection fails the run.
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSource,
  type EventSourceError,
  type EventSourceOptions,
  type FetchLike,
  MAX_DELAY,
} from '../src/index';
import { lifecycle, openStream, record, sleep } from './helpers';

const { track, serve } = lifecycle();

/** Timer and clock granularity allowed per gap when checking a ceiling, in ms. */
const SLACK = 5;

/** A real server that also records when (performance.now()) each request arrived. */
async function timed(handler: (req: IncomingMessage, res: ServerResponse, index: number) => void) {
  const times: number[] = [];
  const server = await serve((req, res, _seen, index) => {
    times.push(performance.now());
    handler(req, res, index);
  });
  return { ...server, times };
}

/**
 * The documented ceiling: consecutive attempts are at least `gap` ms apart, so the requests
 * in the window they span number at most 1 + window / gap (`perAttempt` requests each when
 * fetch follows redirects).
 */
function expectCeiling(times: number[], gap: number, perAttempt = 1) {
  const window = times.at(-1)! - times[0]!;
  const attempts = 1 + Math.floor(window / (gap - SLACK));
  expect(times.length).toBeLessThanOrEqual(attempts * perAttempt);
}

/** Opens a source, records what it fires, and collects its errors and scheduled delays. */
function observe(url: string, options: EventSourceOptions = {}) {
  const delays: number[] = [];
  const es = track(
    new EventSource(url, { ...options, onRetry: ({ delay }) => delays.push(delay) }),
  );
  const errors: EventSourceError[] = [];
  es.addEventListener('error', (event) => errors.push(event.error));
  return { es, errors, delays, ...record(es) };
}

// Node warns once per timer whose delay overflows (and then fires it at once); none may appear.
const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.name);
const proc = (globalThis as { process?: NodeJS.Process }).process;
proc?.on('warning', onWarning);
afterEach(() => {
  expect(warnings.filter((name) => name === 'TimeoutOverflowWarning')).toEqual([]);
});

describe('hostile server: retry: 0', () => {
  it('retry: 0 and an immediate close: at most 4 connections a second', async () => {
    const server = await timed((_req, res) => {
      openStream(res);
      res.end('retry: 0\n\n');
    });
    const seen = observe(server.url, { maxRetryDelay: 1000, random: () => 0 });
    await server.waitForRequests(4);
    seen.es.close();
    expectCeiling(server.times, 250);
    expect(seen.delays.slice(0, 3)).toEqual([250, 250, 250]);
    expect(seen.errors.every((e) => e.code === 'NETWORK')).toBe(true);
  });

  it('retry: 0 with an event before every close (each connection healthy): still 250 ms apart', async () => {
    const server = await timed((_req, res, i) => {
      openStream(res);
      res.end(`retry: 0\ndata: ${i}\n\n`);
    });
    const seen = observe(server.url);
    await server.waitForRequests(4);
    seen.es.close();
    expectCeiling(server.times, 250);
    expect(seen.delays.slice(0, 3)).toEqual([250, 250, 250]);
    expect(seen.log.slice(0, 6)).toEqual([
      'open',
      'message:0:',
      'error:0',
      'open',
      'message:1:',
      'error:0',
    ]);
  });

  it('never reports NaN or a growing-without-bound delay after many failures', async () => {
    const server = await timed((_req, res) => {
      openStream(res);
      res.end('retry: 0\n\n');
    });
    // The application asked for no wait (retryDelay: 0): the server cannot lower it further,
    // and consecutive failures still back off from 1 ms to the cap.
    const seen = observe(server.url, { retryDelay: 0, maxRetryDelay: 40, random: () => 0.999 });
    while (seen.delays.length < 12) await seen.until(seen.log.length + 1);
    seen.es.close();
    for (const delay of seen.delays) {
      expect(Number.isInteger(delay)).toBe(true);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(40);
    }
    expect(seen.delays.slice(0, 8)).toEqual([1, 2, 4, 8, 16, 32, 40, 40]);
  });
});

describe('hostile server: statuses', () => {
  it.each([
    ['204, default options', 204, {}],
    ['204, with retryOnStatus', 204, { retryOnStatus: true }],
    ['500, default options', 500, {}],
    ['404, with retryOnStatus', 404, { retryOnStatus: true }],
  ] as const)('%s: fails for good after one request', async (_name, status, options) => {
    const server = await timed((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/event-stream' });
      res.end();
    });
    const seen = observe(server.url, { retryDelay: 5, ...options });
    expect(await seen.until(1)).toEqual(['error:2']);
    expect(seen.errors[0]).toMatchObject({ code: 'HTTP_STATUS', status });
    await sleep(100); // a retry, if one were scheduled, would have happened
    expect(server.times).toHaveLength(1);
  });

  it('500 with retryOnStatus: retried with backoff, then MAX_ATTEMPTS', async () => {
    const server = await timed((_req, res) => {
      res.writeHead(500);
      res.end();
    });
    const seen = observe(server.url, { retryDelay: 30, retryOnStatus: true, maxAttempts: 4 });
    expect(await seen.until(4)).toEqual(['error:0', 'error:0', 'error:0', 'error:2']);
    expect(seen.errors.at(-1)).toMatchObject({ code: 'MAX_ATTEMPTS', status: 500 });
    expect(server.times).toHaveLength(4);
    expectCeiling(server.times, 30);
  });
});

describe('hostile server: Retry-After', () => {
  const now = Date.now();
  it.each([
    ['seconds above maxServerRetry', 100, '1'],
    ['huge seconds (30 days)', 100, '2592000'],
    ['more digits than a double holds', 100, '9'.repeat(400)],
    ['negative', 20, '-5'],
    ['garbage', 20, 'soon'],
    ['a fraction (not delta-seconds)', 20, '0.5'],
    ['an HTTP date in the past', 20, new Date(now - 60_000).toUTCString()],
    ['an HTTP date in 2100', 100, 'Fri, 01 Jan 2100 00:00:00 GMT'],
  ])(
    '503 with Retry-After %s: waits %i ms (maxServerRetry 100, retryDelay 20)',
    async (_name, wait, header) => {
      const server = await timed((_req, res) => {
        res.writeHead(503, { 'retry-after': header });
        res.end();
      });
      const seen = observe(server.url, {
        retryOnStatus: true,
        retryDelay: 20,
        maxServerRetry: 100,
        maxAttempts: 3,
        random: () => 0,
      });
      expect(await seen.until(3)).toEqual(['error:0', 'error:0', 'error:2']);
      expect(seen.delays).toEqual([wait, wait]);
      expect(seen.errors.at(-1)).toMatchObject({ code: 'MAX_ATTEMPTS', status: 503 });
      expect(server.times).toHaveLength(3);
      expectCeiling(server.times, wait);
    },
  );

  it('a Retry-After far away is never longer than a timer can wait, even with no maxServerRetry', async () => {
    const server = await timed((_req, res) => {
      res.writeHead(503, { 'retry-after': 'Fri, 01 Jan 2100 00:00:00 GMT' });
      res.end();
    });
    const seen = observe(server.url, { retryOnStatus: true, maxServerRetry: Infinity });
    await seen.until(1);
    seen.es.close();
    expect(seen.delays).toEqual([MAX_DELAY]);
    await sleep(50); // an overflowing timer would fire at once and hit the server again
    expect(server.times).toHaveLength(1);
  });
});

describe('hostile server: connections that go nowhere', () => {
  it('a redirect loop: fetch gives up after its redirect limit, then the client backs off', async () => {
    const server = await timed((req, res) => {
      res.writeHead(302, { location: req.url ?? '/' });
      res.end();
    });
    let calls = 0;
    const fetch: FetchLike = (input, init) => {
      calls += 1;
      return globalThis.fetch(input, init);
    };
    const seen = observe(server.url, { fetch, retryDelay: 20, maxAttempts: 2 });
    expect(await seen.until(2)).toEqual(['error:0', 'error:2']);
    expect(seen.errors[0]!.code).toBe('NETWORK');
    expect(seen.errors[1]!.code).toBe('MAX_ATTEMPTS');
    expect(calls).toBe(2); // one fetch per attempt
    // Each fetch follows redirects up to its own limit: 20 in the Fetch standard (Node, Deno,
    // browsers); Bun 1 follows up to 127.
    const perFetch = 'Bun' in globalThis ? 128 : 21;
    expect(server.times.length).toBeLessThanOrEqual(calls * perFetch);
  });

  it('headers, then silence: the idle timeout reconnects, and counts toward maxAttempts', async () => {
    const server = await timed((_req, res) => openStream(res));
    const seen = observe(server.url, { idleTimeout: 100, retryDelay: 20, maxAttempts: 2 });
    expect(await seen.until(4)).toEqual(['open', 'error:0', 'open', 'error:2']);
    expect(seen.errors[0]!.code).toBe('IDLE_TIMEOUT');
    expect(seen.errors[1]).toMatchObject({ code: 'MAX_ATTEMPTS', cause: { code: 'IDLE_TIMEOUT' } });
    expect(server.times).toHaveLength(2);
  });

  it('a body that errors mid-stream: the events before it arrive, then a reconnect', async () => {
    const server = await timed((_req, res, i) => {
      openStream(res);
      if (i === 0) {
        res.write('id: 1\ndata: a\n\n', () => setTimeout(() => res.socket?.destroy(), 20));
      } else res.write('data: b\n\n');
    });
    const seen = observe(server.url, { retryDelay: 20 });
    expect(await seen.until(5)).toEqual(['open', 'message:a:1', 'error:0', 'open', 'message:b:1']);
    expect(seen.errors[0]!.code).toBe('NETWORK');
    expect(server.times).toHaveLength(2);
  });

  it('200 text/event-stream with no body (HEAD): open, then a reconnect, never OPEN forever', async () => {
    const server = await timed((_req, res) => {
      openStream(res);
      res.end();
    });
    const seen = observe(server.url, { method: 'HEAD', retryDelay: 20, maxAttempts: 3 });
    expect(await seen.until(6)).toEqual(['open', 'error:0', 'open', 'error:0', 'open', 'error:2']);
    expect(seen.errors.at(-1)).toMatchObject({ code: 'MAX_ATTEMPTS', cause: { code: 'NETWORK' } });
    expect(server.requests.map((r) => r.method)).toEqual(['HEAD', 'HEAD', 'HEAD']);
    expectCeiling(server.times, 20);
  });
});

describe('hostile fetch implementations', () => {
  /** A fetch that counts calls and answers with `respond`. */
  const fake = (respond: () => unknown) => {
    const counter = { calls: 0 };
    const fetch = (async () => {
      counter.calls += 1;
      return respond();
    }) as unknown as FetchLike;
    return { counter, fetch };
  };
  const stream = { status: 200, headers: { 'content-type': 'text/event-stream' } };

  it('a null body (new Response(null)): open, then reconnects with backoff', async () => {
    const { counter, fetch } = fake(() => new Response(null, stream));
    const seen = observe('http://127.0.0.1:9/', { fetch, retryDelay: 20, maxAttempts: 3 });
    expect(await seen.until(6)).toEqual(['open', 'error:0', 'open', 'error:0', 'open', 'error:2']);
    expect(counter.calls).toBe(3);
  });

  it('a body that is a Node Readable (node-fetch): a typed final error, no crash', async () => {
    const server = await timed((_req, res) => {
      openStream(res);
      res.write('data: hello\n\n');
    });
    // What node-fetch hands back: a Response-like object whose body is a Node Readable.
    const fetch: FetchLike = (input, init) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(input, { method: init.method, headers: init.headers }, (res) => {
          resolve({
            status: res.statusCode,
            url: input,
            headers: new Headers(res.headers as Record<string, string>),
            body: res,
          } as unknown as Response);
        });
        req.on('error', reject);
        req.end();
      });
    let body: IncomingMessage | undefined;
    const seen = observe(server.url, {
      fetch: async (input, init) => {
        const response = await fetch(input, init);
        body = response.body as unknown as IncomingMessage;
        return response;
      },
      retryDelay: 5,
    });
    expect(await seen.until(1)).toEqual(['error:2']);
    expect(seen.errors[0]!.code).toBe('INVALID_RESPONSE');
    expect(body!.destroyed).toBe(true); // the unread body does not hold its connection
    await sleep(100);
    expect(server.times).toHaveLength(1);
  });

  it('a response whose getReader throws: a typed final error', async () => {
    const { counter, fetch } = fake(() => {
      const response = new Response('data: x\n\n', stream);
      Object.defineProperty(response, 'body', {
        value: {
          getReader() {
            throw new TypeError('ReadableStream is locked');
          },
        },
      });
      return response;
    });
    const seen = observe('http://127.0.0.1:9/', { fetch, retryDelay: 5 });
    expect(await seen.until(1)).toEqual(['error:2']);
    expect(seen.errors[0]!.code).toBe('INVALID_RESPONSE');
    expect((seen.errors[0]!.cause as Error).message).toBe('ReadableStream is locked');
    await sleep(100);
    expect(counter.calls).toBe(1);
  });

  it('a fetch that resolves to something that is not a Response: a typed final error', async () => {
    const { counter, fetch } = fake(() => undefined);
    const seen = observe('http://127.0.0.1:9/', { fetch, retryDelay: 5 });
    expect(await seen.until(1)).toEqual(['error:2']);
    expect(seen.errors[0]!.code).toBe('INVALID_RESPONSE');
    await sleep(100);
    expect(counter.calls).toBe(1);
  });

  it('a body that yields something other than bytes or text: an error, then backoff', async () => {
    const { counter, fetch } = fake(
      () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(42);
              controller.close();
            },
          }),
          stream,
        ),
    );
    const seen = observe('http://127.0.0.1:9/', { fetch, retryDelay: 20, maxAttempts: 2 });
    expect(await seen.until(4)).toEqual(['open', 'error:0', 'open', 'error:2']);
    expect(counter.calls).toBe(2);
  });
});

describe('hostile application callbacks', () => {
  it('an onRetry that throws: the source fails with it as the cause, nothing left unhandled', async () => {
    const server = await timed((_req, res) => {
      openStream(res);
      res.end('data: once\n\n');
    });
    const bug = new Error('bug in onRetry');
    const es = track(
      new EventSource(server.url, {
        retryDelay: 5,
        onRetry: () => {
          throw bug;
        },
      }),
    );
    const errors: EventSourceError[] = [];
    es.addEventListener('error', (event) => errors.push(event.error));
    expect(await record(es).until(4)).toEqual(['open', 'message:once:', 'error:0', 'error:2']);
    expect(errors[1]).toMatchObject({ code: 'INVALID_RESPONSE', cause: bug });
    await sleep(50);
    expect(server.times).toHaveLength(1);
  });
});
