// hono.mjs: a Hono route that streams events through @sse/hono. Serve `app` as usual
// (@hono/node-server's serve({ fetch: app.fetch }), Deno.serve(app.fetch), Bun, Workers);
// here the client calls app.fetch in-process, so the file runs anywhere Hono runs:
//   npm install @sse/hono hono @sse/client && node hono.mjs
import { events } from '@sse/client';
import { sseHandler } from '@sse/hono';
import { Hono } from 'hono';

const app = new Hono();
app.get(
  '/events',
  sseHandler((session, c) => {
    session.send({ event: 'hello', data: `hello ${c.req.query('name') ?? 'there'}` });
    session.close();
  }),
);

for await (const event of events('http://localhost/events?name=hono', {
  fetch: async (url, init) => app.fetch(new Request(url, init)),
  oneShot: true,
})) {
  console.log(event.type, event.data);
}
