// Deno.serve with @sse/web, as the web README's Deno section says to run it
// (`--unstable-no-legacy-abort`, or "unstable": ["no-legacy-abort"] in deno.json): run by
// scripts/consumer-check.mjs, which also requires that Deno prints no legacy-abort warning.
// A client reads one event and goes away; the session must end with reason 'peer'.
import { createWebSSE } from '@sse/web';

const sse = createWebSSE();
const { promise: ended, resolve } = Promise.withResolvers();
const server = Deno.serve({ port: 0, hostname: '127.0.0.1', onListen() {} }, (request) =>
  sse(request, (session) => {
    const timer = setInterval(() => session.send({ data: 'tick' }), 20);
    session.signal.addEventListener('abort', () => {
      clearInterval(timer);
      resolve(session.signal.reason?.message);
    });
  }),
);
const client = new AbortController();
const response = await fetch(`http://127.0.0.1:${server.addr.port}/`, { signal: client.signal });
const first = await response.body.getReader().read();
console.log('first event:', new TextDecoder().decode(first.value).trim());
client.abort();
console.log('session ended:', await ended);
await server.shutdown();
