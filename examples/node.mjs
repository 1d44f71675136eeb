// node.mjs: a node:http stream of ticks that resumes from Last-Event-ID, read by the
// @sse/client EventSource. Express, Fastify, Koa and http2 take the same sse(req, res).
//   npm install @sse/node @sse/client && node node.mjs
import { once } from 'node:events';
import { createServer } from 'node:http';
import { EventSource } from '@sse/client';
import { createNodeSSE } from '@sse/node';

const port = Number(process.env.PORT ?? 3000);
const sse = createNodeSSE({ retry: 2000 }); // options once, outside the handler

const server = createServer((req, res) => {
  if (req.url !== '/ticks') return void res.writeHead(404).end();
  const session = sse(req, res);
  if (session === undefined) return; // already answered (CORS preflight, 503 at maxSessions)
  let n = Number(session.lastEventId) || 0; // a reconnecting client continues where it was
  const timer = setInterval(() => session.send({ id: String(++n), data: `tick ${n}` }), 100);
  session.signal.addEventListener('abort', () => clearInterval(timer)); // client gone, or closed
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

const source = new EventSource(`http://127.0.0.1:${port}/ticks`);
source.onerror = (event) => console.error(event.error.code, event.error.message);
source.onmessage = (event) => {
  console.log(event.data, `(id ${event.lastEventId})`);
  if (event.lastEventId === '3') {
    source.close();
    server.close();
  }
};
