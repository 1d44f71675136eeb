// web-deno.mjs: @sse/web on Deno.serve, and a client that reads three ticks and leaves.
//   deno run -A --unstable-no-legacy-abort web-deno.mjs
// (The flag: see "Deno" in the @sse/web README. This file imports from node_modules, as in a
// Deno project with package.json; without one, import 'npm:@sse/web' and 'npm:@sse/client'.)
import { events } from '@sse/client';
import { createWebSSE } from '@sse/web';

const port = Number(Deno.env.get('PORT') ?? 8000);
const sse = createWebSSE(); // options once, outside the handler
const { promise: ended, resolve } = Promise.withResolvers();

const server = Deno.serve({ port, hostname: '127.0.0.1', onListen() {} }, (request) =>
  sse(request, (session) => {
    let n = Number(session.lastEventId) || 0; // a reconnecting client continues where it was
    const timer = setInterval(() => session.send({ id: String(++n), data: `tick ${n}` }), 100);
    session.signal.addEventListener('abort', () => {
      clearInterval(timer);
      resolve(session.signal.reason.message); // why it ended: here, the client left
    });
  }),
);

for await (const event of events(`http://127.0.0.1:${port}/ticks`)) {
  console.log(event.data);
  if (event.lastEventId === '3') break; // break closes the connection
}
console.log(await ended);
await server.shutdown();
