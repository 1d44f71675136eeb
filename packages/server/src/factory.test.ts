import { describe, expect, it } from 'vitest';
import { negotiateEncoding } from './encoding';
import { createSessionFactory } from './factory';
import { headerText, lastEventIdOf, type RequestInfo } from './request';

const get = (extra: Partial<RequestInfo> = {}): RequestInfo => ({
  method: 'GET',
  url: '/events',
  httpVersionMajor: 1,
  ...extra,
});

const noop = { write: () => true, end() {}, abort() {} };

describe('SessionFactory.negotiate', () => {
  it('answers with the SSE headers, keep-alive only on HTTP/1.x, never Transfer-Encoding', () => {
    const factory = createSessionFactory({ headers: { 'X-App': '1' } });
    const h1 = factory.negotiate(get());
    expect(h1).toMatchObject({ kind: 'open', status: 200 });
    expect(h1.headers).toEqual({
      'X-App': '1',
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      'X-Accel-Buffering': 'no',
      Connection: 'keep-alive',
    });
    const h2 = factory.negotiate(get({ httpVersionMajor: 2 }));
    expect(h2.headers.Connection).toBeUndefined();
    expect(Object.keys(h2.headers).map((k) => k.toLowerCase())).not.toContain('transfer-encoding');
  });

  it('reads Last-Event-ID from the header first, then the lastEventId query parameter', () => {
    expect(lastEventIdOf(get({ lastEventId: '42', url: '/e?lastEventId=7' }))).toBe('42');
    expect(lastEventIdOf(get({ url: '/e?a=1&lastEventId=7%20x' }))).toBe('7 x');
    expect(lastEventIdOf(get({ url: 'http://h/e?a=1' }))).toBe('');
    expect(lastEventIdOf(get())).toBe('');
    // A UTF-8 header value that the HTTP stack handed over as Latin-1.
    const latin1 = String.fromCharCode(...new TextEncoder().encode('é-1'));
    expect(headerText(latin1)).toBe('é-1');
    expect(headerText('plain')).toBe('plain');
    expect(headerText('caf\u00e9')).toBe('caf\u00e9'); // not UTF-8: kept as sent
  });

  it('echoes an allowed origin with credentials and Vary, and answers preflights', () => {
    const factory = createSessionFactory({
      cors: { origins: ['https://app.example'], credentials: true, allowHeaders: ['X-Token'] },
    });
    const ok = factory.negotiate(get({ origin: 'https://app.example' }));
    expect(ok.headers).toMatchObject({
      'Access-Control-Allow-Origin': 'https://app.example',
      'Access-Control-Allow-Credentials': 'true',
      Vary: 'Origin',
    });
    const other = factory.negotiate(get({ origin: 'https://evil.example' }));
    expect(other.headers['Access-Control-Allow-Origin']).toBeUndefined();
    expect(other.headers.Vary).toBe('Origin');
    const preflight = factory.negotiate(get({ method: 'OPTIONS', origin: 'https://app.example' }));
    expect(preflight).toMatchObject({ kind: 'preflight', status: 204 });
    expect(preflight.headers['Access-Control-Allow-Headers']).toBe('Last-Event-ID, X-Token');
    expect(preflight.headers['Access-Control-Allow-Methods']).toBe('GET, POST');
  });

  it('never answers * when credentials are on', () => {
    const any = createSessionFactory({ cors: { origins: '*' } });
    expect(any.negotiate(get({ origin: 'https://a' })).headers['Access-Control-Allow-Origin']).toBe(
      '*',
    );
    const cred = createSessionFactory({ cors: { origins: '*', credentials: true } });
    expect(
      cred.negotiate(get({ origin: 'https://a' })).headers['Access-Control-Allow-Origin'],
    ).toBe('https://a');
  });

  it('answers 503 with Retry-After past maxSessions, and frees the slot on close', () => {
    const factory = createSessionFactory({ maxSessions: 1, retryAfter: 7, heartbeat: false });
    const first = factory.negotiate(get());
    if (first.kind !== 'open') throw new Error('expected open');
    const session = factory.open(noop, first);
    expect(factory.negotiate(get())).toMatchObject({
      kind: 'busy',
      status: 503,
      headers: { 'Retry-After': '7' },
    });
    session.close();
    expect(factory.negotiate(get()).kind).toBe('open');
  });

  it('compresses only when asked, with a coding both sides support', () => {
    const off = createSessionFactory();
    expect(off.negotiate(get({ acceptEncoding: 'gzip' }), ['gzip'])).toMatchObject({
      encoding: undefined,
    });
    const on = createSessionFactory({ compression: true });
    const gz = on.negotiate(get({ acceptEncoding: 'gzip, br;q=0' }), ['br', 'gzip']);
    expect(gz).toMatchObject({ encoding: 'gzip' });
    expect(gz.headers).toMatchObject({ 'Content-Encoding': 'gzip', Vary: 'Accept-Encoding' });
    expect(on.negotiate(get({ acceptEncoding: 'gzip' }), [])).toMatchObject({
      encoding: undefined,
    });
  });

  it('prefers gzip to br for compression: true (less memory per session), br when only it fits', () => {
    const on = createSessionFactory({ compression: true });
    const all = ['br', 'gzip', 'deflate'] as const;
    expect(on.negotiate(get({ acceptEncoding: 'br, gzip' }), all)).toMatchObject({
      encoding: 'gzip',
    });
    expect(on.negotiate(get({ acceptEncoding: 'br, deflate' }), all)).toMatchObject({
      encoding: 'br',
    });
    // An explicit list keeps its own order.
    const brFirst = createSessionFactory({ compression: ['br', 'gzip'] });
    expect(brFirst.negotiate(get({ acceptEncoding: 'gzip, br' }), all)).toMatchObject({
      encoding: 'br',
    });
  });

  it('validates options with clear errors', () => {
    expect(() => createSessionFactory({ maxQueueBytes: -1 })).toThrow(/maxQueueBytes/);
    expect(() => createSessionFactory({ slowClient: 'later' as unknown as 'wait' })).toThrow(
      /slowClient/,
    );
  });
});

describe('negotiateEncoding', () => {
  it('follows server preference among codings the client accepts', () => {
    expect(negotiateEncoding('gzip, deflate, br', ['br', 'gzip'])).toBe('br');
    expect(negotiateEncoding('deflate;q=0.5, *;q=0', ['gzip', 'deflate'])).toBe('deflate');
    expect(negotiateEncoding('*', ['gzip'])).toBe('gzip');
    expect(negotiateEncoding('identity', ['gzip'])).toBeUndefined();
    expect(negotiateEncoding(undefined, ['gzip'])).toBeUndefined();
  });
});
