// Measures what oversized bodies cost a running demo: eight concurrent POSTs announcing
// 64 MiB each, then eight chunked ones, each writing as fast as the socket takes it,
// and the demo's RSS (read from /proc, so Linux only) before, after each round and 2 s
// later. Usage, with the demo running (e.g. PORT=3917 node apps/demo/dist/main.js):
//   node apps/demo/scripts/body-flood.mjs <port> <pid of the demo>
import { readFileSync } from 'node:fs';
import { request } from 'node:http';

const [port, pid] = process.argv.slice(2);
if (!port || !pid) {
  console.error('usage: node apps/demo/scripts/body-flood.mjs <port> <pid of the demo>');
  process.exit(1);
}
const MiB = 2 ** 20;
const rss = () =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)?.[1]) / 1024;

/** One POST of 64 MiB; resolves with the status (0: closed before it was read) and MiB written. */
function post(chunked) {
  return new Promise((resolve) => {
    const headers = { 'content-type': 'application/json' };
    if (!chunked) headers['content-length'] = String(64 * MiB);
    const req = request({
      host: '127.0.0.1',
      port,
      path: '/api/rooms/lobby/messages',
      method: 'POST',
      headers,
    });
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    let sent = 0;
    let status = 0;
    req.on('response', (res) => {
      status = res.statusCode ?? 0;
      res.resume();
    });
    const done = () => resolve({ status, sentMiB: Number((sent / MiB).toFixed(2)) });
    req.on('error', done);
    req.on('close', done);
    const pump = () => {
      while (sent < 64 * MiB) {
        sent += chunk.length;
        if (!req.write(chunk)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

console.log(`RSS before: ${rss().toFixed(1)} MiB`);
for (const chunked of [false, true]) {
  const results = await Promise.all(Array.from({ length: 8 }, () => post(chunked)));
  console.log(`${chunked ? 'chunked' : 'Content-Length'}: ${JSON.stringify(results)}`);
  console.log(`RSS: ${rss().toFixed(1)} MiB`);
}
await new Promise((resolve) => setTimeout(resolve, 2000));
console.log(`RSS 2 s later: ${rss().toFixed(1)} MiB`);
