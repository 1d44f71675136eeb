// hub.mjs: broadcast through @sse/hub, and resume after a dropped connection: a client
// that had seen the first event gets exactly the ones it missed, then live events.
//   npm install @sse/hub @sse/node @sse/client && node hub.mjs
import { once } from 'node:events';
import { createServer } from 'node:http';
import { events } from '@sse/client';
import { createHub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';

const port = Number(process.env.PORT ?? 3000);
const hub = createHub(); // history: the last 1000 events or 4 MiB, whichever is less
const sse = createNodeSSE();

const server = createServer(async (req, res) => {
  const session = sse(req, res);
  if (session === undefined) return;
  // Resumes from the request's Last-Event-ID; ends by itself when the session ends.
  await hub.subscribe(session, ['prices']).catch((error) => {
    console.error('subscribe failed:', error.message); // the client reconnects and resumes
    session.close();
  });
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

const ids = [];
for (const price of [100, 101, 102]) ids.push(await hub.publish('prices', { data: String(price) }));

let received = 0;
for await (const event of events(`http://127.0.0.1:${port}/events`, { lastEventId: ids[0] })) {
  console.log(event.type, event.data, event.lastEventId === ids[received + 1]); // topic as type
  if (++received === 2) break;
}
server.close();
await hub.close();
