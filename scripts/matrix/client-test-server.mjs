// The HTTP server behind packages/client/test/portable.test.ts: one small node:http
// server on 127.0.0.1 (port 0) with a route per spec case, so that the client's test file
// itself needs no Node built-ins and runs unchanged in every runtime. The test learns its
// base URL from `globalThis.__SSE_TEST_SERVER__` (set by run-workerd.mjs / run-chromium.mjs)
// or `process.env.SSE_TEST_SERVER` (set by `setup` below, the client project's vitest
// globalSetup). Stateless on purpose: a route's answer depends only on the request (its
// query, headers and body), so parallel runs never see each other's state.
//
//   node scripts/matrix/client-test-server.mjs    start it alone; prints its URL
//
// CORS: every answer allows any origin, and preflights allow the requested method and
// headers (`Last-Event-ID`, custom headers), because the Chromium page's origin differs.
import { once } from 'node:events';
import { createServer } from 'node:http';

/** Wire text per route; `q` is the query, `h` the request headers, `body` the request body. */
const ROUTES = {
  // Open, then messages and a named event; stays open until the client goes.
  '/stream': () => ({
    chunks: ['data: one\n\n', 'event: ping\ndata: two\ndata: lines\nid: 7\n\n', 'data: three\n\n'],
  }),
  // The last event ID persists, an id-only block updates it, an empty `id` resets it, an
  // id with NUL is ignored.
  '/ids': () => ({
    chunks: [
      'id: 1\ndata: a\n\n',
      'data: b\n\n',
      'id: 2\n\n',
      'data: c\n\n',
      'id\ndata: d\n\n',
      'id: x\0y\ndata: e\n\n',
    ],
  }),
  // Without Last-Event-ID: `retry:`, an event with an id, then a clean end (the client must
  // reconnect). With it: one event that echoes it, then stays open.
  '/reconnect': (q, h) =>
    h['last-event-id'] === undefined
      ? { chunks: [`retry: ${Number(q.get('retry') ?? 20)}\nid: 42\ndata: first\n\n`], end: true }
      : { chunks: [`data: last-event-id=${h['last-event-id']}\n\n`] },
  // Any status, with a text/event-stream type and (except 204) a body.
  '/status': (q) => {
    const status = Number(q.get('code') ?? 200);
    return { status, chunks: status === 204 ? [] : ['data: x\n\n'], end: true };
  },
  // 200 with the given content type.
  '/type': (q) => ({ type: q.get('ct') ?? 'text/plain', chunks: ['data: x\n\n'], end: true }),
  // The method and body, echoed as one named event; then the end (for one-shot streams).
  '/echo': (_q, h, body, method) => ({
    chunks: [`event: echo\ndata: ${method} ${h['content-type'] ?? ''} ${body}\n\n`],
    end: true,
  }),
  // The `x-n` request header, echoed; then a clean end after a short `retry:`.
  '/headers': (_q, h) => ({ chunks: [`retry: 10\ndata: x-n=${h['x-n'] ?? ''}\n\n`], end: true }),
  // `n` events with ids 1..n, then the end.
  '/finite': (q) => ({
    chunks: Array.from(
      { length: Number(q.get('n') ?? 3) },
      (_, i) => `id: ${i + 1}\ndata: e${i + 1}\n\n`,
    ),
    end: true,
  }),
};

const CORS = { 'access-control-allow-origin': '*' };

/** Starts the server on 127.0.0.1 (a free port); resolves to its base URL and a close. */
export async function startClientTestServer() {
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        ...CORS,
        'access-control-allow-methods': req.headers['access-control-request-method'] ?? 'GET',
        'access-control-allow-headers': req.headers['access-control-request-headers'] ?? '',
        'access-control-max-age': '0',
      });
      res.end();
      return;
    }
    let body = '';
    for await (const chunk of req) body += chunk;
    const route = ROUTES[url.pathname];
    if (!route) {
      res.writeHead(404, { ...CORS, 'content-type': 'text/plain' });
      res.end('not found');
      return;
    }
    const answer = route(url.searchParams, req.headers, body, req.method);
    res.writeHead(answer.status ?? 200, {
      ...CORS,
      'content-type': answer.type ?? 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
    });
    for (const chunk of answer.chunks) res.write(chunk);
    if (answer.end) res.end();
    // Otherwise the stream stays open until the client disconnects (or the server closes).
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${server.address().port}`;
  return {
    url,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * vitest globalSetup of the client project: starts the server unless SSE_TEST_SERVER is
 * already set, and hands its URL to the test workers through that variable.
 */
export default async function setup() {
  if (process.env.SSE_TEST_SERVER) return undefined;
  const server = await startClientTestServer();
  process.env.SSE_TEST_SERVER = server.url;
  return async () => {
    delete process.env.SSE_TEST_SERVER;
    await server.close();
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const server = await startClientTestServer();
  console.log(server.url);
}
