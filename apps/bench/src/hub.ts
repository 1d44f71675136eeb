import { ChildServer, closeClients, heapGrowth, openClients, waitFrames } from './load';
import { startRedis } from './redis';
import {
  fmt,
  median,
  percentile,
  type Ratio,
  type RunConfig,
  ratioTable,
  type SectionResult,
} from './util';

const ENTRANTS: [string, string][] = [
  ['hub-sse', '@sse/hub (memory) on @sse/node'],
  ['hub-better-sse', 'better-sse channel'],
  ['hono-streamSSE', 'hono streamSSE loop'],
];

const signed = (x: number, digits: number) => (x >= 0 ? '+' : '') + fmt(x, digits);
const perSecond = (rate: number) => `${fmt(rate)} event${rate === 1 ? '' : 's'}/s`;

interface Latency {
  p50: number;
  p99: number;
}

/** One broadcast measurement (medians over the repetitions). */
export interface Run extends Latency {
  perSec: number;
  /** Latency at the fixed rate, when `paced` was asked for. */
  paced?: Latency;
  cpuPerDelivery: number;
  cpuPerPublish: number;
  msPerEvent: number;
  memPerSub: number;
}

/**
 * Broadcast: `subs` clients connected to one server process, `events` published as
 * fast as the server takes them (one per event-loop turn), with a timestamp in each.
 * Delivered events/s = subs x events / time until every client had every event.
 * Latency = receive time - publish timestamp, on a sample of 50 connections.
 * With `paced`, the same clients then get `paced.events` published at a fixed
 * `paced.rate` (events/s): latency at one offered load that every entrant sustains.
 */
export async function broadcast(
  entrant: string,
  subs: number,
  events: number,
  reps: number,
  options: Record<string, unknown> = {},
  paced?: { rate: number; events: number },
): Promise<Run | string> {
  const server = await ChildServer.start(entrant, options);
  if (typeof server === 'string') return server;
  try {
    await new Promise((r) => setTimeout(r, 200));
    const m0 = await server.memory();
    const clients = await openClients(server.port, subs, { sample: 50 });
    for (let i = 0; i < 200 && (await server.sessions()) < subs; i++)
      await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 300));
    const m1 = await server.memory();
    /** One round: fresh latency samples, `send` publishes `n` events, every client gets them. */
    const round = async (n: number, send: () => Promise<unknown>) => {
      for (const c of clients) if (c.latencies) c.latencies.length = 0;
      const base = clients.map((c) => c.frames);
      await send();
      await waitFrames(clients, base, n, 300_000);
    };
    const latencies = () => clients.flatMap((c) => c.latencies ?? []);
    const runs: Omit<Run, 'memPerSub' | 'paced'>[] = [];
    for (let rep = 0; rep < reps; rep++) {
      let t0 = 0;
      await round(events, async () => {
        await server.ask({ cmd: 'cpuStart' }, 'cpuStart');
        t0 = performance.now();
        await server.ask({ cmd: 'send', events, bytes: 200, stamp: true }, 'sent');
      });
      const ms = performance.now() - t0;
      const cpu = await server.ask({ cmd: 'cpuEnd' }, 'cpu');
      const us = (cpu.user as number) + (cpu.system as number);
      const lat = latencies();
      runs.push({
        perSec: (subs * events) / (ms / 1000),
        p50: percentile(lat, 50),
        p99: percentile(lat, 99),
        cpuPerDelivery: us / (subs * events),
        cpuPerPublish: us / events,
        msPerEvent: ms / events,
      });
    }
    const pacedRuns: Latency[] = [];
    for (let rep = 0; paced && rep < reps; rep++) {
      const { events: n, rate } = paced;
      await round(n, () =>
        server.ask({ cmd: 'send', events: n, bytes: 200, stamp: true, rate }, 'sent'),
      );
      const lat = latencies();
      pacedRuns.push({ p50: percentile(lat, 50), p99: percentile(lat, 99) });
    }
    closeClients(clients);
    const med = (k: keyof Omit<Run, 'memPerSub' | 'paced'>) => median(runs.map((r) => r[k]));
    return {
      paced: paced && {
        p50: median(pacedRuns.map((r) => r.p50)),
        p99: median(pacedRuns.map((r) => r.p99)),
      },
      perSec: med('perSec'),
      p50: med('p50'),
      p99: med('p99'),
      cpuPerDelivery: med('cpuPerDelivery'),
      cpuPerPublish: med('cpuPerPublish'),
      msPerEvent: med('msPerEvent'),
      memPerSub: heapGrowth(m0, m1) / subs,
    };
  } finally {
    await server.stop();
  }
}

/** Hub broadcast at 1k and 10k subscribers against the peers, and Redis overhead. */
export async function hubBench(cfg: RunConfig): Promise<SectionResult> {
  // [subscribers, events at saturation, the fixed-rate run]: the fixed rate offers
  // 10,000 deliveries/s (1,000 in quick mode), which every entrant sustains.
  type Size = [number, number, { rate: number; events: number }];
  const sizes: Size[] = cfg.quick
    ? [[100, 20, { rate: 10, events: 5 }]]
    : [
        [1000, 200, { rate: 10, events: 30 }],
        [10_000, 20, { rate: 1, events: 8 }],
      ];
  const reps = cfg.quick ? 1 : 3;
  const rows: string[][] = [];
  const ratios: Ratio[] = [];
  const data: Record<string, unknown>[] = [];
  const pacedRows: string[][] = [];
  for (const [subs, events, paced] of sizes) {
    const got = new Map<string, Run>();
    for (const [key, label] of ENTRANTS) {
      const r = await broadcast(key, subs, events, reps, {}, paced);
      data.push({ entrant: key, subs, events, paced, result: r });
      if (typeof r === 'string') {
        rows.push([fmt(subs), label, r, '', '', '', '']);
        pacedRows.push([fmt(subs), label, r, '', '']);
        continue;
      }
      got.set(key, r);
      pacedRows.push([
        fmt(subs),
        label,
        `${perSecond(paced.rate)} (${fmt(paced.rate * subs)} deliveries/s)`,
        fmt(r.paced?.p50, 1),
        fmt(r.paced?.p99, 1),
      ]);
      rows.push([
        fmt(subs),
        label,
        fmt(r.perSec),
        fmt(r.p50, 1),
        fmt(r.p99, 1),
        fmt(r.cpuPerDelivery, 2),
        fmt(r.memPerSub / 1024, 1),
      ]);
    }
    const ours = got.get('hub-sse');
    for (const [key, label] of ENTRANTS.slice(1)) {
      const theirs = got.get(key);
      ratios.push({
        name: `hub delivered events/s vs ${label}, ${fmt(subs)} subscribers`,
        value: ours && theirs ? ours.perSec / theirs.perSec : null,
        target: key === 'hub-better-sse' ? 2 : undefined,
      });
      ratios.push({
        name: `hub p99 latency vs ${label}, ${fmt(subs)} subscribers`,
        value: ours && theirs ? ours.p99 / theirs.p99 : null,
        target: key === 'hub-better-sse' ? 1 : undefined,
        better: 'lower',
      });
      ratios.push({
        name: `hub p99 latency at ${perSecond(paced.rate)} vs ${label}, ${fmt(subs)} subscribers`,
        value: ours?.paced && theirs?.paced ? ours.paced.p99 / theirs.paced.p99 : null,
        target: key === 'hub-better-sse' ? 1 : undefined,
        better: 'lower',
      });
      ratios.push({
        name: `hub server CPU per delivery vs ${label}, ${fmt(subs)} subscribers`,
        value: ours && theirs ? ours.cpuPerDelivery / theirs.cpuPerDelivery : null,
        better: 'lower',
      });
    }
  }

  // Redis overhead: the same broadcast with the @sse/redis backend.
  const redisRows: string[][] = [];
  const redis = await startRedis();
  // Few subscribers and many events, so the backend's cost per event is not buried
  // under the fan-out cost (which is the same for both backends).
  const [subs, events] = cfg.quick ? [10, 100] : [10, 2000];
  if (typeof redis === 'string') {
    redisRows.push(['@sse/redis', redis, '', '', '', '']);
  } else {
    try {
      const mem = await broadcast('hub-sse', subs, events, reps);
      const red = await broadcast('hub-sse-redis', subs, events, reps, { redisUrl: redis.url });
      for (const [label, r] of [
        ['in-memory backend', mem],
        ['@sse/redis backend', red],
      ] as const) {
        redisRows.push(
          typeof r === 'string'
            ? [label, r, '', '', '', '']
            : [
                label,
                fmt(r.msPerEvent, 3),
                fmt(r.p50, 2),
                fmt(r.p99, 2),
                fmt(r.cpuPerPublish, 1),
                fmt(r.perSec),
              ],
        );
      }
      if (typeof mem !== 'string' && typeof red !== 'string')
        redisRows.push([
          'Redis overhead per event',
          `${signed(red.msPerEvent - mem.msPerEvent, 3)} ms`,
          `${signed(red.p50 - mem.p50, 2)} ms`,
          `${signed(red.p99 - mem.p99, 2)} ms`,
          `${signed(red.cpuPerPublish - mem.cpuPerPublish, 1)} µs`,
          '',
        ]);
      data.push({ redis: { subs, events, memory: mem, redis: red } });
    } finally {
      await redis.stop();
    }
  }
  return {
    name: 'hub',
    tables: [
      {
        title: `Broadcast: events published as fast as the server takes them (median of ${reps})`,
        columns: [
          'subscribers',
          'server',
          'delivered events/s',
          'p50 ms',
          'p99 ms',
          'server CPU µs / delivery',
          'heap+external KiB / subscriber',
          '',
        ],
        rows,
      },
      {
        title: `Latency at a fixed offered load: the same clients, events published at a fixed rate (median of ${reps})`,
        columns: ['subscribers', 'server', 'rate', 'p50 ms', 'p99 ms'],
        rows: pacedRows,
      },
      {
        title: `Redis overhead: ${fmt(subs)} subscribers, ${fmt(events)} events published one after another (server process CPU; redis-server's own CPU not counted)`,
        columns: [
          'backend',
          'wall ms / event (publish loop)',
          'p50 ms',
          'p99 ms',
          'server CPU µs / event',
          'delivered events/s',
        ],
        rows: redisRows,
      },
      ratioTable('Hub ratios (ours / theirs)', ratios),
    ],
    ratios,
    notes: [
      'Broadcast latency is measured at saturation (publishing as fast as the server accepts), so it includes queueing, and each entrant runs at its own rate; the fixed-rate table compares latency at one offered load. The load generator (one process parsing every frame of every connection) shares the 2 cores with the server and caps the delivered events/s it can count; server CPU per delivery is the cost on the server side alone.',
    ],
    data,
  };
}
