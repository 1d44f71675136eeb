import { type ChildProcess, fork } from 'node:child_process';
import { join } from 'node:path';
import { ChildServer, heapGrowth } from './load';
import { fmt, type RunConfig, type SectionResult } from './util';

/** Connections per load-generator process: well under the usual 20k open-file limit. */
const PER_GENERATOR = 12_500;

interface GenStats {
  opened: number;
  failed: number;
  closedAfterOpen: number;
  frames: number;
  errors: Record<string, number>;
  done: boolean;
}

function ask(child: ChildProcess): Promise<GenStats> {
  return new Promise((resolve) => {
    const on = (m: { type: string } & GenStats) => {
      if (m.type !== 'stats') return;
      child.off('message', on);
      resolve(m);
    };
    child.on('message', on);
    child.send({ cmd: 'stats' });
  });
}

/**
 * The scale run: how many concurrent idle subscribers one Node process (@sse/node,
 * heartbeats on at the default 15 s) holds, with the load generators as separate
 * processes on 127.0.0.1. Children run with their open-file limit raised to the hard
 * limit (`ulimit -n $(ulimit -Hn)`); the result says what stopped the ramp.
 */
export async function scaleBench(_cfg: RunConfig): Promise<SectionResult> {
  const arg = process.argv.find((a) => a.startsWith('--target='));
  const targetCount = arg ? Number(arg.slice(9)) : 50_000;
  const server = await ChildServer.start('sse-node', {}, { raiseFileLimit: true });
  if (typeof server === 'string') throw new Error(server);
  const gens: ChildProcess[] = [];
  const t0 = performance.now();
  try {
    const fds0 = await server.ask({ cmd: 'fds' }, 'fds');
    const m0 = await server.memory();
    for (let g = 0, left = targetCount; left > 0; g++, left -= PER_GENERATOR)
      gens.push(
        fork(
          join(import.meta.dirname, 'scale-client.js'),
          [String(server.port), String(Math.min(PER_GENERATOR, left)), String(g)],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        ),
      );
    let stats: GenStats[] = [];
    for (;;) {
      stats = await Promise.all(gens.map(ask));
      if (stats.every((s) => s.done)) break;
      if (performance.now() - t0 > 600_000) break;
      await new Promise((r) => setTimeout(r, 1000));
    }
    const rampSeconds = (performance.now() - t0) / 1000;
    const sessions = await server.sessions();
    const m1 = await server.memory();
    const fds = await server.ask({ cmd: 'fds' }, 'fds');
    // Hold longer than one heartbeat period: every idle connection must get a heartbeat.
    const before = stats.reduce((a, s) => a + s.frames, 0);
    await new Promise((r) => setTimeout(r, 17_000));
    const after = await Promise.all(gens.map(ask));
    const heartbeats = after.reduce((a, s) => a + s.frames, 0) - before;
    const open = after.reduce((a, s) => a + s.opened - s.closedAfterOpen, 0);
    const m2 = await server.memory();
    const errors: Record<string, number> = {};
    for (const s of after)
      for (const [k, v] of Object.entries(s.errors)) errors[k] = (errors[k] ?? 0) + v;
    const limit = fds.limit as number | null;
    const limitedBy =
      open >= targetCount
        ? `nothing: the target of ${fmt(targetCount)} was reached`
        : limit !== null && (fds.open as number) >= limit - 200
          ? `the server process's open-file limit (RLIMIT_NOFILE ${fmt(limit)}, the hard limit here, which the benchmark cannot raise): ${fmt(fds.open as number)} descriptors open, node:http's maxConnections set 100 below it so the process keeps descriptors for itself`
          : `connection failures: ${JSON.stringify(errors)}`;
    const perConn = (m1.rss - m0.rss) / Math.max(1, sessions);
    const rows = [
      ['target', fmt(targetCount)],
      ['sessions open on the server', fmt(sessions)],
      ['connections open at the load generators after the hold', fmt(open)],
      ['ramp time', `${fmt(rampSeconds, 1)} s`],
      [
        'server RSS idle before / with all sessions',
        `${fmt(m0.rss / 2 ** 20, 1)} MiB / ${fmt(m1.rss / 2 ** 20, 1)} MiB`,
      ],
      ['server RSS per session', `${fmt(perConn / 1024, 1)} KiB`],
      [
        'server heap+external per session',
        `${fmt(heapGrowth(m0, m1) / Math.max(1, sessions) / 1024, 1)} KiB`,
      ],
      ['server RSS after a 17 s hold (heartbeats flowing)', `${fmt(m2.rss / 2 ** 20, 1)} MiB`],
      [
        'heartbeat frames received in the hold, per connection',
        fmt(heartbeats / Math.max(1, open), 2),
      ],
      [
        'server open files before / at peak (limit)',
        `${fmt(fds0.open as number)} / ${fmt(fds.open as number)} (${limit === null ? 'unknown' : fmt(limit)})`,
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
          title:
            'Scale: concurrent idle subscribers of one @sse/node process (heartbeat every 15 s)',
          columns: ['measure', 'value'],
          rows,
        },
      ],
      ratios: [],
      notes: [
        `Load generators: ${gens.length} processes of up to ${fmt(PER_GENERATOR)} connections, from source addresses 127.<g>.x.y (loopback), each address far below its ephemeral-port range.`,
        `At the measured RSS per session, ${fmt(targetCount)} sessions would need about ${fmt((m0.rss + perConn * targetCount) / 2 ** 30, 2)} GiB: an estimate, not a measurement, when the target was not reached.`,
      ],
      data: {
        targetCount,
        sessions,
        open,
        rampSeconds,
        m0,
        m1,
        m2,
        fds0,
        fds,
        heartbeats,
        errors,
        limitedBy,
      },
    };
  } finally {
    for (const g of gens) g.kill();
    await server.stop();
  }
}
