import { createNodeSSE } from '@sse/node';
import { describe, expect, it } from 'vitest';
import {
  backoffDelay,
  EventSource,
  type EventSourceErrorEvent,
  parseRetryAfter,
  type RetryInfo,
} from '../src/index';
import { lifecycle, record, sleep } from './helpers';

const { track, serve, serveSSE } = lifecycle();

/** A server whose every stream closes at once, without an event: each attempt fails. */
const flapping = () => serveSSE((session) => session.close());

/** Collects onRetry calls and resolves once `count` have been seen. */
function retries() {
  const seen: RetryInfo[] = [];
  const waiters: Array<() => void> = [];
  return {
    seen,
    onRetry(info: RetryInfo) {
      seen.push(info);
      for (const wake of waiters.splice(0)) wake();
    },
    async until(count: number) {
      while (seen.length < count) await new Promise<void>((r) => waiters.push(r));
      return seen.slice(0, count);
    },
  };
}

describe('backoffDelay', () => {
  it('starts at the reconnection time, doubles the upper bound, and caps it', () => {
    const top = [1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, 100, 700, () => 1));
    expect(top).toEqual([100, 200, 400, 700, 700, 700]);
    const bottom = [1, 2, 3, 4].map((n) => backoffDelay(n, 100, 700, () => 0));
    expect(bottom).toEqual([100, 100, 100, 100]);
  });

  it('stays within [reconnection time, min(cap, time * 2^(n-1))] with real randomness', () => {
    for (let n = 1; n <= 12; n++) {
      for (let i = 0; i < 200; i++) {
        const d = backoffDelay(n, 50, 5000, Math.random);
        expect(d).toBeGreaterThanOrEqual(50);
        expect(d).toBeLessThanOrEqual(Math.min(5000, 50 * 2 ** (n - 1)));
      }
    }
  });

  it('never goes below a reconnection time that is above the cap', () => {
    expect(backoffDelay(5, 900, 100, () => 0.5)).toBe(900);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates, and ignores garbage', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter(' 0 ')).toBe(0);
    const now = Date.parse('Mon, 23 Nov 2026 10:00:00 GMT');
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', now)).toBe(5000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon')).toBe(0);
    expect(parseRetryAfter('-3')).toBe(0);
    expect(parseRetryAfter(null)).toBe(0);
  });
});

describe('EventSource: retry policy', () => {
  it('backs off exponentially to the cap (jitter pinned high by an injected random)', async () => {
    const server = await flapping();
    const hook = retries();
    track(
      new EventSource(server.url, {
        retryDelay: 5,
        maxRetryDelay: 40,
        random: () => 0.999999,
        onRetry: hook.onRetry,
      }),
    );
    const seen = await hook.until(6);
    expect(seen.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(seen.map((r) => r.delay)).toEqual([5, 10, 20, 40, 40, 40]);
    expect(seen.every((r) => r.reason.code === 'NETWORK')).toBe(true);
  });

  it('keeps every jittered delay within its bounds', async () => {
    const server = await flapping();
    const hook = retries();
    track(new EventSource(server.url, { retryDelay: 5, maxRetryDelay: 60, onRetry: hook.onRetry }));
    const seen = await hook.until(6);
    seen.forEach((r, i) => {
      expect(r.delay).toBeGreaterThanOrEqual(5);
      expect(r.delay).toBeLessThanOrEqual(Math.min(60, 5 * 2 ** i));
    });
  });

  it('resets the backoff after a healthy connection (one that delivered an event)', async () => {
    const server = await serveSSE((session, _seen, i) => {
      if (i === 3) session.send({ data: 'healthy' });
      session.close();
    });
    const hook = retries();
    track(
      new EventSource(server.url, { retryDelay: 5, random: () => 0.999999, onRetry: hook.onRetry }),
    );
    const seen = await hook.until(5);
    expect(seen.map((r) => [r.attempt, r.delay])).toEqual([
      [1, 5],
      [2, 10],
      [3, 20],
      [1, 5],
      [2, 10],
    ]);
  });

  it('caps the reconnection time a server sets with retry:', async () => {
    const server = await serveSSE((session) => {
      session.send({ retry: 10_000_000, data: 'x' });
      session.close();
    });
    const hook = retries();
    const es = track(new EventSource(server.url, { maxServerRetry: 30, onRetry: hook.onRetry }));
    const [first] = await hook.until(1);
    expect(first!.delay).toBe(30);
    es.close();
  });

  it('closes with MAX_ATTEMPTS after maxAttempts failed attempts: transient errors, then one final', async () => {
    const server = await flapping();
    const es = track(new EventSource(server.url, { retryDelay: 5, maxAttempts: 3 }));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    const seen = record(es);
    expect(await seen.until(6)).toEqual(['open', 'error:0', 'open', 'error:0', 'open', 'error:2']);
    await sleep(100);
    expect(server.requests).toHaveLength(3);
    expect(seen.log).toHaveLength(6);
    const last = errors.at(-1)!.error;
    expect(last.code).toBe('MAX_ATTEMPTS');
    expect((last.cause as { code: string }).code).toBe('NETWORK');
  });

  it('keeps 4xx fatal even with retryOnStatus', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(403);
      res.end();
    });
    const es = track(new EventSource(server.url, { retryDelay: 5, retryOnStatus: true }));
    const seen = record(es);
    expect(await seen.until(1)).toEqual(['error:2']);
    await sleep(100);
    expect(server.requests).toHaveLength(1);
  });

  it.each([503, 429])(
    'retries %i with retryOnStatus, honouring Retry-After, then opens',
    async (status) => {
      let failedAt = 0;
      const sse = createNodeSSE({ heartbeat: false });
      const server = await serve((req, res, _seen, i) => {
        if (i === 0) {
          res.writeHead(status, { 'retry-after': '1' });
          res.end();
          failedAt = Date.now();
          return;
        }
        sse(req, res)?.send({ data: 'recovered' });
      });
      const hook = retries();
      const es = track(
        new EventSource(server.url, { retryDelay: 5, retryOnStatus: true, onRetry: hook.onRetry }),
      );
      const errors: EventSourceErrorEvent[] = [];
      es.addEventListener('error', (e) => errors.push(e));
      expect(await record(es).until(3)).toEqual(['error:0', 'open', 'message:recovered:']);
      expect(Date.now() - failedAt).toBeGreaterThanOrEqual(1000);
      expect(hook.seen[0]!.delay).toBe(1000);
      expect(errors[0]!.error).toMatchObject({ code: 'HTTP_STATUS', status });
    },
  );

  it('lets a function decide which statuses to retry', async () => {
    const sse = createNodeSSE({ heartbeat: false });
    const server = await serve((req, res, _seen, i) => {
      if (i === 0) {
        res.writeHead(409);
        res.end();
        return;
      }
      sse(req, res)?.send({ data: 'ok' });
    });
    const es = track(
      new EventSource(server.url, { retryDelay: 5, retryOnStatus: (s) => s === 409 }),
    );
    expect(await record(es).until(3)).toEqual(['error:0', 'open', 'message:ok:']);
  });

  it('with retryOnStatus, a 5xx counts toward maxAttempts', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(502);
      res.end();
    });
    const es = track(
      new EventSource(server.url, { retryDelay: 5, retryOnStatus: true, maxAttempts: 2 }),
    );
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    expect(await record(es).until(2)).toEqual(['error:0', 'error:2']);
    expect(errors[1]!.error).toMatchObject({ code: 'MAX_ATTEMPTS', status: 502 });
  });
});

describe('EventSource: idle timeout', () => {
  it('reconnects when no bytes arrive for idleTimeout ms', async () => {
    const server = await serveSSE((session, _seen, i) => {
      if (i === 0) session.send({ id: 'a', data: 'then silence' });
      else session.send({ data: 'fresh' });
    });
    const es = track(new EventSource(server.url, { retryDelay: 5, idleTimeout: 150 }));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    expect(await record(es).until(5)).toEqual([
      'open',
      'message:then silence:a',
      'error:0',
      'open',
      'message:fresh:a',
    ]);
    expect(errors[0]!.error.code).toBe('IDLE_TIMEOUT');
    expect(server.requests[1]!.headers['last-event-id']).toBe('a');
  });

  it('counts comment heartbeats as life', async () => {
    const server = await serveSSE(() => {}, { heartbeat: 20 });
    const es = track(new EventSource(server.url, { idleTimeout: 2000 }));
    const seen = record(es);
    await seen.until(1);
    await sleep(2500);
    expect(seen.log).toEqual(['open']);
  });

  it('also covers a server that never answers', async () => {
    const server = await serve(() => {});
    const es = track(new EventSource(server.url, { retryDelay: 5, idleTimeout: 100 }));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    await record(es).until(1);
    expect(errors[0]!.error.code).toBe('IDLE_TIMEOUT');
    expect(es.readyState).toBe(EventSource.CONNECTING);
  });
});
