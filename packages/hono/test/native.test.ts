// The native path (@sse/node on @hono/node-server's Node response) must keep what Hono
// users rely on: every route below is served twice, natively and through the web path
// (`native: false`), over HTTP/1.1 and HTTP/2 on real sockets, and both must answer the
// same status, headers and events, with cors(), secureHeaders(), logger(), compress() and
// a custom middleware that sets headers before and after next().
import { once } from 'node:events';
import { request as http1Request, type IncomingHttpHeaders } from 'node:http';
import { createServer as createHttp2Server, connect as http2Connect } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { createGunzip } from 'node:zlib';
import { serve } from '@hono/node-server';
import { createDecoder, type DecodedEvent } from '@sse/core';
import { type ServerSession, serverCounters } from '@sse/server';
import { Hono } from 'hono';
import { compress } from 'hono/compress';
import { cors } from 'hono/cors';
import { logger } from 'hono/logger';
import { secureHeaders } from 'hono/secure-headers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../../server/test/support';
import { type HonoSSEOptions, sse } from '../src';

type Path = 'native' | 'web';
const OPTIONS: Record<Path, HonoSSEOptions> = {
  native: { heartbeat: false },
  web: { heartbeat: false, native: false },
};
const COMPRESSED: Record<Path, HonoSSEOptions> = {
  native: { heartbeat: false, compression: true },
  web: { heartbeat: false, compression: true, native: false },
};

/** What each request saw on the server: its session, and the response middleware finished with. */
const seen: { path: string; marker: string | null }[] = [];
const sessions: ServerSession[] = [];
const logs: string[] = [];

function buildApp(): Hono {
  const app = new Hono();
  app.use(logger((line) => logs.push(line)));
  app.use(compress());
  app.use(cors({ origin: 'https://app.example', exposeHeaders: ['X-After'] }));
  app.use(secureHeaders());
  app.use(async (c, next) => {
    c.header('X-Before', 'set before next()');
    await next();
    // Asynchronous, but without I/O: still before the head is written.
    await Promise.resolve();
    c.header('X-After', 'set after next()');
    c.res.headers.append('Set-Cookie', 'a=1; Path=/');
    c.res.headers.append('Set-Cookie', 'b=2; Path=/');
    seen.push({ path: c.req.path, marker: c.res.headers.get('x-hono-already-sent') });
  });
  app.onError((error, c) => c.text(`handled: ${error.message}`, 500));
  app.use('/:path/replaced', async (_c, next) => {
    await next();
    throw new Error('a middleware failed after the route');
  });
  app.use('/:path/late', async (c, next) => {
    await next();
    // A middleware that waits for I/O (a timer here) before adding a header.
    await new Promise((resolve) => setTimeout(resolve, 20));
    c.header('X-Late', 'after I/O');
  });
  for (const path of ['native', 'web'] as const) {
    app.get(`/${path}/fails`, (c) =>
      sse(
        c,
        async () => {
          throw new Error('the handler failed');
        },
        OPTIONS[path],
      ),
    );
    app.get(`/${path}/late`, (c) =>
      sse(c, (session) => void session.send({ data: 'on time' }), OPTIONS[path]),
    );
    app.get(`/${path}/events`, (c) =>
      sse(
        c,
        (session) => {
          sessions.push(session);
          session.send({ id: '1', data: `hello ${c.req.query('n') ?? ''}` });
        },
        OPTIONS[path],
      ),
    );
    app.get(`/${path}/replaced`, (c) =>
      sse(c, (session) => void sessions.push(session), OPTIONS[path]),
    );
    app.get(`/${path}/compressed`, (c) =>
      sse(c, (session) => void session.send({ data: 'x'.repeat(2000) }), COMPRESSED[path]),
    );
  }
  return app;
}

interface Answer {
  status: number;
  headers: Record<string, string | string[]>;
  /** The decoded events, up to the first one (or the whole body when it is not a stream). */
  events: DecodedEvent[];
  body: string;
}

/** The headers that may differ between two answers for reasons unrelated to the path. */
function comparable(headers: IncomingHttpHeaders): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    // `keep-alive: timeout=5` is added by Node itself on one path and not the other
    // (whether it manages the Connection header): transport detail, not the application's.
    if (name === 'date' || name === 'keep-alive' || name.startsWith(':') || value === undefined)
      continue;
    out[name] = value;
  }
  return out;
}

/** Reads a response body until the first event, then hangs up (or to its end). */
function readAnswer(
  status: number,
  headers: IncomingHttpHeaders,
  body: NodeJS.ReadableStream,
  close: () => void,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const events: DecodedEvent[] = [];
    const chunks: Buffer[] = [];
    // A gzip stream is flushed after every write: the gunzip stream yields each event.
    const stream = headers['content-encoding'] === 'gzip' ? body.pipe(createGunzip()) : body;
    const decoder = createDecoder({ onEvent: (event) => events.push(event) });
    const done = () => {
      close();
      resolve({
        status,
        headers: comparable(headers),
        events,
        body: Buffer.concat(chunks).toString(),
      });
    };
    stream.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      decoder.feed(chunk);
      if (events.length > 0) done();
    });
    stream.on('end', done);
    stream.on('error', reject);
  });
}

function getHttp1(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // A fresh connection per request (a failed stream's socket is destroyed by the host),
    // kept alive as a browser's would be.
    const req = http1Request(
      {
        host: '127.0.0.1',
        port,
        path,
        headers: { connection: 'keep-alive', ...headers },
        agent: false,
      },
      (res) => {
        readAnswer(res.statusCode!, res.headers, res, () => req.destroy()).then(resolve, reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

function getHttp2(port: number, path: string, headers: Record<string, string>): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const client = http2Connect(`http://127.0.0.1:${port}`);
    // The session goes with the request, also when the stream fails (else close() waits).
    const failed = (error: Error) => {
      client.destroy();
      reject(error);
    };
    client.on('error', failed);
    const req = client.request({ ':path': path, ...headers });
    req.on('response', (head) => {
      readAnswer(Number(head[':status']), head, req, () => client.destroy()).then(resolve, failed);
    });
    req.on('error', failed);
    req.end();
  });
}

const protocols = [
  { name: 'HTTP/1.1', get: getHttp1, createServer: undefined },
  { name: 'HTTP/2 (h2c)', get: getHttp2, createServer: createHttp2Server },
] as const;

describe.each(protocols)('@sse/hono natively on @hono/node-server, $name', (protocol) => {
  let port: number;
  let server: ReturnType<typeof serve>;
  const get = (path: string, headers: Record<string, string> = {}) =>
    protocol.get(port, path, headers);

  beforeAll(async () => {
    const app = buildApp();
    server = protocol.createServer
      ? serve({
          fetch: app.fetch,
          port: 0,
          hostname: '127.0.0.1',
          createServer: protocol.createServer,
        })
      : serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
  });

  afterAll(async () => {
    for (const session of sessions) session.close();
    await new Promise((resolve) => server.close(resolve));
    await until(() => serverCounters().sessions === 0);
  });

  it('answers exactly as the web path: status, every middleware header, events', async () => {
    const headers = {
      origin: 'https://app.example',
      'accept-encoding': 'gzip',
      'last-event-id': '0',
    };
    const native = await get('/native/events?n=1', headers);
    const web = await get('/web/events?n=1', headers);
    // The native route really returned the host's marker; the web route a stream.
    expect(seen.filter((s) => s.path.endsWith('/events')).slice(-2)).toEqual([
      { path: '/native/events', marker: 'true' },
      { path: '/web/events', marker: null },
    ]);
    expect(native.status).toBe(200);
    expect(native.headers).toEqual(web.headers);
    expect(native.events).toEqual([
      { type: 'message', data: 'hello 1', lastEventId: '1', id: '1' },
    ]);
    expect(web.events).toEqual(native.events);
    // And what that means, header by header:
    expect(native.headers).toMatchObject({
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache, no-transform',
      'x-before': 'set before next()',
      'x-after': 'set after next()',
      'access-control-allow-origin': 'https://app.example',
      'access-control-expose-headers': 'X-After',
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'set-cookie': ['a=1; Path=/', 'b=2; Path=/'],
    });
    expect(String(native.headers.vary)).toMatch(/Origin/);
    // compress() leaves event streams alone (no-transform), on both paths.
    expect(native.headers['content-encoding']).toBeUndefined();
  });

  it('logger() logs the same lines for both paths', async () => {
    const from = logs.length;
    await get('/native/events');
    await get('/web/events');
    const lines = logs.slice(from).map((line) => line.replace(/ \d+m?s$/, ''));
    expect(lines).toHaveLength(4);
    expect(lines.slice(0, 2).map((l) => l.replace('/native/', '/x/'))).toEqual(
      lines.slice(2).map((l) => l.replace('/web/', '/x/')),
    );
    expect(lines[1]).toMatch(/--> GET \/native\/events .*200/);
  });

  it('a middleware that fails after the route: onError answers, the native session ends with error', async () => {
    const count = sessions.length;
    const native = await get('/native/replaced');
    const web = await get('/web/replaced');
    expect(native.status).toBe(500);
    expect(native.body).toBe('handled: a middleware failed after the route');
    expect({ status: web.status, body: web.body }).toEqual({
      status: native.status,
      body: native.body,
    });
    await until(() => sessions[count]?.isOpen === false);
    expect(sessions[count]!.endReason).toBe('error');
  });

  it('a handler that fails at once: the same 500 and message as the host gives the web path', async () => {
    const native = await get('/native/fails');
    expect(native.status).toBe(500);
    expect(native.body).toMatch(/the handler failed/);
    const web = await get('/web/fails').catch((error: Error) => error);
    if (protocol.createServer === undefined) {
      expect(web).toMatchObject({ status: native.status, body: native.body });
    } else {
      // On HTTP/2 the host ends the web path's failed stream with an RST_STREAM.
      expect(web).toMatchObject({ message: expect.stringMatching(/NGHTTP2_INTERNAL_ERROR/) });
    }
  });

  it('documented: headers set after a middleware awaited I/O past next() are sent by the web path only', async () => {
    const native = await get('/native/late');
    const web = await get('/web/late');
    expect(web.headers['x-late']).toBe('after I/O');
    expect(native.headers['x-late']).toBeUndefined();
    // Every header set after that point is late too, also those of the outer middleware
    // (secureHeaders(), the custom one's X-After); what was set before next() is there.
    expect(web.headers['x-after']).toBe('set after next()');
    expect(native.headers['x-after']).toBeUndefined();
    expect(native.headers['x-content-type-options']).toBeUndefined();
    expect(native.headers['x-before']).toBe('set before next()');
    expect(native.headers['access-control-allow-origin']).toBe(
      web.headers['access-control-allow-origin'],
    );
    expect(native.events.map((e) => e.data)).toEqual(['on time']);
  });

  it('the compression option works natively (node:zlib); the web path sends identity', async () => {
    const native = await get('/native/compressed', { 'accept-encoding': 'gzip' });
    const web = await get('/web/compressed', { 'accept-encoding': 'gzip' });
    expect(native.headers['content-encoding']).toBe('gzip');
    expect(native.events.map((e) => e.data)).toEqual(['x'.repeat(2000)]);
    expect(web.headers['content-encoding']).toBeUndefined();
    expect(web.events).toEqual(native.events);
  });
});
