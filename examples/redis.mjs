// redis.mjs: two hubs on one Redis stand for two server processes behind a load balancer.
// Events published through one are replayed through the other. Needs Redis 7+:
//   npm install @sse/redis @sse/hub @sse/node @sse/client ioredis
//   REDIS_URL=redis://127.0.0.1:6379 node redis.mjs
import { once } from 'node:events';
import { createServer } from 'node:http';
import { events } from '@sse/client';
import { createHub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';
import { createRedisBackend } from '@sse/redis';

const port = Number(process.env.PORT ?? 3000);
const connection = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const key = `example:${process.pid}`; // one stream per application
const hubA = createHub({ backend: createRedisBackend({ connection, key }) }); // "process A"
const hubB = createHub({ backend: createRedisBackend({ connection, key }) }); // "process B"
const sse = createNodeSSE();

const server = createServer(async (req, res) => {
  const session = sse(req, res);
  if (session === undefined) return;
  // While Redis is away the subscription fails: end the stream, the client reconnects.
  await hubB.subscribe(session, 'chat').catch(() => session.close());
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

const ids = [];
for (const text of ['hi', 'from', 'process A'])
  ids.push(await hubA.publish('chat', { data: text }));

let received = 0; // a client that saw the first message resumes on process B
for await (const event of events(`http://127.0.0.1:${port}/`, { lastEventId: ids[0] })) {
  console.log(event.type, event.data);
  if (++received === 2) break;
}
server.close();
await Promise.all([hubA.close(), hubB.close()]);
