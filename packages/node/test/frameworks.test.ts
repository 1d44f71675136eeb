import { once } from 'node:events';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerSession, serverCounters } from '@sse/server';
import { EventSource } from 'eventsource';
import express from 'express';
import Fastify from 'fastify';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

/** The URL of a node:http server once it listens, and how to stop it. */
async function listening(server: Server) {
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/events`,
    close: async () => {
      server.closeAllConnections();
      server.close();
    },
  };
}

/** Each framework, wired the way its README shows, handing its session to the test. */
const frameworks: Record<
  string,
  (onSession: (s: ServerSession) => void) => Promise<{ url: string; close(): Promise<void> }>
> = {
  async express(onSession) {
    const sse = createNodeSSE({ heartbeat: false });
    const app = express();
    app.get('/events', (req, res) => {
      const session = sse(req, res);
      if (session) onSession(session);
    });
    return listening(app.listen(0, '127.0.0.1') as Server);
  },
  async fastify(onSession) {
    const sse = createNodeSSE({ heartbeat: false });
    const app = Fastify();
    app.get('/events', (request, reply) => {
      reply.hijack();
      const session = sse(request.raw, reply.raw);
      if (session) onSession(session);
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    return {
      url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}/events`,
      close: async () => {
        app.server.closeAllConnections();
        await app.close();
      },
    };
  },
  async koa(onSession) {
    const sse = createNodeSSE({ heartbeat: false });
    const app = new Koa();
    app.use((ctx) => {
      if (ctx.path !== '/events') return;
      ctx.respond = false;
      const session = sse(ctx.req, ctx.res);
      if (session) onSession(session);
    });
    return listening(app.listen(0, '127.0.0.1'));
  },
};

afterEach(async () => {
  await until(() => serverCounters().sessions === 0);
});

describe.each(Object.keys(frameworks))('@sse/node on %s', (name) => {
  it('streams events to a fetch client and to the eventsource package', async () => {
    const sessions: ServerSession[] = [];
    const app = await frameworks[name]!((s) => sessions.push(s));
    try {
      const response = await fetch(app.url);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      expect(response.headers.get('x-accel-buffering')).toBe('no');
      const reader = new StreamReader(response.body!);
      await until(() => sessions.length === 1);
      sessions[0]!.send({ data: `hello from ${name}`, id: '1' });
      expect((await reader.nextEvent()).data).toBe(`hello from ${name}`);

      const es = new EventSource(app.url);
      const got: string[] = [];
      es.onmessage = (e) => got.push(e.data);
      await until(() => sessions.length === 2);
      sessions[1]!.send({ data: 'second client' });
      await until(() => got.length === 1);
      expect(got).toEqual(['second client']);
      es.close();
      await sessions[1]!.closed;
      sessions[0]!.close();
      await reader.ended;
    } finally {
      await app.close();
    }
  });
});
