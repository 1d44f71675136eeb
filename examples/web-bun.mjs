// web-bun.mjs: @sse/web on Bun.serve, and a client that reads three ticks and leaves.
//   bun web-bun.mjs
import { events } from '@sse/client';
import { createWebSSE } from '@sse/web';

const port = Number(process.env.PORT ?? 3000);
const sse = createWebSSE(); // options once, outside the handler
const { promise: ended, resolve } = Promise.withResolvers();

const server = Bun.serve({
  port,
  hostname: '127.0.0.1',
  fetch(request, server) {
    // `server` lets the adapter lift Bun's 10 s idle timeout for this stream.
    return sse(
      request,
      (session) => {
        let n = Number(session.lastEventId) || 0;
        const timer = setInterval(() => session.send({ id: String(++n), data: `tick ${n}` }), 100);
        session.signal.addEventListener('abort', () => {
          clearInterval(timer);
          resolve(session.signal.reason.message); // why it ended: here, the client left
        });
      },
      { server },
    );
  },
});

for await (const event of events(`http://127.0.0.1:${port}/ticks`)) {
  console.log(event.data);
  if (event.lastEventId === '3') break; // break closes the connection
}
console.log(await ended);
server.stop(true);
