import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type ServerSession, type SessionOptions, serverCounters } from '@sse/server';
import { EventSource } from 'eventsource';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamReader, until } from '../../server/test/support';
import { sse, sseHandler } from '../src';

const sessions: ServerSession[] = [];
const capped: SessionOptions = { heartbeat: false, maxSessions: 1 };

const app = new Hono();
app.get('/events', (c) => {
  c.header('X-Trace', 'abc');
  return sse(c, (session) => void sessions.push(session), { heartbeat: false });
});
app.get(
  '/capped',
  sseHandler((session) => void sessions.push(session), capped),
);
app.get('/greet/:name', (c) =>
  sse(c, async (session, ctx) => {
    session.send({ data: `hello ${ctx.req.param('name')}` });
    session.close();
  }),
);
app.get('/fails', (c) =>
  sse(c, async (session) => {
    sessions.push(session);
    throw new Error('handler failed');
  }),
);

describe('@sse/hono on @hono/node-server', () => {
  let base: string;
  let server: ReturnType<typeof serve>;

  beforeAll(async () => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await until(() => serverCounters().sessions === 0);
  });

  it('sse(c, handler) streams to fetch and keeps headers set with c.header()', async () => {
    const count = sessions.length;
    const response = await fetch(`${base}/events`, { headers: { 'Last-Event-ID': '5' } });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('x-trace')).toBe('abc');
    const reader = new StreamReader(response.body!);
    await until(() => sessions.length === count + 1);
    const session = sessions[count]!;
    expect(session.lastEventId).toBe('5');
    session.send({ event: 'e', data: 'over hono' });
    expect(await reader.nextEvent()).toMatchObject({ type: 'e', data: 'over hono' });
    await reader.cancel();
    await session.closed;
    expect((session as ServerSession).endReason).toBe('peer');
  });

  it('the handler gets the context', async () => {
    const reader = new StreamReader((await fetch(`${base}/greet/ada`)).body!);
    await reader.ended;
    expect(reader.events().map((e) => e.data)).toEqual(['hello ada']);
  });

  it('works with the eventsource package', async () => {
    const count = sessions.length;
    const es = new EventSource(`${base}/events`);
    const got: string[] = [];
    es.onmessage = (e) => got.push(e.data);
    await until(() => sessions.length === count + 1);
    sessions[count]!.send({ data: 'to eventsource' });
    await until(() => got.length === 1);
    es.close();
    await sessions[count]!.closed;
  });

  it('sseHandler(handler, options) applies its options once: 503 past maxSessions', async () => {
    const count = sessions.length;
    const first = new StreamReader((await fetch(`${base}/capped`)).body!);
    await until(() => sessions.length === count + 1);
    const busy = await fetch(`${base}/capped`);
    expect(busy.status).toBe(503);
    expect(busy.headers.get('retry-after')).toBe('5');
    await busy.arrayBuffer();
    await first.cancel();
    await sessions[count]!.closed;
  });

  it('a handler that throws ends its session with reason error', async () => {
    const count = sessions.length;
    const reader = new StreamReader((await fetch(`${base}/fails`)).body!);
    await reader.ended;
    await sessions[count]!.closed;
    expect((sessions[count] as ServerSession).endReason).toBe('error');
  });
});

describe('@sse/hono on Bun', () => {
  it("passes Hono's env (the Bun server) so the idle timeout is switched off", async () => {
    const calls: number[] = [];
    const bunServer = { timeout: (_req: Request, seconds: number) => calls.push(seconds) };
    const bunApp = new Hono();
    let session: ServerSession | undefined;
    bunApp.get('/', (c) => sse(c, (s) => void (session = s), { heartbeat: false }));
    const response = await bunApp.fetch(new Request('http://x/'), bunServer);
    expect(response.status).toBe(200);
    expect(calls).toEqual([0]);
    session!.close();
    await response.body!.cancel();
  });
});
