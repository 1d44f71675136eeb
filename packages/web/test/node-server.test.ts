// The web adapter over real sockets in Node, served by @hono/node-server (a fetch
// handler on node:http), read by fetch and by the eventsource package.
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { type ServerSession, serverCounters } from '@sse/server';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StreamReader, until } from '../../server/test/support';
import { createWebSSE } from '../src';

describe('@sse/web on a real socket (@hono/node-server)', () => {
  const sessions: ServerSession[] = [];
  let url: string;
  let server: ReturnType<typeof serve>;

  beforeAll(async () => {
    const sse = createWebSSE({ heartbeat: false, retry: 10 });
    server = serve({
      // As the README shows: the host's { incoming, outgoing } as `server`.
      fetch: (request, env) =>
        sse(request, (session) => void sessions.push(session), { server: env }),
      port: 0,
      hostname: '127.0.0.1',
    });
    await new Promise<void>((resolve) => server.once('listening', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await until(() => serverCounters().sessions === 0);
  });

  it('streams to fetch, and the session ends when the client disconnects', async () => {
    const count = sessions.length;
    const controller = new AbortController();
    const response = await fetch(url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const reader = new StreamReader(response.body!);
    await until(() => sessions.length === count + 1);
    const session = sessions[count]!;
    for (let i = 0; i < 3; i++) {
      session.send({ id: String(i), data: `n${i}` });
      expect((await reader.nextEvent()).data).toBe(`n${i}`);
    }
    controller.abort();
    await session.closed;
    expect((session as ServerSession).endReason).toBe('peer');
  });

  it('works with the eventsource package, reconnecting with Last-Event-ID', async () => {
    const count = sessions.length;
    const es = new EventSource(url);
    const got: string[] = [];
    es.onmessage = (e) => got.push(`${e.lastEventId}:${e.data}`);
    await until(() => sessions.length === count + 1);
    sessions[count]!.send({ id: 'w1', data: 'first' });
    await until(() => got.length === 1);
    sessions[count]!.close();
    await until(() => sessions.length === count + 2);
    expect(sessions[count + 1]!.lastEventId).toBe('w1');
    sessions[count + 1]!.send({ id: 'w2', data: 'second' });
    await until(() => got.length === 2);
    expect(got).toEqual(['w1:first', 'w2:second']);
    es.close();
    await sessions[count + 1]!.closed;
  });
});
