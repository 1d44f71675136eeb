// The server side of the network benchmarks, in its own process so that its memory
// and CPU are its own: `node --expose-gc dist/child.js <entrant> [json options]`.
// It listens on 127.0.0.1:0, tells the parent its port over IPC and then answers the
// parent's commands (measure memory, start/stop CPU accounting, send events).
import { readdirSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { corpora } from './corpora';
import { ENTRANTS, type Entrant, type MetricsMode, type Publisher } from './entrants';
import { tick } from './util';

const [name, rawOptions] = process.argv.slice(2);
const options = JSON.parse(rawOptions ?? '{}') as {
  firehose?: number;
  compression?: boolean;
  redisUrl?: string;
  metrics?: MetricsMode;
};

/** Everything the child can be asked over IPC. */
export type Command =
  | { cmd: 'mem' }
  | { cmd: 'count' }
  | { cmd: 'fds' }
  | { cmd: 'cpuStart' }
  | { cmd: 'cpuEnd' }
  | {
      cmd: 'send';
      events: number;
      bytes: number;
      stamp: boolean;
      json?: boolean;
      /** Publish at this fixed rate (events/s) instead of once per event-loop turn. */
      rate?: number;
    }
  | { cmd: 'exit' };

const send = (m: unknown) => process.send?.(m);
// Never outlive the benchmark that started us.
process.on('disconnect', () => process.exit(0));

function memory() {
  const gc = (globalThis as { gc?: () => void }).gc;
  for (let i = 0; i < 3; i++) gc?.();
  // Reading RSS opens /proc/self/stat: keep working when descriptors run out.
  let m: NodeJS.MemoryUsage;
  try {
    m = process.memoryUsage();
  } catch {
    const h = getHeapStatistics();
    m = {
      rss: Number.NaN,
      heapUsed: h.used_heap_size,
      heapTotal: h.total_heap_size,
      external: h.external_memory,
      arrayBuffers: 0,
    };
  }
  return { rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers };
}

/** Open file descriptors and the soft limit, so the scale run can say what stopped it. */
function fileDescriptors(): { open: number; limit: number | null } {
  try {
    const open = readdirSync('/proc/self/fd').length;
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const limit = line ? Number(line.split(/\s{2,}/)[1]) : null;
    return { open, limit };
  } catch {
    return { open: -1, limit: null };
  }
}

/** A pre-encoded stream of `n` small events, written as fast as the socket takes it. */
function firehose(n: number): (req: IncomingMessage, res: ServerResponse) => void {
  const one = 'data: {"choices":[{"delta":{"content":"token"}}]}\n\n';
  const block = Buffer.from(one.repeat(1000));
  return (_req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
    let left = n / 1000;
    const pump = () => {
      while (left > 0) {
        left--;
        if (!res.write(block)) return void res.once('drain', pump);
      }
    };
    pump();
  };
}

async function main() {
  let entrant: Entrant | undefined;
  let server: Server;
  let publisher: Publisher | undefined;
  if (name === 'firehose') {
    server = createServer(firehose(options.firehose ?? 100_000));
  } else {
    entrant = ENTRANTS[name!];
    if (!entrant) throw new Error(`unknown entrant ${name}`);
    const made = await entrant.create(options);
    if (!made) {
      send({ type: 'unavailable', reason: entrant.requires });
      return;
    }
    server = made.server;
    publisher = made.publisher;
  }
  // Keep descriptors in reserve for the process itself (reading /proc, IPC): past
  // this, node:http closes new connections at once instead of failing at EMFILE.
  const { limit } = fileDescriptors();
  if (limit) server.maxConnections = Math.max(100, limit - 100);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  send({ type: 'ready', port: typeof address === 'object' && address ? address.port : 0 });

  let cpu = process.cpuUsage();
  let cpuT0 = performance.now();
  process.on('message', async (m: Command) => {
    switch (m.cmd) {
      case 'mem':
        send({ type: 'mem', ...memory() });
        break;
      case 'count':
        send({ type: 'count', sessions: publisher?.count() ?? 0 });
        break;
      case 'fds':
        send({ type: 'fds', ...fileDescriptors() });
        break;
      case 'cpuStart':
        cpu = process.cpuUsage();
        cpuT0 = performance.now();
        send({ type: 'cpuStart' });
        break;
      case 'cpuEnd': {
        const d = process.cpuUsage(cpu);
        send({ type: 'cpu', user: d.user, system: d.system, wallMs: performance.now() - cpuT0 });
        break;
      }
      case 'send': {
        // One event to every session per round; yielding between rounds lets the
        // sockets drain, like a real producer that publishes over time. With `rate`,
        // event i goes out at start + i / rate (a fixed offered load).
        const start = performance.now();
        const pad = 'x'.repeat(Math.max(0, m.bytes - 40));
        const json = m.json ? corpora(256 * 1024)[1]!.messages : [];
        for (let i = 0; i < m.events; i++) {
          const data = m.json
            ? json[i % json.length]!.data
            : m.stamp
              ? `{"t":${performance.timeOrigin + performance.now()},"seq":${i},"p":"${pad}"}`
              : `{"seq":${i},"p":"${pad}"}`;
          await publisher!.publish(data, String(i));
          const due = m.rate ? start + ((i + 1) * 1000) / m.rate - performance.now() : 0;
          await (due > 0 ? new Promise((r) => setTimeout(r, due)) : tick());
        }
        send({ type: 'sent' });
        break;
      }
      case 'exit':
        process.exit(0);
    }
  });
}

main().catch((e) => {
  send({ type: 'error', error: String((e as Error)?.stack ?? e) });
  process.exit(1);
});
