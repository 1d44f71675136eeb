import { createNodeSSE } from '@sse/node';
import { describe, expect, it } from 'vitest';
import { EventSource, type EventSourceErrorEvent } from '../src/index';
import { lifecycle, openStream, record, send, sleep, startServer } from './helpers';

/** Small reconnection times keep the suite quick; only lower bounds are ever asserted. */
const FAST = { retryDelay: 20 };

const { track, serve, serveSSE } = lifecycle();

describe('EventSource: the spec surface', () => {
  it('exposes the constants on the class and on instances, url and withCredentials', async () => {
    const server = await serveSSE(() => {});
    const es = track(new EventSource(server.url, { withCredentials: true }));
    expect([EventSource.CONNECTING, EventSource.OPEN, EventSource.CLOSED]).toEqual([0, 1, 2]);
    expect([es.CONNECTING, es.OPEN, es.CLOSED]).toEqual([0, 1, 2]);
    expect(es.url).toBe(server.url);
    expect(es.withCredentials).toBe(true);
    expect(es.readyState).toBe(EventSource.CONNECTING);
    expect(new EventSource(new URL('/x?a=1', server.url)).url).toBe(`${server.origin}/x?a=1`);
  });

  it('throws a SyntaxError DOMException for a URL it cannot parse', () => {
    expect(() => new EventSource('http://[bad')).toThrow(
      expect.objectContaining({ name: 'SyntaxError' }),
    );
  });

  it('opens, then delivers messages and named events with data, lastEventId and origin', async () => {
    const server = await serveSSE((session) => {
      session.send({ data: 'one' });
      session.send({ event: 'ping', data: 'two\nlines', id: '7' });
      session.send({ data: 'three' });
    });
    const es = track(new EventSource(server.url));
    const seen = record(es, ['ping']);
    const origins: string[] = [];
    es.addEventListener('message', (e) => origins.push(e.origin));
    expect(await seen.until(4)).toEqual([
      'open',
      'message:one:',
      'ping:two\nlines:7',
      'message:three:7',
    ]);
    expect(es.readyState).toBe(EventSource.OPEN);
    expect(origins).toEqual([server.origin, server.origin]);
  });

  it('sends Accept: text/event-stream, no-cache, and no Last-Event-ID on the first request', async () => {
    const server = await serveSSE(() => {});
    const es = track(new EventSource(server.url));
    await record(es).until(1);
    const { headers, method } = server.requests[0]!;
    expect(method).toBe('GET');
    expect(headers.accept).toBe('text/event-stream');
    // `cache: 'no-store'` makes Node's fetch (and browsers) send this; Deno's and Bun's
    // fetch ignore cache modes (see the README). The mode itself is checked in options.test.ts.
    if (!('Bun' in globalThis || 'Deno' in globalThis)) {
      expect(headers['cache-control']).toBe('no-cache');
    }
    expect(headers['last-event-id']).toBeUndefined();
  });

  it('onopen/onmessage/onerror: setting replaces, null removes', async () => {
    const server = await serveSSE((session) => {
      session.send({ data: 'a' });
      session.send({ data: 'b' });
    });
    const es = track(new EventSource(server.url));
    const calls: string[] = [];
    const first = () => calls.push('first');
    es.onmessage = first;
    expect(es.onmessage).toBe(first);
    es.onmessage = (e) => calls.push(`second:${e.data}`);
    es.onopen = () => calls.push('open');
    es.onerror = () => calls.push('error');
    es.onerror = null;
    expect(es.onerror).toBeNull();
    const seen = record(es);
    await seen.until(3);
    expect(calls).toEqual(['open', 'second:a', 'second:b']);
    es.onmessage = null;
    expect(es.onmessage).toBeNull();
  });

  it('handler attributes keep their listener place when replaced, move to the end when set again after null', () => {
    const es = track(
      new EventSource('http://127.0.0.1:1/', { fetch: () => new Promise(() => {}) }),
    );
    const calls: string[] = [];
    const fire = () => {
      calls.length = 0;
      es.dispatchEvent(new MessageEvent('message', { data: 'x' }));
      return [...calls];
    };
    es.onmessage = () => calls.push('handler 1');
    es.addEventListener('message', () => calls.push('listener'));
    es.onmessage = function (this: EventSource) {
      calls.push(this === es ? 'handler 2' : 'wrong this');
    };
    expect(fire()).toEqual(['handler 2', 'listener']);
    es.onmessage = null;
    expect(fire()).toEqual(['listener']);
    es.onmessage = () => calls.push('handler 3');
    expect(fire()).toEqual(['listener', 'handler 3']);
    // A value that is not a function counts as null (the IDL's EventHandler conversion).
    (es as { onmessage: unknown }).onmessage = { handleEvent: () => calls.push('object') };
    expect(es.onmessage).toBeNull();
    expect(fire()).toEqual(['listener']);
    // A handler of one type never sees another type's events, though they share a listener.
    es.onopen = () => calls.push('open handler');
    expect(fire()).toEqual(['listener']);
  });

  it('reconnects after the server closes, and the adapter reads the Last-Event-ID it sends', async () => {
    const resumedFrom: string[] = [];
    const server = await serveSSE((session, _seen, i) => {
      resumedFrom.push(session.lastEventId);
      session.send({ id: `e${i}`, data: `event ${i}` });
      if (i < 2) session.close();
    });
    const es = track(new EventSource(server.url, FAST));
    const seen = record(es);
    expect(await seen.until(8)).toEqual([
      'open',
      'message:event 0:e0',
      'error:0',
      'open',
      'message:event 1:e1',
      'error:0',
      'open',
      'message:event 2:e2',
    ]);
    expect(resumedFrom).toEqual(['', 'e0', 'e1']);
  });

  it('keeps the last event ID as the spec says (id-only blocks, NUL, unterminated), firing error with readyState CONNECTING first', async () => {
    const server = await serve((_req, res, _seen, i) => {
      openStream(res);
      if (i === 0) {
        send(res, { id: '1', data: 'a' }, { id: '2' }); // an id-only block still updates it
        res.write('id: bad\0id\ndata: b\n\n'); // an id with NULL is ignored
        res.end('id: 3\ndata: unterminated'); // discarded with its id
      } else send(res, { data: 'again' });
    });
    const es = track(new EventSource(server.url, FAST));
    const seen = record(es);
    expect(await seen.until(6)).toEqual([
      'open',
      'message:a:1',
      'message:b:2',
      'error:0',
      'open',
      'message:again:2',
    ]);
    expect(server.requests[1]!.headers['last-event-id']).toBe('2');
    expect(server.requests[1]!.path).toBe('/');
  });

  it('reconnects after a network error (reset mid-body and refused connection)', async () => {
    const server = await serve((req, res, _seen, i) => {
      if (i === 0) {
        openStream(res);
        send(res, { id: 'x', data: 'before reset' });
        setTimeout(() => req.socket.destroy(), 20);
      } else {
        openStream(res);
        send(res, { data: 'after' });
      }
    });
    const es = track(new EventSource(server.url, FAST));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e as EventSourceErrorEvent));
    const seen = record(es);
    expect(await seen.until(5)).toEqual([
      'open',
      'message:before reset:x',
      'error:0',
      'open',
      'message:after:x',
    ]);
    expect(errors[0]!.error.code).toBe('NETWORK');
    expect(server.requests[1]!.headers['last-event-id']).toBe('x');

    const refused = await startServer(() => {});
    const dead = refused.url;
    await refused.close();
    const es2 = track(new EventSource(dead, FAST));
    const seen2 = record(es2);
    expect(await seen2.until(2)).toEqual(['error:0', 'error:0']);
  });

  it('honours retry: as the reconnection time (lower bound)', async () => {
    let endedAt = 0;
    const server = await serveSSE((session, _seen, i) => {
      if (i === 0) {
        session.send({ retry: 300, data: 'slow down' });
        endedAt = Date.now();
        session.close();
      } else session.send({ data: 'back' });
    });
    const delays: number[] = [];
    const es = track(new EventSource(server.url, { onRetry: (r) => delays.push(r.delay) }));
    await record(es).until(5);
    const gap = Date.now() - endedAt;
    expect(delays).toEqual([300]);
    expect(gap).toBeGreaterThanOrEqual(300);
  });

  it.each([
    [204, 'HTTP_STATUS'],
    [404, 'HTTP_STATUS'],
    [500, 'HTTP_STATUS'],
  ])('fails for good on status %i: CLOSED, one error, no retry', async (status, code) => {
    const server = await serve((_req, res) => {
      res.writeHead(status, { 'content-type': 'text/event-stream' });
      res.end(status === 204 ? undefined : 'data: ignored\n\n');
    });
    const es = track(new EventSource(server.url, FAST));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e as EventSourceErrorEvent));
    const seen = record(es);
    expect(await seen.until(1)).toEqual(['error:2']);
    await sleep(200);
    expect(seen.log).toEqual(['error:2']);
    expect(server.requests).toHaveLength(1);
    expect(errors[0]!.error).toMatchObject({ code, status });
    expect(errors[0]!.error.response?.status).toBe(status);
    expect(errors[0]!.message).toContain(String(status));
  });

  it.each(['text/plain', 'application/json', 'text/event-streams', ''])(
    'fails for good on content type %j',
    async (type) => {
      const server = await serve((_req, res) => {
        res.writeHead(200, type ? { 'content-type': type } : {});
        res.end('data: x\n\n');
      });
      const es = track(new EventSource(server.url, FAST));
      const errors: EventSourceErrorEvent[] = [];
      es.addEventListener('error', (e) => errors.push(e as EventSourceErrorEvent));
      const seen = record(es);
      expect(await seen.until(1)).toEqual(['error:2']);
      await sleep(200);
      expect(seen.log).toEqual(['error:2']);
      expect(errors[0]!.error.code).toBe('CONTENT_TYPE');
    },
  );

  it.each(['text/event-stream; charset=utf-8', 'text/event-stream;', 'Text/Event-Stream'])(
    'opens with content type %j',
    async (type) => {
      const server = await serve((_req, res) => {
        openStream(res, type); // raw: the adapter always sends the canonical type
        send(res, { data: 'ok' });
      });
      const es = track(new EventSource(server.url));
      expect(await record(es).until(2)).toEqual(['open', 'message:ok:']);
    },
  );

  it.each([301, 302, 307, 308])(
    'follows a %i redirect, and reconnects to the original URL',
    async (status) => {
      const sse = createNodeSSE({ heartbeat: false });
      const server = await serve((req, res, _seen, i) => {
        if (req.url === '/start') {
          res.writeHead(status, { location: '/stream' });
          res.end();
          return;
        }
        const session = sse(req, res);
        session?.send({ id: String(i), data: `at ${req.url}` });
        session?.close();
      });
      const es = track(new EventSource(`${server.origin}/start`, FAST));
      const seen = record(es);
      expect(await seen.until(5)).toEqual([
        'open',
        'message:at /stream:1',
        'error:0',
        'open',
        'message:at /stream:3',
      ]);
      expect(server.requests.map((r) => r.path)).toEqual([
        '/start',
        '/stream',
        '/start',
        '/stream',
      ]);
      expect(server.requests[2]!.headers['last-event-id']).toBe('1');
      expect(es.url).toBe(`${server.origin}/start`);
    },
  );
});

describe('EventSource: close() wins every race', () => {
  it('during connect: no event, and the request is aborted', async () => {
    let aborted!: () => void;
    const gone = new Promise<void>((r) => (aborted = r));
    const server = await serve((req, res) => {
      req.socket.on('close', aborted);
      setTimeout(() => {
        if (!res.destroyed) openStream(res);
      }, 100);
    });
    const es = track(new EventSource(server.url, FAST));
    const seen = record(es);
    await server.waitForRequests(1);
    es.close();
    expect(es.readyState).toBe(EventSource.CLOSED);
    await gone;
    await sleep(150);
    expect(seen.log).toEqual([]);
    expect(server.requests).toHaveLength(1);
  });

  it('before the first fetch: nothing is requested', async () => {
    const server = await serve((_req, res) => openStream(res));
    const es = new EventSource(server.url);
    es.close();
    await sleep(100);
    expect(server.requests).toHaveLength(0);
  });

  it('during backoff (and from inside onerror): no reconnect, no fetch', async () => {
    const server = await serve((_req, res) => {
      openStream(res);
      res.end();
    });
    const es = track(new EventSource(server.url, { retryDelay: 50 }));
    const seen = record(es);
    await seen.until(2);
    es.close();
    await sleep(250);
    expect(seen.log).toEqual(['open', 'error:0']);
    expect(server.requests).toHaveLength(1);

    const es2 = track(new EventSource(server.url, { retryDelay: 10 }));
    es2.onerror = () => es2.close();
    const seen2 = record(es2);
    await seen2.until(2);
    await sleep(150);
    expect(seen2.log).toEqual(['open', 'error:2']);
    expect(server.requests).toHaveLength(2);
  });

  it('while open: the body is cancelled and nothing more is dispatched', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const server = await serve((req, res) => {
      req.socket.on('close', closed);
      openStream(res);
      const timer = setInterval(() => send(res, { data: 'tick' }), 10);
      res.on('close', () => clearInterval(timer));
    });
    const es = track(new EventSource(server.url));
    const seen = record(es);
    es.onmessage = () => es.close();
    await seen.until(2);
    await gone;
    await sleep(50);
    expect(seen.log).toEqual(['open', 'message:tick:']);
  });
});
