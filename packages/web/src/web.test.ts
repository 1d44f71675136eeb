// Runs in every runtime of the matrix (no Node imports): the adapter is driven with
// plain `Request`s and its `Response` body is read like a runtime would read it.
import { isSSEError } from '@sse/core';
import { type ServerSession, type SessionOptions, serverCounters } from '@sse/server';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAllReleased, StreamReader, until } from '../../server/test/support';
import { createWebSSE } from './index';

function opened(options: SessionOptions = {}, init: RequestInit = {}, url = 'http://x/events') {
  const sse = createWebSSE({ heartbeat: false, ...options });
  const { response, session } = sse.open(new Request(url, init));
  return { sse, response, session: session!, reader: () => new StreamReader(response.body!) };
}

afterEach(async () => {
  await until(() => serverCounters().sessions === 0);
  expectAllReleased();
});

describe('@sse/web', () => {
  it('answers with the SSE headers (no Connection header) and a pull-based body', async () => {
    const { response, session, reader } = opened({ retry: 500 });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('connection')).toBeNull();
    expect(response.headers.get('transfer-encoding')).toBeNull();
    const r = reader();
    expect(await r.next('retry')).toEqual({ kind: 'retry', ms: 500 });
    session.send({ data: 'one', id: '1' });
    expect(await r.nextEvent()).toMatchObject({ data: 'one', lastEventId: '1' });
    session.close();
    await r.ended;
  });

  it('sends one encoded frame to many sessions unchanged (encode once, write N)', async () => {
    const sse = createWebSSE({ heartbeat: false });
    const frame = new TextEncoder().encode('id: 1\ndata: shared\n\n');
    const opened = [0, 1, 2].map(() => sse.open(new Request('http://x/')));
    const readers = opened.map((o) => new StreamReader(o.response.body!));
    for (const o of opened) o.session!.sendEncoded(frame);
    for (const r of readers) expect(await r.nextEvent()).toMatchObject({ data: 'shared', id: '1' });
    for (const o of opened) o.session!.close();
    await Promise.all(readers.map((r) => r.ended));
  });

  it('calls the handler with the session and streams what it sends', async () => {
    const sse = createWebSSE({ heartbeat: false });
    const response = sse(new Request('http://x/'), async (session) => {
      session.send({ event: 'a', data: '1' });
      await Promise.resolve();
      session.send({ event: 'b', data: '2' });
      session.close();
    });
    const r = new StreamReader(response.body!);
    await r.ended;
    expect(r.events().map((e) => `${e.type}:${e.data}`)).toEqual(['a:1', 'b:2']);
  });

  it('ends the session with reason error when the handler rejects', async () => {
    const sse = createWebSSE({ heartbeat: false });
    let seen: ServerSession | undefined;
    const boom = new Error('boom');
    const response = sse(new Request('http://x/'), async (session) => {
      seen = session;
      throw boom;
    });
    const r = new StreamReader(response.body!);
    await r.ended;
    await seen!.closed;
    expect(seen!.endReason).toBe('error');
    expect(isSSEError(seen!.signal.reason, 'WRITE_FAILED')).toBe(true);
    expect((seen!.signal.reason as Error).cause).toBe(boom);
  });

  it("errors the body with the session's end reason, also when the app had read session.signal", async () => {
    const sse = createWebSSE({ heartbeat: false });
    let seen: ServerSession | undefined;
    const boom = new Error('boom');
    const response = sse(new Request('http://x/'), async (session) => {
      seen = session;
      session.signal.addEventListener('abort', () => {}); // handlers commonly pass it on
      throw boom;
    });
    const reader = response.body!.getReader();
    let error: unknown;
    try {
      while (!(await reader.read()).done);
    } catch (e) {
      error = e;
    }
    expect(isSSEError(error, 'WRITE_FAILED')).toBe(true);
    expect((error as Error).cause).toBe(boom);
    expect(error).toBe(seen!.signal.reason);
  });

  it('reads Last-Event-ID from the header or the lastEventId query parameter', async () => {
    const a = opened({}, { headers: { 'Last-Event-ID': '17' } });
    expect(a.session.lastEventId).toBe('17');
    const b = opened({}, {}, 'http://x/events?lastEventId=18');
    expect(b.session.lastEventId).toBe('18');
    a.session.close();
    b.session.close();
  });

  it('never writes before the body is read: early sends wait in the bounded queue', async () => {
    const { session, reader } = opened();
    for (let i = 0; i < 100; i++) session.send({ data: `early ${i}` });
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(session.queuedBytes).toBeGreaterThan(0);
    expect(session.isOpen).toBe(true);
    const r = reader();
    await until(() => r.events().length === 100);
    expect(session.queuedBytes).toBe(0);
    session.close();
    await r.ended;
  });

  it('ends on request.signal and on body cancel, once each', async () => {
    const controller = new AbortController();
    const a = opened({}, { signal: controller.signal });
    let aborts = 0;
    a.session.signal.addEventListener('abort', () => aborts++);
    controller.abort();
    await a.session.closed;
    expect(a.session.endReason).toBe('peer');

    const b = opened();
    b.session.signal.addEventListener('abort', () => aborts++);
    const r = b.reader();
    await r.next('comment');
    await r.cancel();
    await b.session.closed;
    expect(b.session.endReason).toBe('peer');
    expect(aborts).toBe(2);
  });

  it('ends gracefully on a linked shutdown signal', async () => {
    const sse = createWebSSE({ heartbeat: false });
    const shutdown = new AbortController();
    const { response, session } = sse.open(new Request('http://x/'), { signal: shutdown.signal });
    const r = new StreamReader(response.body!);
    await r.next('comment');
    shutdown.abort();
    await r.ended;
    expect(session!.endReason).toBe('closed');
  });

  it("switches off Bun's idle timeout through the server object", () => {
    const sse = createWebSSE({ heartbeat: false });
    const calls: [Request, number][] = [];
    const request = new Request('http://x/');
    const { session } = sse.open(request, {
      server: { timeout: (req: Request, seconds: number) => calls.push([req, seconds]) },
    });
    expect(calls).toEqual([[request, 0]]);
    session!.close();
  });

  it('disconnects a consumer that stops reading, within the queue limit', async () => {
    const { session, reader } = opened({ maxQueueBytes: 4096 });
    const r = reader();
    await r.next('comment');
    // The reader keeps reading in the background; a stalled one is simulated by not
    // pulling: a second response whose body nobody reads.
    const stalled = opened({ maxQueueBytes: 4096 });
    const big = 'y'.repeat(1000);
    for (let i = 0; i < 10; i++) {
      if (stalled.session.isOpen) stalled.session.send({ data: big });
      session.send({ data: String(i) });
      expect(stalled.session.queuedBytes).toBeLessThanOrEqual(4096);
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
    expect(stalled.session.endReason).toBe('slow');
    await until(() => r.events().length === 10);
    session.close();
    await r.ended;
  });

  it("ends a slow client's body without an error when the host's connection is known, and drops that connection", async () => {
    const sse = createWebSSE({ heartbeat: false, maxQueueBytes: 1024 });
    let destroyed = 0;
    // What @hono/node-server passes as a fetch handler's second argument.
    const host = { incoming: {}, outgoing: { destroy: () => destroyed++ } };
    const quiet = sse.open(new Request('http://x/'), { server: host });
    const loud = sse.open(new Request('http://x/'));
    // Nobody reads either body: the queues fill and the policy ends both sessions.
    for (const { session } of [quiet, loud]) {
      while (session!.isOpen) session!.send({ data: 'y'.repeat(500) });
      expect(session!.endReason).toBe('slow');
    }
    expect(destroyed).toBe(1);
    // A closed body: nothing a runtime would log as a failed response.
    expect(await quiet.response.body!.getReader().read()).toEqual({ done: true, value: undefined });
    // Without a connection handle, an errored body is what makes the runtime drop it.
    const error = await loud.response
      .body!.getReader()
      .read()
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isSSEError(error, 'QUEUE_FULL')).toBe(true);
  });

  it('keeps a real failure visible as an errored body, also when the connection is known', async () => {
    const sse = createWebSSE({ heartbeat: false });
    let destroyed = 0;
    const host = { incoming: {}, outgoing: { destroy: () => destroyed++ } };
    const response = sse(
      new Request('http://x/'),
      async () => {
        throw new Error('boom');
      },
      { server: host },
    );
    const reader = response.body!.getReader();
    let error: unknown;
    try {
      while (!(await reader.read()).done);
    } catch (e) {
      error = e;
    }
    expect(isSSEError(error, 'WRITE_FAILED')).toBe(true);
    expect(destroyed).toBe(0);
  });

  it('answers 503 past maxSessions and CORS preflights', async () => {
    const sse = createWebSSE({
      heartbeat: false,
      maxSessions: 1,
      cors: { origins: ['https://app.example'] },
    });
    const first = sse.open(new Request('http://x/'));
    const busy = sse(new Request('http://x/'));
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    const preflight = sse(
      new Request('http://x/', {
        method: 'OPTIONS',
        headers: { Origin: 'https://app.example', 'Access-Control-Request-Method': 'GET' },
      }),
    );
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
    first.session!.close();
  });

  it('sends heartbeats while idle', async () => {
    const { session, reader } = opened({ heartbeat: 20 });
    const r = reader();
    await r.next('comment');
    await r.next('comment');
    await r.next('comment');
    session.close();
    await r.ended;
  });
});
