// web.mjs: a fetch handler that streams events, as Deno, Bun, Workers and Next.js run it.
// Here the client calls the handler in-process (its `fetch` option), so this file runs
// unchanged in Node, Deno and Bun without a port:
//   npm install @sse/web @sse/client && node web.mjs   (or: deno run -A web.mjs, bun web.mjs)
import { events } from '@sse/client';
import { createWebSSE } from '@sse/web';

const sse = createWebSSE(); // options once, outside the handler

// Serve it with Deno.serve(handler), Bun.serve({ fetch: handler }) or `export default { fetch: handler }`.
const handler = (request) =>
  sse(request, async (session) => {
    for (let n = 1; n <= 3; n++) session.send({ id: String(n), event: 'step', data: `step ${n}` });
    session.close(); // what was sent is delivered, then the stream ends
  });

const fetchInProcess = async (url, init) => handler(new Request(url, init));
for await (const event of events('http://localhost/steps', {
  fetch: fetchInProcess,
  oneShot: true, // the loop ends when the stream ends, instead of reconnecting
})) {
  console.log(event.type, event.data, event.lastEventId);
}
