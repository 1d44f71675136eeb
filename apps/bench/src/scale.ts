import { type ChildProcess, fork } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ChildServer, heapGrowth } from './load';
import { startRedis } from './redis';
import { fmt, percentile, type RunConfig, type SectionResult, unavailable } from './util';

/** Connections per load-generator process: well under the usual 20k open-file limit. */
const PER_GENERATOR = 12_500;
/** Descriptors each worker keeps for itself (IPC, Redis, /proc reads) below its limit. */
const WORKER_RESERVE = 1_000;

interface GenStats {
  opened: number;
  failed: number;
  closedAfterOpen: number;
  frames: number;
  received: number;
  /** The generator's own CPU time so far, in µs. */
  cpuUs: number;
  errors: Record<string, number>;
  done: boolean;
}

type Reply = { type: string } & Record<string, unknown>;

/** Sends `cmd` to a load generator and waits for its reply of kind `replyType`. */
function askGen<T>(child: ChildProcess, cmd: string, replyType: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const on = (m: Reply) => {
      if (m.type !== replyType) return;
      child.off('message', on);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => {
      child.off('message', on);
      reject(new Error(`load generator exited with ${code}`));
    };
    child.on('message', on);
    child.once('exit', onExit);
    child.send({ cmd });
  });
}
const stats = (gens: ChildProcess[]) =>
  Promise.all(gens.map((g) => askGen<GenStats>(g, 'stats', 'stats')));

/** This process's hard open-file limit (what a child can raise its soft limit to; Infinity when unlimited), or null when unknown. */
export function hardFileLimit(): number | null {
  try {
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const field = line?.split(/\s{2,}/)[2];
    if (field === 'unlimited') return Number.POSITIVE_INFINITY;
    const hard = Number(field);
    return Number.isSafeInteger(hard) ? hard : null;
  } catch {
    return null;
  }
}

/**
 * Workers needed to hold `target` connections when each process may open `limit`
 * descriptors and keeps `reserve` of them for itself; at least one.
 */
export function workersFor(target: number, limit: number | null, reserve = WORKER_RESERVE): number {
  if (limit === null || limit <= reserve) return 1;
  return Math.max(1, Math.ceil(target / (limit - reserve)));
}

/** Broadcasts after the hold, one at a time. */
const BROADCASTS = 3;

/** One broadcast's publish-to-receive latencies over every connection. */
interface Broadcast {
  received: number;
  gaveUp: boolean;
  p50: number;
  p99: number;
  /** The largest latency: how long until the last subscriber had the event. */
  last: number;
  /** CPU time of all workers from publish to the last receipt, ms (includes idle heartbeats). */
  serverCpuMs: number;
  /** CPU time of all load generators over the same span, ms. */
  clientCpuMs: number;
}

/**
 * Arms every load generator, has the server publish one stamped event, and waits (up
 * to 60 s) until `open` connections have it.
 */
async function broadcast(srv: ChildServer, gens: ChildProcess[], open: number): Promise<Broadcast> {
  await Promise.all(gens.map((g) => askGen(g, 'arm', 'armed')));
  const clientCpu = async () => (await stats(gens)).reduce((a, s) => a + s.cpuUs, 0);
  const clientCpu0 = await clientCpu();
  await srv.ask({ cmd: 'cpuStart' }, 'cpuStart');
  await srv.ask({ cmd: 'send', events: 1, bytes: 100, stamp: true }, 'sent');
  let received = 0;
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    received = (await stats(gens)).reduce((a, s) => a + s.received, 0);
    if (received >= open) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  const cpu = await srv.ask({ cmd: 'cpuEnd' }, 'cpu');
  const clientCpuMs = ((await clientCpu()) - clientCpu0) / 1000;
  const latencies = (
    await Promise.all(gens.map((g) => askGen<{ values: number[] }>(g, 'latencies', 'latencies')))
  ).flatMap((r) => r.values);
  return {
    received: latencies.length,
    gaveUp: received < open,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    last: latencies.length ? latencies.reduce((a, b) => Math.max(a, b)) : Number.NaN,
    serverCpuMs: ((cpu.user as number) + (cpu.system as number)) / 1000,
    clientCpuMs,
  };
}

const mib = (bytes: number) => `${fmt(bytes / 2 ** 20, 1)} MiB`;
const kib = (bytes: number) => `${fmt(bytes / 1024, 2)} KiB`;

/**
 * The scale run: how many concurrent idle subscribers a cluster of Node workers holds
 * (node:cluster, one shared listening socket; each worker runs @sse/hub on @sse/node
 * with heartbeats at the default 15 s, the hub shared through @sse/redis on a
 * redis-server the run starts), then one broadcast to all of them. The number of
 * workers follows from the target and the per-process open-file limit. Load generators
 * are separate processes on 127.0.0.1 that connect from many loopback source addresses.
 * `--target=N` (default 50,000), `--workers=N` to override the derived count. In quick
 * mode (the CI smoke) it is a tiny cluster: 200 subscribers on 2 workers, no hold, one
 * broadcast, so the cluster and Redis wiring are exercised in seconds.
 */
export async function scaleBench(cfg: RunConfig): Promise<SectionResult> {
  const argNumber = (name: string) => {
    const arg = process.argv.find((a) => a.startsWith(`--${name}=`));
    return arg ? Number(arg.slice(name.length + 3)) : undefined;
  };
  const targetCount = argNumber('target') ?? (cfg.quick ? 200 : 50_000);
  const limit = hardFileLimit();
  const workers = argNumber('workers') ?? (cfg.quick ? 2 : workersFor(targetCount, limit));
  const holdMs = cfg.quick ? 0 : 17_000;
  const rounds = cfg.quick ? 1 : BROADCASTS;
  const redis = await startRedis();
  if (typeof redis === 'string') return unavailable('scale', `needs Redis: ${redis}`);
  const gens: ChildProcess[] = [];
  let server: ChildServer | string = 'not started';
  try {
    server = await ChildServer.start(
      'hub-sse-redis',
      { redisUrl: redis.url, redisKey: `scale:${process.pid}`, workers },
      { raiseFileLimit: true },
    );
    if (typeof server === 'string') throw new Error(server);
    const srv = server;
    const fds0 = await srv.ask({ cmd: 'fds' }, 'fds');
    const m0 = await srv.memory();
    const t0 = performance.now();
    for (let g = 0, left = targetCount; left > 0; g++, left -= PER_GENERATOR)
      gens.push(
        fork(
          join(import.meta.dirname, 'scale-client.js'),
          [String(srv.port), String(Math.min(PER_GENERATOR, left)), String(g)],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        ),
      );
    let ramp: GenStats[] = [];
    for (;;) {
      ramp = await stats(gens);
      if (ramp.every((s) => s.done)) break;
      if (performance.now() - t0 > 600_000) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    const rampSeconds = (performance.now() - t0) / 1000;
    // Connections the generators see open are subscribed a moment later (the hub's
    // subscribe is asynchronous): wait for the workers to count them all.
    const opened = ramp.reduce((a, s) => a + s.opened - s.closedAfterOpen, 0);
    for (let i = 0; i < 100 && (await srv.sessions()) < opened; i++)
      await new Promise((r) => setTimeout(r, 100));
    const sessions = await srv.sessions();
    const m1 = await srv.memory();
    const fds = await srv.ask({ cmd: 'fds' }, 'fds');
    // Hold longer than one heartbeat period: every idle connection must get a heartbeat.
    const before = ramp.reduce((a, s) => a + s.frames, 0);
    await new Promise((r) => setTimeout(r, holdMs));
    const held = await stats(gens);
    const heartbeats = held.reduce((a, s) => a + s.frames, 0) - before;
    const open = held.reduce((a, s) => a + s.opened - s.closedAfterOpen, 0);
    const m2 = await srv.memory();

    // Broadcasts, each published by one worker to every subscriber of every worker: the
    // first one also pays for code that idle sessions never ran (cold JIT), so each of
    // BROADCASTS rounds is reported.
    const broadcasts: Broadcast[] = [];
    for (let b = 0; b < rounds; b++) broadcasts.push(await broadcast(srv, gens, open));
    // The smoke check has teeth: a tiny cluster that does not hold every connection or
    // does not deliver a broadcast to all of them is broken, not slow.
    if (cfg.quick && (open < targetCount || broadcasts.some((b) => b.received < open)))
      throw new Error(
        `the quick scale smoke lost connections or events: ${fmt(open)} of ${fmt(targetCount)} open, broadcasts received by ${broadcasts.map((b) => fmt(b.received)).join(', ')}`,
      );
    const errors: Record<string, number> = {};
    for (const s of held)
      for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
    const perWorker = (fds.workers as { open: number; limit: number | null }[]) ?? [];
    const full = perWorker.filter((w) => w.limit !== null && w.open >= w.limit - 200);
    const limitedBy =
      open >= targetCount
        ? `nothing: the target of ${fmt(targetCount)} was reached`
        : full.length
          ? `the open-file limit of ${full.length} of ${workers} workers (RLIMIT_NOFILE ${fmt(full[0]!.limit)} each, the hard limit here, which the benchmark cannot raise; node:http's maxConnections is set 100 below it)`
          : `connection failures: ${JSON.stringify(errors)}`;
    const per = (bytes: number) => bytes / Math.max(1, sessions);
    const workerSessions = (
      (await srv.ask({ cmd: 'count' }, 'count')).workers as {
        sessions: number;
      }[]
    ).map((w) => fmt(w.sessions));
    const rows = [
      ['target', fmt(targetCount)],
      [
        'workers (node:cluster, hub shared through @sse/redis)',
        `${workers} (open-file limit ${limit === null ? 'unknown' : fmt(limit)} per process, ${fmt(WORKER_RESERVE)} kept in reserve)`,
      ],
      ['sessions open on the workers', `${fmt(sessions)} (${workerSessions.join(' / ')})`],
      ['connections open at the load generators after the hold', fmt(open)],
      ['ramp time', `${fmt(rampSeconds, 1)} s`],
      ['workers RSS idle before / with all sessions', `${mib(m0.rss)} / ${mib(m1.rss)}`],
      ['RSS per session', kib(per(m1.rss - m0.rss))],
      ['heap+external per session', kib(per(heapGrowth(m0, m1)))],
      [`workers RSS after a ${fmt(holdMs / 1000)} s hold (heartbeats flowing)`, mib(m2.rss)],
      [
        'heartbeat frames received in the hold, per connection',
        holdMs ? fmt(heartbeats / Math.max(1, open), 2) : 'not checked (quick mode: no hold)',
      ],
      ...broadcasts.map((b, i) => [
        `broadcast ${i + 1}: received by / p50 / p99 / the last subscriber (CPU: workers, load generators)`,
        `${fmt(b.received)} of ${fmt(open)}${b.gaveUp ? ' (gave up after 60 s)' : ''} / ${fmt(b.p50, 1)} ms / ${fmt(b.p99, 1)} ms / ${fmt(b.last, 1)} ms (${fmt(b.serverCpuMs)} ms, ${fmt(b.clientCpuMs)} ms)`,
      ]),
      [
        'worker open files before / at peak (limit per worker)',
        `${fmt(fds0.open as number)} / ${fmt(fds.open as number)} (${perWorker.map((w) => fmt(w.limit)).join(' / ')})`,
      ],
      [
        'failed connection attempts',
        `${fmt(Object.values(errors).reduce((a, b) => a + b, 0))} ${JSON.stringify(errors)}`,
      ],
      ['what limited it', limitedBy],
    ];
    return {
      name: 'scale',
      tables: [
        {
          title: `Scale: concurrent idle subscribers of ${workers} @sse/node worker${workers === 1 ? '' : 's'} sharing one @sse/hub through @sse/redis (heartbeat every 15 s), then broadcasts to all`,
          columns: ['measure', 'value'],
          rows,
        },
      ],
      ratios: [],
      notes: [
        `Load generators: ${gens.length} processes of up to ${fmt(PER_GENERATOR)} connections, from source addresses 127.<g>.x.y (loopback), each address far below its ephemeral-port range. They share the machine's cores with the workers and redis-server.`,
        `Memory is the sum over the workers (the cluster primary only passes accepted sockets on). Each broadcast carries its publish time; each connection records when the event reached it; "the last subscriber" is the largest of those latencies. ${rounds === 1 ? 'One broadcast (quick mode)' : `${rounds} broadcasts one after another`}: the first also runs fan-out code that idle sessions never ran. The CPU in brackets is what the workers and the load generators spent from the publish to the last receipt: on 2 cores the broadcast cannot complete in less than about half their sum, and other jobs on the machine stretch it further.`,
      ],
      data: {
        targetCount,
        workers,
        fileLimit: limit,
        sessions,
        open,
        rampSeconds,
        m0,
        m1,
        m2,
        fds0,
        fds,
        heartbeats,
        broadcasts,
        errors,
        limitedBy,
      },
    };
  } finally {
    for (const g of gens) g.kill();
    if (typeof server !== 'string') await server.stop();
    await redis.stop();
  }
}
