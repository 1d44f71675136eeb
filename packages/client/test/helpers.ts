import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { encode, type Message } from '@sse/core';
import { createNodeSSE } from '@sse/node';
import { afterEach } from 'vitest';
import { listenLocal } from '../../server/test/net';

/** What the test server saw of one request. */
export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A handler that gets the request index (0 for the first) and its body already read. */
export type Handler = (
  req: IncomingMessage,
  res: ServerResponse,
  seen: SeenRequest,
  index: number,
) => void;

/** A real node:http server on 127.0.0.1 with a free port, recording every request. */
export interface TestServer {
  url: string;
  origin: string;
  requests: SeenRequest[];
  /** Resolves once `count` requests have arrived. */
  waitForRequests(count: number): Promise<void>;
  close(): Promise<void>;
}

export async function startServer(handler: Handler): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const waiters: Array<() => void> = [];
  const server = createServer(async (req, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    const seen = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      body,
    };
    const index = requests.push(seen) - 1;
    for (const wake of waiters.splice(0)) wake();
    handler(req, res, seen, index);
  });
  const port = await listenLocal(server);
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/`,
    origin,
    requests,
    async waitForRequests(count) {
      while (requests.length < count) await new Promise<void>((r) => waiters.push(r));
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

/** A session of the @sse/node adapter, as its opener returns it. */
export type Session = NonNullable<ReturnType<ReturnType<typeof createNodeSSE>>>;

/**
 * The normal path: a real server whose streams come from the @sse/node adapter (headers,
 * serialisation, Last-Event-ID parsing). Heartbeats are off unless asked for.
 */
export async function startSSEServer(
  onSession: (session: Session, seen: SeenRequest, index: number) => void,
  options: Parameters<typeof createNodeSSE>[0] = {},
): Promise<TestServer> {
  const sse = createNodeSSE({ heartbeat: false, ...options });
  const server = await startServer((req, res, seen, index) => {
    const session = sse(req, res);
    if (session) onSession(session, seen, index);
  });
  return {
    ...server,
    async close() {
      sse.factory.closeAll();
      await server.close();
    },
  };
}

/** Starts an event stream response with the headers a spec-following server sends. */
export function openStream(res: ServerResponse, contentType = 'text/event-stream'): void {
  res.writeHead(200, { 'content-type': contentType, 'cache-control': 'no-store' });
  res.flushHeaders();
}

/** Writes frames, encoded by @sse/core. */
export function send(res: ServerResponse, ...messages: Message[]): void {
  for (const message of messages) res.write(encode(message));
}

/**
 * Records what an EventSource-like target fires as short strings
 * (`open`, `message:data:lastEventId`, `error:readyState`, `close`), and lets a test wait for a count.
 */
export function record(
  source: EventTarget & { readonly readyState: number },
  types: string[] = [],
): { log: string[]; until(count: number): Promise<string[]> } {
  const log: string[] = [];
  const waiters: Array<() => void> = [];
  const push = (entry: string) => {
    log.push(entry);
    for (const wake of waiters.splice(0)) wake();
  };
  source.addEventListener('open', () => push('open'));
  source.addEventListener('error', () => push(`error:${source.readyState}`));
  source.addEventListener('close', () => push('close'));
  for (const type of ['message', ...types]) {
    source.addEventListener(type, (event) => {
      const { data, lastEventId } = event as MessageEvent;
      push(`${type}:${data}:${lastEventId}`);
    });
  }
  return {
    log,
    async until(count) {
      while (log.length < count) await new Promise<void>((r) => waiters.push(r));
      return log.slice(0, count);
    },
  };
}

/** Resolves after `ms` (used only to give a wrong behaviour the chance to show). */
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Per-test cleanup: what `track` gets (sources, servers) is closed after each test, last
 * first, so no socket or timer outlives its test. Call once at the top of a test file.
 */
export function lifecycle() {
  const cleanup: Array<() => unknown> = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  const track = <T extends { close(): unknown }>(thing: T): T => {
    cleanup.push(() => thing.close());
    return thing;
  };
  return {
    track,
    serve: async (...args: Parameters<typeof startServer>) => track(await startServer(...args)),
    serveSSE: async (...args: Parameters<typeof startSSEServer>) =>
      track(await startSSEServer(...args)),
  };
}
