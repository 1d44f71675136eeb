// The client's spec cases in a file with no Node built-ins, so that the SAME file runs under
// vitest (Node, Bun, Deno) and, bundled, inside workerd and a Chromium page (see
// scripts/matrix/README.md). The server is scripts/matrix/client-test-server.mjs, started
// outside the runtime under test; this file only learns its URL (`serverUrl` below).
import { afterEach, describe, expect, it } from 'vitest';
import {
  EventSource,
  EventSourceError,
  type EventSourceErrorEvent,
  type EventSourceOptions,
  events,
} from '../src/index';

/**
 * The test server's base URL: a global set by the matrix runners (workerd, Chromium), else
 * `SSE_TEST_SERVER` (set by the client project's vitest globalSetup) where `process` exists.
 */
function serverUrl(): string {
  const g = globalThis as {
    __SSE_TEST_SERVER__?: string;
    process?: { env: Record<string, string | undefined> };
  };
  const url = g.__SSE_TEST_SERVER__ ?? g.process?.env.SSE_TEST_SERVER;
  if (!url) {
    throw new Error(
      'No test server: set globalThis.__SSE_TEST_SERVER__ or SSE_TEST_SERVER ' +
        '(node scripts/matrix/client-test-server.mjs prints one)',
    );
  }
  return url;
}

const at = (path: string) => `${serverUrl()}${path}`;

/** Small reconnection times keep the suite quick; only lower bounds are ever asserted. */
const FAST = { retryDelay: 20 };

/** Resolves after `ms` (used only to give a wrong behaviour the chance to show). */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const open: EventSource[] = [];
afterEach(() => {
  for (const es of open.splice(0)) es.close();
});

/** An EventSource closed after the test, whatever happens. */
function source(path: string, options: EventSourceOptions = {}): EventSource {
  const es = new EventSource(at(path), options);
  open.push(es);
  return es;
}

/** A `fetch` that counts its calls, to see retries from the client's side. */
function countingFetch(): { calls: number; fetch: NonNullable<EventSourceOptions['fetch']> } {
  const counter = {
    calls: 0,
    fetch: (input: string, init: RequestInit) => {
      counter.calls += 1;
      return fetch(input, init);
    },
  };
  return counter;
}

/**
 * Records what a source fires as short strings (`open`, `type:data`, `error:readyState`),
 * the `lastEventId` and `origin` of each message event, and lets a test wait for a count.
 */
function record(es: EventSource, types: string[] = []) {
  const log: string[] = [];
  const ids: string[] = [];
  const origins: string[] = [];
  const errors: EventSourceErrorEvent[] = [];
  const waiters: Array<() => void> = [];
  const push = (entry: string) => {
    log.push(entry);
    for (const wake of waiters.splice(0)) wake();
  };
  es.addEventListener('open', () => push('open'));
  es.addEventListener('error', (e) => {
    errors.push(e as EventSourceErrorEvent);
    push(`error:${es.readyState}`);
  });
  for (const type of ['message', ...types]) {
    es.addEventListener(type, (event) => {
      const { data, lastEventId, origin } = event as MessageEvent;
      ids.push(lastEventId);
      origins.push(origin);
      push(`${type}:${data}`);
    });
  }
  return {
    log,
    ids,
    origins,
    errors,
    async until(count: number) {
      while (log.length < count) await new Promise<void>((r) => waiters.push(r));
      return log.slice(0, count);
    },
  };
}

describe('portable: the spec cases against a real server, in every runtime', () => {
  it('opens, then delivers messages and named events with their data', async () => {
    const es = source('/stream');
    const seen = record(es, ['ping']);
    expect(await seen.until(4)).toEqual([
      'open',
      'message:one',
      'ping:two\nlines',
      'message:three',
    ]);
    expect(es.readyState).toBe(EventSource.OPEN);
  });

  // Also in workerd, whose own MessageEvent drops lastEventId and origin from its init
  // dictionary: the client sets them on the event there.
  it('message events carry lastEventId and origin', async () => {
    const es = source('/stream');
    const seen = record(es, ['ping']);
    await seen.until(4);
    expect(seen.ids).toEqual(['', '7', '7']);
    const { origin } = new URL(serverUrl());
    expect(seen.origins).toEqual([origin, origin, origin]);
  });

  it('keeps the last event ID; id-only blocks set it, empty id resets it, an id with NUL is ignored', async () => {
    const es = source('/ids');
    const seen = record(es);
    await seen.until(6);
    expect(seen.ids).toEqual(['1', '1', '2', '', '']);
  });

  it('events(): the last event ID persists, id-only blocks set it, empty id resets it, NUL ids are ignored', async () => {
    const seen: string[] = [];
    for await (const event of events(at('/ids'), FAST)) {
      seen.push(`${event.data}:${event.lastEventId}`);
      if (seen.length === 5) break;
    }
    expect(seen).toEqual(['a:1', 'b:1', 'c:2', 'd:', 'e:']);
  });

  it('reconnects after a clean end, firing error while CONNECTING, and sends Last-Event-ID', async () => {
    const counter = countingFetch();
    const es = source('/reconnect', { ...FAST, fetch: counter.fetch });
    const seen = record(es);
    expect(await seen.until(5)).toEqual([
      'open',
      'message:first',
      `error:${EventSource.CONNECTING}`,
      'open',
      'message:last-event-id=42', // what the server received as Last-Event-ID
    ]);
    expect(seen.errors[0]!.error.code).toBe('NETWORK');
    expect(counter.calls).toBe(2);
  });

  it('honours retry: from the server (waits at least that long before reconnecting)', async () => {
    const retry = 300;
    // random: () => 0 pins the jitter to its lower end, which is the reconnection time.
    const es = source(`/reconnect?retry=${retry}`, { retryDelay: 10, random: () => 0 });
    let endedAt = 0;
    let reopenedAt = 0;
    es.addEventListener('error', () => {
      endedAt = Date.now();
    });
    const seen = record(es);
    es.addEventListener('open', () => {
      if (endedAt) reopenedAt = Date.now();
    });
    await seen.until(5);
    // A lower bound only (the spec's "wait the reconnection time"); no upper timing bound.
    // A few ms of slack for clocks that tick coarsely (timer and clock rounding).
    expect(reopenedAt - endedAt).toBeGreaterThanOrEqual(retry - 5);
  });

  it('fails for good on 204: CLOSED, one error, no retry', async () => {
    const counter = countingFetch();
    const es = source('/status?code=204', { ...FAST, fetch: counter.fetch });
    const seen = record(es);
    expect(await seen.until(1)).toEqual([`error:${EventSource.CLOSED}`]);
    expect(seen.errors[0]!.error).toBeInstanceOf(EventSourceError);
    expect(seen.errors[0]!.error.status).toBe(204);
    await sleep(FAST.retryDelay * 10); // a retry, if one were scheduled, would have happened
    expect(counter.calls).toBe(1);
    expect(seen.log).toHaveLength(1);
    expect(es.readyState).toBe(EventSource.CLOSED);
  });

  it('fails for good on 404, with the status', async () => {
    const counter = countingFetch();
    const es = source('/status?code=404', { ...FAST, fetch: counter.fetch });
    const seen = record(es);
    expect(await seen.until(1)).toEqual([`error:${EventSource.CLOSED}`]);
    expect(seen.errors[0]!.error.code).toBe('HTTP_STATUS');
    expect(seen.errors[0]!.error.status).toBe(404);
    await sleep(FAST.retryDelay * 10);
    expect(counter.calls).toBe(1);
    expect(seen.log).toHaveLength(1);
  });

  it('fails for good on a wrong content type; accepts parameters on the right one', async () => {
    const counter = countingFetch();
    const es = source('/type?ct=text/plain', { ...FAST, fetch: counter.fetch });
    const seen = record(es);
    expect(await seen.until(1)).toEqual([`error:${EventSource.CLOSED}`]);
    expect(seen.errors[0]!.error.code).toBe('CONTENT_TYPE');
    await sleep(FAST.retryDelay * 10);
    expect(counter.calls).toBe(1);

    const ok = source(`/type?ct=${encodeURIComponent('text/event-stream;charset=utf-8;')}`, FAST);
    expect(await record(ok).until(2)).toEqual(['open', 'message:x']);
  });

  it('close() during the backoff wait: no reconnect, no more events', async () => {
    const counter = countingFetch();
    const es = source('/reconnect?retry=100', { ...FAST, fetch: counter.fetch });
    const seen = record(es);
    es.addEventListener('error', () => es.close());
    await seen.until(3);
    expect(es.readyState).toBe(EventSource.CLOSED);
    await sleep(500); // well past the 100 ms reconnection time
    expect(counter.calls).toBe(1);
    // The error fired while CONNECTING (a retry was scheduled); close() cancelled it.
    expect(seen.log).toEqual(['open', 'message:first', `error:${EventSource.CONNECTING}`]);
  });

  it('events(): async iteration over a stream, ending with a one-shot response', async () => {
    const seen: string[] = [];
    for await (const event of events(at('/finite?n=3'), { ...FAST, oneShot: true })) {
      seen.push(`${event.data}:${event.lastEventId}`);
    }
    expect(seen).toEqual(['e1:1', 'e2:2', 'e3:3']);
  });

  it('events(): break closes the connection', async () => {
    const counter = countingFetch();
    const seen: string[] = [];
    for await (const event of events(at('/stream'), { ...FAST, fetch: counter.fetch })) {
      seen.push(event.data);
      if (seen.length === 2) break;
    }
    expect(seen).toEqual(['one', 'two\nlines']);
    await sleep(100);
    expect(counter.calls).toBe(1);
  });

  it('events(): a final error is thrown from the loop', async () => {
    const error = await (async () => {
      for await (const _ of events(at('/status?code=404'), FAST)) {
        // no events: the first response fails
      }
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EventSourceError);
    expect((error as EventSourceError).status).toBe(404);
  });

  it('one-shot POST: the body is sent and echoed back, then the stream ends', async () => {
    const counter = countingFetch();
    const seen: string[] = [];
    for await (const event of events(at('/echo'), {
      method: 'POST',
      body: JSON.stringify({ prompt: 'hi' }),
      headers: { 'content-type': 'application/json' },
      oneShot: true,
      fetch: counter.fetch,
    })) {
      seen.push(`${event.type}:${event.data}`);
    }
    expect(seen).toEqual(['echo:POST application/json {"prompt":"hi"}']);
    expect(counter.calls).toBe(1);
  });

  it('calls a headers function before every attempt', async () => {
    const contexts: Array<{ attempt: number; lastEventId: string }> = [];
    const counter = countingFetch();
    const es = source('/headers', {
      ...FAST,
      fetch: counter.fetch,
      headers: (context) => {
        contexts.push(context);
        return { 'x-n': String(contexts.length - 1) };
      },
    });
    const messages: string[] = [];
    const three = new Promise<void>((resolve) => {
      es.addEventListener('message', (e) => {
        if (messages.push(e.data) === 3) resolve();
      });
    });
    await three;
    es.close();
    expect(messages).toEqual(['x-n=0', 'x-n=1', 'x-n=2']);
    expect(contexts.length).toBe(counter.calls);
    expect(contexts[0]).toEqual({ attempt: 0, lastEventId: '' });
  });
});
