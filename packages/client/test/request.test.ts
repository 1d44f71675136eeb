// What the client sends, and what happens when it cannot send it: a request that can never
// succeed (a header value that is not a ByteString, a bad URL, a body on GET) is a final,
// typed error and is never retried; a custom fetch gets headers as a plain record, so
// wrappers that spread them keep Accept and Last-Event-ID.
import { isSSEError } from '@sse/core';
import { describe, expect, it } from 'vitest';
import { EventSource, type EventSourceErrorEvent, events, type FetchLike } from '../src/index';
import { lifecycle, record, sleep } from './helpers';

const { track, serveSSE } = lifecycle();

/** Runs `events()` to its end and returns what it threw (or undefined). */
async function drain(iterable: AsyncIterable<unknown>): Promise<unknown> {
  try {
    for await (const _ of iterable) {
      // events are not the point here
    }
  } catch (e) {
    return e;
  }
  return undefined;
}

describe('requests that can never be sent are final', () => {
  it('a header value fetch refuses (non-ASCII): INVALID_REQUEST, CLOSED, nothing sent', async () => {
    const server = await serveSSE(() => {});
    const es = track(
      new EventSource(server.url, { headers: { authorization: 'Bearer …' }, retryDelay: 5 }),
    );
    const errors: EventSourceErrorEvent[] = [];
    es.addEventListener('error', (e) => errors.push(e));
    expect(await record(es).until(1)).toEqual(['error:2']);
    expect(errors[0]!.error.code).toBe('INVALID_REQUEST');
    expect(errors[0]!.error.cause).toBeInstanceOf(TypeError);
    await sleep(100); // a retry, if one were scheduled, would have happened
    expect(server.requests).toHaveLength(0);
  });

  it('events() throws INVALID_REQUEST instead of hanging (even with no onRetry)', async () => {
    const server = await serveSSE(() => {});
    const error = await drain(events(server.url, { headers: { authorization: 'Bearer …' } }));
    expect(isSSEError(error, 'INVALID_REQUEST')).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('a header function that returns an invalid value: INVALID_REQUEST on that attempt', async () => {
    const server = await serveSSE((session) => session.close());
    const error = await drain(
      events(server.url, {
        retryDelay: 5,
        headers: ({ attempt }) => ({ 'x-token': attempt === 0 ? 'ok' : 'bad\nvalue' }),
      }),
    );
    expect(isSSEError(error, 'INVALID_REQUEST')).toBe(true);
    expect(server.requests).toHaveLength(1);
  });

  it('a body on GET: INVALID_REQUEST, whether Request or fetch refuses it (Bun: fetch)', async () => {
    const server = await serveSSE((session) => session.close());
    const error = await drain(events(server.url, { body: 'not on GET', retryDelay: 5 }));
    expect(isSSEError(error, 'INVALID_REQUEST')).toBe(true);
    expect(server.requests).toHaveLength(0);
  });

  it('a relative URL where there is no page: events() throws INVALID_REQUEST from the loop', async () => {
    const stream = events('/events'); // no throw here: the loop reports it
    const error = await drain(stream);
    expect(isSSEError(error, 'INVALID_REQUEST')).toBe(true);
  });

  it('a header function that throws is a transient failure (a token refresh may work next time)', async () => {
    const server = await serveSSE((session) => session.send({ data: 'in' }));
    let calls = 0;
    const es = track(
      new EventSource(server.url, {
        retryDelay: 5,
        headers: () => {
          calls += 1;
          if (calls === 1) throw new Error('token service down');
          return { authorization: 'Bearer fresh' };
        },
      }),
    );
    expect(await record(es).until(3)).toEqual(['error:0', 'open', 'message:in:']);
    expect(server.requests[0]!.headers.authorization).toBe('Bearer fresh');
  });
});

describe('the init a custom fetch receives', () => {
  it('has headers as a plain record: a wrapper that spreads them keeps Accept and Last-Event-ID', async () => {
    const server = await serveSSE((session, _seen, i) => {
      session.send({ id: `e${i}`, data: String(i) });
      if (i === 0) session.close();
    });
    // The common wrapper shape that a Headers instance would silently defeat.
    const fetch: FetchLike = (input, init) =>
      globalThis.fetch(input, { ...init, headers: { ...init.headers, authorization: 'Bearer x' } });
    const es = track(
      new EventSource(server.url, { fetch, retryDelay: 5, headers: { 'X-App': '1' } }),
    );
    await record(es).until(5);
    const [first, second] = server.requests;
    expect(first!.headers).toMatchObject({
      accept: 'text/event-stream',
      authorization: 'Bearer x',
      'x-app': '1',
    });
    expect(second!.headers).toMatchObject({
      accept: 'text/event-stream',
      authorization: 'Bearer x',
      'last-event-id': 'e0',
    });
  });

  it('is documented as FetchInit: lower-case names, method, signal', async () => {
    const server = await serveSSE(() => {});
    const inits: Parameters<FetchLike>[1][] = [];
    const fetch: FetchLike = (input, init) => {
      inits.push(init);
      return globalThis.fetch(input, init);
    };
    const es = track(
      new EventSource(server.url, {
        fetch,
        headers: new Headers({ 'X-Trace': 't' }),
        lastEventId: 'l',
      }),
    );
    await record(es).until(1);
    expect(Object.getPrototypeOf(inits[0]!.headers)).toBe(Object.prototype);
    expect(inits[0]!.headers).toEqual({
      accept: 'text/event-stream',
      'x-trace': 't',
      'last-event-id': 'l',
    });
    expect(inits[0]!.method).toBe('GET');
    expect(inits[0]!.signal).toBeInstanceOf(AbortSignal);
  });
});
