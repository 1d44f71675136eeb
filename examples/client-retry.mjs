// client-retry.mjs: the EventSource in Node with request headers, a retry policy and an
// idle timeout, against a server that is overloaded (503) twice before it answers.
//   npm install @sse/client && node client-retry.mjs
import { once } from 'node:events';
import { createServer } from 'node:http';
import { EventSource } from '@sse/client';

const port = Number(process.env.PORT ?? 3000);
let requests = 0;
const server = createServer((req, res) => {
  if (++requests <= 2) return void res.writeHead(503, { 'retry-after': '0' }).end();
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.end(`data: hello, ${req.headers.authorization}\n\n`);
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

const source = new EventSource(`http://127.0.0.1:${port}/events`, {
  headers: { authorization: 'Bearer secret' }, // or an (async) function, called per attempt
  retryOnStatus: true, // retry 5xx and 429 (honouring Retry-After); other statuses are final
  retryDelay: 200, // the first wait; later ones back off with jitter up to maxRetryDelay
  maxAttempts: 10, // then CLOSED with a final MAX_ATTEMPTS error
  idleTimeout: 45_000, // reconnect if not even a heartbeat comment arrives for 45 s
  onRetry: ({ attempt, reason }) =>
    console.log(`retry ${attempt}: ${reason.code} ${reason.status}`),
});
source.onmessage = (event) => {
  console.log(event.data);
  source.close();
  server.close();
};
source.onerror = (event) => {
  if (source.readyState !== EventSource.CLOSED) return; // retrying: onRetry said why
  console.error('gave up:', event.error.code, event.error.message);
  server.close();
};
