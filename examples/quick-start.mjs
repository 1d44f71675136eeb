// quick-start.mjs: a broadcast server and a client in one file. Node 20+:
//   npm install @sse/hub @sse/node @sse/client && node quick-start.mjs
// It prints three events and exits. This file is an ES module (top-level await): keep the
// .mjs extension, or set "type": "module" in package.json. From CommonJS, require() the
// same packages (see examples/core.cjs).
import { once } from 'node:events';
import { createServer } from 'node:http';
import { events } from '@sse/client';
import { createHub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';

const port = Number(process.env.PORT ?? 3000);
// In memory, for one process. Many processes share one Redis:
// createHub({ backend: createRedisBackend({ connection: process.env.REDIS_URL }) }) from @sse/redis.
const hub = createHub();
const sse = createNodeSSE(); // headers, heartbeats, Last-Event-ID, backpressure

const server = createServer(async (req, res) => {
  const session = sse(req, res);
  if (session === undefined) return; // already answered (CORS preflight, 503 at maxSessions)
  try {
    await hub.subscribe(session, ['news']); // replays what a reconnecting client missed
    // Your app publishes whenever news happen; here, each time a reader has subscribed.
    for (const title of ['SSE toolkit released', 'Replay works', 'That is all']) {
      await hub.publish('news', { data: JSON.stringify({ title }) }); // encoded once, written N times
    }
  } catch (error) {
    // E.g. the Redis backend is unreachable: end the stream, the client reconnects later.
    console.error('stream failed:', error.message);
    session.close();
  }
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

// The client: browsers, Node, Deno, Bun, Workers. Reconnects with Last-Event-ID by itself.
let received = 0;
for await (const event of events(`http://127.0.0.1:${port}/events`, {
  headers: { authorization: 'Bearer my-token' }, // anything fetch accepts
})) {
  console.log(event.type, JSON.parse(event.data).title);
  if (++received === 3) break; // break closes the connection
}

server.close();
await hub.close();
