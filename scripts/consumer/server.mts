// A Node application's use of every package (types only matter here; it is never run).
import { createServer } from 'node:http';
import { EventSource, type EventSourceOptions, events } from '@sse/client';
import { createDecoder, type DecodedEvent, encode, isSSEError } from '@sse/core';
import { sse, sseHandler } from '@sse/hono';
import { createHub, createMemoryBackend } from '@sse/hub';
import { createNodeSSE } from '@sse/node';
import { createRedisBackend } from '@sse/redis';
import type { Session, SessionOptions } from '@sse/server';
import { createWebSSE, StreamSink } from '@sse/web';
import { Hono } from 'hono';

const seen: DecodedEvent[] = [];
createDecoder({ onEvent: (event) => seen.push(event) }).feed(encode({ data: 'x' }));

const options: EventSourceOptions = {
  headers: async ({ attempt }) => ({ authorization: `Bearer ${attempt}` }),
  method: 'POST',
  body: JSON.stringify({ q: 1 }),
  credentials: 'include',
};
const source = new EventSource('http://127.0.0.1:3000/events', options);
source.addEventListener('message', (event) => event.data, {
  once: true,
  signal: AbortSignal.timeout(1),
});
source.removeEventListener('message', () => {}, { capture: false });
export async function read(): Promise<string[]> {
  const out: string[] = [];
  for await (const event of events('http://127.0.0.1:3000/events', { oneShot: true }))
    out.push(event.data);
  return out;
}

const sessionOptions: SessionOptions = { retry: 2000 };
const hub = createHub({ backend: createMemoryBackend() });
const redisHub = createHub({
  backend: createRedisBackend({ connection: 'redis://127.0.0.1:6379' }),
});
const nodeSSE = createNodeSSE(sessionOptions);
createServer((req, res) => {
  const session: Session | undefined = nodeSSE(req, res);
  if (session)
    hub.subscribe(session, 'news').catch((error: unknown) => isSSEError(error) && session.close());
});

const webSSE = createWebSSE(sessionOptions);
export const handler = (request: Request): Response =>
  webSSE(request, (session) => session.send({ data: 'hi' }));
export const sink: StreamSink = new StreamSink();

const app = new Hono();
app.get('/a', (c) => sse(c, (session) => session.send({ data: 'a' })));
app.get(
  '/b',
  sseHandler((session) => session.close()),
);

export { app, redisHub };
