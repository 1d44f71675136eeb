import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerSession, type SessionOptions, serverCounters } from '@sse/server';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { expectAllReleased, StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

/** A node:http server whose handler opens a session and gives it to the test. */
async function serve(options: SessionOptions = {}) {
  const sse = createNodeSSE({ heartbeat: false, ...options });
  const sessions: ServerSession[] = [];
  const waiting: ((s: ServerSession) => void)[] = [];
  const server = createServer((req, res) => {
    const session = sse(req, res);
    if (!session) return;
    sessions.push(session);
    waiting.shift()?.(session);
  });
  const url = `http://127.0.0.1:${await listenLocal(server)}`;
  /** The next session opened on the server. */
  const nextSession = () => new Promise<ServerSession>((resolve) => waiting.push(resolve));
  return { sse, server, url, sessions, nextSession };
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    s.close();
  }
  await until(() => serverCounters().sessions === 0);
  expectAllReleased();
});

async function started(options?: SessionOptions) {
  const s = await serve(options);
  servers.push(s.server);
  return s;
}

describe('@sse/node on node:http', () => {
  it('sends the SSE headers and the first frame at once, then events to a fetch client', async () => {
    const { url, nextSession } = await started({ retry: 1500 });
    const opened = nextSession();
    const response = await fetch(`${url}/events`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(response.headers.get('x-accel-buffering')).toBe('no');
    expect(response.headers.get('connection')).toBe('keep-alive');
    const reader = new StreamReader(response.body!);
    expect(await reader.next('retry')).toEqual({ kind: 'retry', ms: 1500 });
    const session = await opened;
    session.send({ event: 'greeting', data: 'hello\nworld', id: '1' });
    expect(await reader.nextEvent()).toEqual({
      type: 'greeting',
      data: 'hello\nworld',
      id: '1',
      lastEventId: '1',
    });
    session.close();
    await reader.ended;
  });

  it('reads Last-Event-ID from the header and from the lastEventId query parameter', async () => {
    const { url, nextSession } = await started();
    let opened = nextSession();
    // Browsers send the header as UTF-8; fetch takes header values as byte strings.
    const utf8 = String.fromCharCode(...new TextEncoder().encode('évt-41'));
    const a = await fetch(`${url}/e`, { headers: { 'Last-Event-ID': utf8 } });
    expect((await opened).lastEventId).toBe('évt-41');
    opened = nextSession();
    const b = await fetch(`${url}/e?lastEventId=7`);
    expect((await opened).lastEventId).toBe('7');
    await a.body!.cancel();
    await b.body!.cancel();
  });

  it('works with the eventsource package, which reconnects with Last-Event-ID', async () => {
    const { url, nextSession } = await started({ retry: 10 });
    let opened = nextSession();
    const es = new EventSource(`${url}/es`);
    const received: string[] = [];
    es.addEventListener('tick', (e) => received.push(`${e.lastEventId}:${e.data}`));
    const first = await opened;
    first.send({ event: 'tick', id: 'a1', data: 'one' });
    await until(() => received.length === 1);
    opened = nextSession();
    first.close(); // the client reconnects after 10 ms
    const second = await opened;
    expect(second.lastEventId).toBe('a1');
    second.send({ event: 'tick', id: 'a2', data: 'two' });
    await until(() => received.length === 2);
    expect(received).toEqual(['a1:one', 'a2:two']);
    es.close();
    await second.closed;
  });

  it('sends heartbeats from the shared clock while the stream is idle', async () => {
    const { url } = await started({ heartbeat: 30 });
    const response = await fetch(url);
    const reader = new StreamReader(response.body!);
    await reader.next('comment'); // the opening comment
    await reader.next('comment');
    await reader.next('comment');
    expect(serverCounters().heartbeatTimers).toBe(1);
    await reader.cancel();
  });

  it('ends the session exactly once on every disconnect path and releases everything', async () => {
    const { url, nextSession } = await started({ heartbeat: 50, maxAge: 60_000 });
    const ends: string[] = [];
    const track = (session: ServerSession) => {
      let count = 0;
      session.signal.addEventListener('abort', () => count++);
      session.closed.then(() => ends.push(`${(session as ServerSession).endReason}:${count}`));
      return session;
    };

    // 1. The client goes away.
    let opened = nextSession();
    const controller = new AbortController();
    const r1 = await fetch(url, { signal: controller.signal });
    const s1 = track(await opened);
    r1.body!.getReader()
      .read()
      .catch(() => {});
    controller.abort();
    await s1.closed;

    // 2. The server's socket is destroyed under the response.
    opened = nextSession();
    const r2 = await fetch(url);
    const s2 = track(await opened);
    const reader2 = new StreamReader(r2.body!);
    (s2 as unknown as { sink: { res: { socket: { destroy(): void } } } }).sink.res.socket.destroy();
    await s2.closed;
    await reader2.ended;

    // 3. The application closes it.
    opened = nextSession();
    const reader3 = new StreamReader((await fetch(url)).body!);
    const s3 = track(await opened);
    s3.close();
    s3.close();
    await reader3.ended;

    // 4. A linked shutdown signal aborts.
    const shutdown = new AbortController();
    const { sse, server } = await started();
    server.removeAllListeners('request');
    const linked = new Promise<ServerSession>((resolve) =>
      server.on('request', (req, res) => resolve(sse(req, res, { signal: shutdown.signal })!)),
    );
    const port = (server.address() as AddressInfo).port;
    const reader4 = new StreamReader((await fetch(`http://127.0.0.1:${port}`)).body!);
    const s4 = track(await linked);
    shutdown.abort();
    await reader4.ended;
    await s4.closed;

    await until(() => ends.length === 4);
    expect(ends.sort()).toEqual(['closed:1', 'closed:1', 'peer:1', 'peer:1']);
  });

  it('closes gracefully at max age so clients reconnect', async () => {
    const { url } = await started({ maxAge: 50 });
    const reader = new StreamReader((await fetch(url)).body!);
    await reader.ended;
    expect(reader.items).toEqual([{ kind: 'comment', text: '' }]);
  });

  it('answers 503 with Retry-After past maxSessions', async () => {
    const { url } = await started({ maxSessions: 1, retryAfter: 3 });
    const first = new StreamReader((await fetch(url)).body!);
    await first.next('comment');
    const busy = await fetch(url);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('3');
    await busy.arrayBuffer();
    await first.cancel();
  });

  it('answers CORS preflights allowing Last-Event-ID, and echoes the allowed origin', async () => {
    const { url } = await started({
      cors: { origins: ['https://app.example'], credentials: true },
    });
    const preflight = await fetch(url, {
      method: 'OPTIONS',
      headers: {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'GET',
        'Access-Control-Request-Headers': 'last-event-id',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Last-Event-ID');
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    const stream = await fetch(url, { headers: { Origin: 'https://app.example' } });
    expect(stream.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(stream.headers.get('access-control-allow-credentials')).toBe('true');
    expect(stream.headers.get('vary')).toBe('Origin');
    await stream.body!.cancel();
  });

  it('turns off Nagle on the socket', async () => {
    const { url, server } = await started();
    let noDelay: boolean | undefined;
    server.prependListener('request', (req: IncomingMessage) => {
      const original = req.socket.setNoDelay.bind(req.socket);
      req.socket.setNoDelay = (value?: boolean) => {
        noDelay = value;
        return original(value);
      };
    });
    await new Promise<void>((resolve) => {
      request(url, (res) => {
        res.destroy();
        resolve();
      }).end();
    });
    expect(noDelay).toBe(true);
  });
});
