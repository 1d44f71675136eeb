import { describe, expect, it, onTestFinished, vi } from 'vitest';
import {
  EventSource,
  type EventSourceErrorEvent,
  type FetchLike,
  type HeadersContext,
} from '../src/index';
import { lifecycle, openStream, record, send, sleep } from './helpers';

const { track, serve, serveSSE } = lifecycle();

/** Each stream carries one event with id = request index, then ends: every attempt reconnects. */
const numbered = () =>
  serveSSE((session, _seen, i) => {
    session.send({ id: `id-${i}`, data: String(i) });
    session.close();
  });

describe('EventSource: options', () => {
  it('calls a headers function (even async) before every attempt', async () => {
    const server = await numbered();
    const contexts: HeadersContext[] = [];
    let token = 0;
    const es = track(
      new EventSource(server.url, {
        retryDelay: 5,
        headers: async (context) => {
          contexts.push(context);
          await sleep(1);
          token++;
          return { authorization: `Bearer t${token}` };
        },
      }),
    );
    await record(es).until(8);
    es.close();
    expect(server.requests.slice(0, 3).map((r) => r.headers.authorization)).toEqual([
      'Bearer t1',
      'Bearer t2',
      'Bearer t3',
    ]);
    expect(contexts.slice(0, 3)).toEqual([
      { attempt: 0, lastEventId: '' },
      { attempt: 1, lastEventId: 'id-0' },
      { attempt: 1, lastEventId: 'id-1' },
    ]);
  });

  it('sends fixed headers, keeps a caller Accept, and an initial lastEventId from the start', async () => {
    const server = await serveSSE(() => {});
    const es = track(
      new EventSource(server.url, {
        headers: new Headers({ 'x-client': 'test', accept: 'text/event-stream, */*' }),
        lastEventId: 'resume-42',
      }),
    );
    await record(es).until(1);
    const { headers } = server.requests[0]!;
    expect(headers['x-client']).toBe('test');
    expect(headers.accept).toBe('text/event-stream, */*');
    expect(headers['last-event-id']).toBe('resume-42');
  });

  it('POSTs a body, again on every reconnect', async () => {
    const server = await numbered();
    const body = JSON.stringify({ prompt: 'hi' });
    const es = track(
      new EventSource(server.url, {
        retryDelay: 5,
        method: 'POST',
        body,
        headers: { 'content-type': 'application/json' },
      }),
    );
    await record(es).until(5);
    es.close();
    expect(server.requests.slice(0, 2).map((r) => [r.method, r.body])).toEqual([
      ['POST', body],
      ['POST', body],
    ]);
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
  });

  it('uses a custom fetch with the spec request init (credentials from withCredentials)', async () => {
    const server = await serveSSE(() => {});
    const inits: RequestInit[] = [];
    const fetch: FetchLike = (input, init) => {
      inits.push(init);
      return globalThis.fetch(input, init);
    };
    const es = track(new EventSource(server.url, { fetch, withCredentials: true }));
    await record(es).until(1);
    expect(inits[0]).toMatchObject({
      method: 'GET',
      cache: 'no-store',
      credentials: 'include',
      redirect: 'follow',
    });
    const es2 = track(new EventSource(server.url, { fetch, credentials: 'omit' }));
    await record(es2).until(1);
    expect(inits[1]!.credentials).toBe('omit');
    const es3 = track(new EventSource(server.url, { fetch }));
    await record(es3).until(1);
    expect(inits[2]!.credentials).toBe('same-origin');
  });

  it('leaves out cache/credentials where the runtime rejects them (as Workers do), from then on', async () => {
    const server = await serveSSE((session, _seen, i) => {
      session.send({ data: `ok${i}` });
      if (i === 0) session.close();
    });
    // workerd's Request (and so its fetch) throws this TypeError for `cache`; the matrix runs
    // portable.test.ts in real workerd. Here a Request with the same refusal stands in for it.
    const Native = globalThis.Request;
    vi.stubGlobal(
      'Request',
      class extends Native {
        constructor(input: RequestInfo | URL, init?: RequestInit) {
          if (init && 'cache' in init) {
            throw new TypeError(
              "The 'cache' field on 'RequestInitializerDict' is not implemented.",
            );
          }
          super(input, init);
        }
      },
    );
    onTestFinished(() => {
      vi.unstubAllGlobals();
    });
    const inits: RequestInit[] = [];
    const fetch: FetchLike = (input, init) => {
      inits.push(init);
      return globalThis.fetch(input, init);
    };
    const es = track(new EventSource(server.url, { fetch, retryDelay: 5 }));
    expect(await record(es).until(5)).toEqual([
      'open',
      'message:ok0:',
      'error:0',
      'open',
      'message:ok1:',
    ]);
    // One fetch per attempt: the refusal is found while building the request, and remembered.
    expect(inits).toHaveLength(2);
    for (const init of inits) {
      expect('cache' in init || 'credentials' in init).toBe(false);
    }
    expect(server.requests.map((r) => r.headers['cache-control'])).toEqual([
      'no-cache',
      'no-cache',
    ]);
  });

  it('closes when the signal aborts (and never fetches when it is already aborted)', async () => {
    const server = await serveSSE((session) => session.send({ data: 'x' }));
    const controller = new AbortController();
    const es = track(new EventSource(server.url, { signal: controller.signal }));
    const seen = record(es);
    await seen.until(2);
    controller.abort();
    expect(es.readyState).toBe(EventSource.CLOSED);
    await sleep(50);
    expect(seen.log).toEqual(['open', 'message:x:']);

    const es2 = new EventSource(server.url, { signal: AbortSignal.abort() });
    expect(es2.readyState).toBe(EventSource.CLOSED);
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('fails for good with the decoder error when an event exceeds maxEventSize', async () => {
    const server = await serveSSE((session) => {
      session.send({ data: 'small' });
      session.send({ data: 'x'.repeat(5000) });
    });
    const es = track(new EventSource(server.url, { retryDelay: 5, maxEventSize: 1000 }));
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    expect(await record(es).until(3)).toEqual(['open', 'message:small:', 'error:2']);
    expect(errors[0]!.error.code).toBe('EVENT_TOO_LARGE');
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('rejects an invalid decoder limit in the constructor, before any fetch', () => {
    let fetched = 0;
    const fetch: FetchLike = async () => {
      fetched++;
      return new Response('');
    };
    expect(() => new EventSource('http://127.0.0.1:1/', { fetch, maxLineLength: -1 })).toThrow(
      RangeError,
    );
    expect(() => new EventSource('http://127.0.0.1:1/', { fetch, maxEventSize: 0 })).toThrow(
      RangeError,
    );
    expect(fetched).toBe(0);
  });

  it('oneShot: closes when the response ends, firing close instead of reconnecting', async () => {
    const server = await serveSSE((session) => {
      session.send({ data: 'answer' });
      session.close();
    });
    const es = track(new EventSource(server.url, { oneShot: true, retryDelay: 5 }));
    const seen = record(es);
    expect(await seen.until(3)).toEqual(['open', 'message:answer:', 'close']);
    expect(es.readyState).toBe(EventSource.CLOSED);
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });

  it('oneShot: a network error is final', async () => {
    const server = await serve((req, res) => {
      openStream(res);
      send(res, { data: 'partial' });
      setTimeout(() => req.socket.destroy(), 10);
    });
    const es = track(new EventSource(server.url, { oneShot: true, retryDelay: 5 }));
    expect(await record(es).until(3)).toEqual(['open', 'message:partial:', 'error:2']);
    await sleep(50);
    expect(server.requests).toHaveLength(1);
  });
});
