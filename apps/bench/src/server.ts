import { ChildServer, closeClients, heapGrowth, openClients, waitFrames } from './load';
import {
  fmt,
  median,
  type Ratio,
  type RunConfig,
  ratioTable,
  type SectionResult,
  spread,
} from './util';

/** Server entrants in table order; the first is the baseline. */
const ENTRANTS: [string, string][] = [
  ['bare', 'bare res.write handler (node:http)'],
  ['sse-node', '@sse/node'],
  ['sse-web', '@sse/web on @hono/node-server'],
  ['sse-hono', '@sse/hono on @hono/node-server (native path, the default)'],
  ['sse-hono-web', '@sse/hono on @hono/node-server, native: false (web path)'],
  ['better-sse', 'better-sse 0.16'],
  ['hono-streamSSE', 'hono streamSSE on @hono/node-server'],
];

/**
 * Memory per idle connection and CPU per delivered event, each server in its own child
 * process, the load generator here. Memory: the child's RSS and heap+external growth
 * (after GC) divided by the connections. CPU: the child's user+system time while it
 * sends `events` rounds of one event to every connection and the clients receive them,
 * divided by the deliveries.
 */
export async function serverBench(cfg: RunConfig): Promise<SectionResult> {
  const conns = cfg.quick ? 100 : 1000;
  const events = cfg.quick ? 20 : 200;
  const reps = cfg.quick ? 2 : 5;
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  const results = new Map<string, { rss: number; heap: number; cpu: number }>();
  for (const [key, label] of ENTRANTS) {
    const server = await ChildServer.start(key);
    if (typeof server === 'string') {
      rows.push([label, server, '', '', '', '']);
      data.push({ entrant: key, unavailable: server });
      continue;
    }
    try {
      await new Promise((r) => setTimeout(r, 200));
      const m0 = await server.memory();
      const clients = await openClients(server.port, conns);
      const open = await server.sessions();
      await new Promise((r) => setTimeout(r, 300));
      const m1 = await server.memory();
      const rss = (m1.rss - m0.rss) / conns;
      const heap = heapGrowth(m0, m1) / conns;
      const cpus: number[] = [];
      for (let rep = 0; rep < reps; rep++) {
        const base = clients.map((c) => c.frames);
        await server.ask({ cmd: 'cpuStart' }, 'cpuStart');
        await server.ask({ cmd: 'send', events, bytes: 100, stamp: false }, 'sent');
        await waitFrames(clients, base, events, 120_000);
        const cpu = await server.ask({ cmd: 'cpuEnd' }, 'cpu');
        cpus.push(((cpu.user as number) + (cpu.system as number)) / (conns * events));
      }
      closeClients(clients);
      const cpu = median(cpus);
      results.set(key, { rss, heap, cpu });
      rows.push([
        label,
        fmt(open),
        fmt(rss / 1024, 1),
        fmt(heap / 1024, 1),
        fmt(cpu, 2),
        spread(cpus, 2),
      ]);
      data.push({
        entrant: key,
        connections: conns,
        open,
        rssPerConn: rss,
        heapPerConn: heap,
        cpuUsPerEvent: cpus,
      });
    } finally {
      await server.stop();
    }
  }
  const bare = results.get('bare');
  const cost = (key: string, what: 'heap' | 'cpu', base?: { heap: number; cpu: number }) => {
    const a = results.get(key)?.[what];
    const b = base?.[what];
    return a !== undefined && b ? a / b : null;
  };
  const ratios: Ratio[] = [];
  // @sse/hono's native path is held to @sse/node's cost (issue 14): the targets for it.
  const targets: Record<string, { heap?: number; cpu?: number }> = {
    'sse-node': { heap: 1.25, cpu: 1.2 },
    'sse-web': { heap: 1.25, cpu: 1.2 },
    'sse-hono': { heap: 1.35, cpu: 1.1 },
    'sse-hono-web': {},
  };
  for (const ours of ['sse-node', 'sse-web', 'sse-hono', 'sse-hono-web']) {
    ratios.push(
      {
        name: `${ours} memory per idle connection vs bare handler (heap+external)`,
        value: cost(ours, 'heap', bare),
        target: targets[ours]!.heap,
        better: 'lower',
      },
      {
        name: `${ours} CPU per delivered event vs bare handler`,
        value: cost(ours, 'cpu', bare),
        target: targets[ours]!.cpu,
        better: 'lower',
      },
      {
        name: `${ours} CPU per delivered event vs better-sse`,
        value: cost(ours, 'cpu', results.get('better-sse')),
        target: 0.5,
        better: 'lower',
      },
      {
        name: `${ours} CPU per delivered event vs hono streamSSE`,
        value: cost(ours, 'cpu', results.get('hono-streamSSE')),
        better: 'lower',
      },
    );
  }
  return {
    name: 'server',
    tables: [
      {
        title: `Server: ${fmt(conns)} idle connections, then ${events} events to each (CPU: median of ${reps})`,
        columns: [
          'server',
          'open sessions',
          'RSS KiB / conn',
          'heap+external KiB / conn',
          'CPU µs / delivered event',
          'CPU min..max',
        ],
        rows,
      },
      ratioTable('Server ratios (ours / theirs, cost: lower is better)', ratios),
    ],
    ratios,
    notes: [
      'Every server sends the same frames (`id` + one line of ~100 bytes of JSON data); better-sse adds `event: message` (its push always names the event) and is given `serializer: String` because the data is already JSON.',
      '@sse/web, @sse/hono with `native: false` and hono streamSSE run on @hono/node-server, which bridges web streams to node:http and costs memory and CPU of its own: for them, hono streamSSE is the same-transport peer. @sse/hono by default writes the stream to the Node response through @sse/node (its native path), so it is compared with the bare handler like @sse/node.',
      'RSS per connection is noisy (allocator pages); heap+external after GC is the steadier figure. The load generator (this process) is not counted.',
    ],
    data,
  };
}
