// One load-generator process of the scale run: opens `count` idle SSE connections to
// 127.0.0.1:<port> from source addresses 127.<g>.x.y (each source address has its
// own ~28k ephemeral ports), keeps them open, counts the frames (heartbeats) they get.
// Once armed, each connection records the publish-to-receive latency of the first
// event carrying a `"t":<epoch ms>` stamp (one broadcast to everyone).
// `node dist/scale-client.js <port> <count> <generator index>`; reports over IPC.
import { connect, type Socket } from 'node:net';
import { frameCounter } from './util';

const [port, count, index] = process.argv.slice(2).map(Number) as [number, number, number];
const REQUEST = 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n';
const INFLIGHT = 200;
/** Give up once this many connections in a row failed: the server has reached a limit. */
const MAX_CONSECUTIVE_FAILURES = 300;

const stats = {
  opened: 0,
  failed: 0,
  closedAfterOpen: 0,
  frames: 0,
  errors: {} as Record<string, number>,
  done: false,
};
const sockets: Socket[] = [];
/** Latencies (ms) of the armed broadcast, one per connection that has it. */
const latencies: number[] = [];
/** The broadcast being awaited (0: none yet); each connection records each round once. */
let round = 0;
const STAMP = /"t":([\d.]+),/;
let started = 0;
let inflight = 0;
let consecutive = 0;

process.on('disconnect', () => process.exit(0));
process.on('message', (m: { cmd: string }) => {
  if (m.cmd === 'stats') {
    const { user, system } = process.cpuUsage();
    process.send?.({ type: 'stats', ...stats, received: latencies.length, cpuUs: user + system });
  }
  if (m.cmd === 'arm') {
    round++;
    latencies.length = 0;
    process.send?.({ type: 'armed' });
  }
  if (m.cmd === 'latencies') process.send?.({ type: 'latencies', values: latencies });
  if (m.cmd === 'exit') {
    for (const s of sockets) s.destroy();
    process.exit(0);
  }
});

function source(i: number): string {
  // 127.<index+1>.<b>.<c>: 250 addresses per 1,000 connections keeps every one far
  // below its ephemeral port range.
  const n = Math.floor(i / 4) % 60_000;
  return `127.${index + 1}.${1 + Math.floor(n / 250)}.${1 + (n % 250)}`;
}

function openOne(i: number) {
  inflight++;
  let open = false;
  let settled = false; // opened or failed: counted once (a failure fires 'error' then 'close')
  const countFrames = frameCounter();
  // Text since the round was armed (a frame may arrive in pieces), and the last round seen.
  let pending = '';
  let doneRound = 0;
  const socket = connect({ host: '127.0.0.1', port, localAddress: source(i) }, () =>
    socket.write(REQUEST),
  );
  socket.setTimeout(30_000, () => socket.destroy(new Error('ETIMEDOUT (no first byte in 30 s)')));
  socket.on('data', (chunk: Buffer) => {
    if (!settled) {
      settled = open = true;
      socket.setTimeout(0);
      stats.opened++;
      consecutive = 0;
      sockets.push(socket);
      inflight--;
      pump();
    }
    stats.frames += countFrames(chunk);
    if (round > doneRound) {
      const now = performance.timeOrigin + performance.now();
      pending += chunk.toString('latin1');
      const m = STAMP.exec(pending);
      if (m) {
        latencies.push(now - Number(m[1]));
        doneRound = round;
        pending = '';
      } else pending = pending.slice(-200); // heartbeats only: keep what a stamp could start in
    }
  });
  const fail = (code: string) => {
    if (open) {
      open = false;
      stats.closedAfterOpen++;
      return;
    }
    if (settled) return;
    settled = true;
    stats.failed++;
    consecutive++;
    stats.errors[code] = (stats.errors[code] ?? 0) + 1;
    inflight--;
    pump();
  };
  socket.on('error', (e: NodeJS.ErrnoException) => fail(e.code ?? e.message));
  socket.on('close', () => fail('closed before the first byte'));
}

function pump() {
  while (inflight < INFLIGHT && started < count && consecutive < MAX_CONSECUTIVE_FAILURES)
    openOne(started++);
  if (inflight === 0 && (started >= count || consecutive >= MAX_CONSECUTIVE_FAILURES))
    stats.done = true;
}

pump();
