// What metrics cost: the hub broadcast of hub.ts, run with the @sse/metrics exports on
// (Prometheus rendered and the OpenTelemetry SDK collecting, both every second) and
// off, in alternating order so that load from other jobs falls on both alike.
import { broadcast, type Run } from './hub';
import { fmt, median, type Ratio, type RunConfig, ratioTable, type SectionResult } from './util';

/** Server CPU per delivered event with metrics on vs off, at 1,000 and 10,000 subscribers. */
export async function metricsBench(cfg: RunConfig): Promise<SectionResult> {
  const sizes: [number, number][] = cfg.quick
    ? [[100, 20]]
    : [
        [1000, 200],
        [10_000, 20],
      ];
  // Each broadcast call medians `reps` rounds; `pairs` off/on pairs alternate around it.
  const reps = cfg.quick ? 1 : 3;
  const pairs = cfg.quick ? 1 : 3;
  const rows: string[][] = [];
  const ratios: Ratio[] = [];
  const data: Record<string, unknown>[] = [];
  for (const [subs, events] of sizes) {
    const cpu: Record<'off' | 'both', number[]> = { off: [], both: [] };
    let unavailable = '';
    for (let pair = 0; pair < pairs && !unavailable; pair++) {
      const order: ('off' | 'both')[] = pair % 2 === 0 ? ['off', 'both'] : ['both', 'off'];
      for (const mode of order) {
        const r: Run | string = await broadcast('hub-sse', subs, events, reps, { metrics: mode });
        data.push({ subs, events, mode, result: r });
        if (typeof r === 'string') {
          unavailable = r;
          break;
        }
        cpu[mode].push(r.cpuPerDelivery);
      }
    }
    if (unavailable) {
      rows.push([fmt(subs), unavailable, '', '']);
      ratios.push({
        name: `metrics on / off, CPU per delivery, ${fmt(subs)} subscribers`,
        value: null,
      });
      continue;
    }
    const off = median(cpu.off);
    const on = median(cpu.both);
    rows.push([fmt(subs), fmt(off, 3), fmt(on, 3), fmt(on / off, 3)]);
    ratios.push({
      name: `metrics on / off, CPU per delivery, ${fmt(subs)} subscribers`,
      value: on / off,
      target: 1.03,
      better: 'lower',
    });
  }
  return {
    name: 'metrics',
    tables: [
      {
        title: `Hub broadcast with metrics off and on (Prometheus + OpenTelemetry, each read every second): server CPU µs per delivered event, median of ${pairs} alternating pairs of ${reps} rounds`,
        columns: ['subscribers', 'off', 'on', 'on / off'],
        rows,
      },
      ratioTable('Metrics ratios (on / off)', ratios),
    ],
    ratios,
    notes: [
      'Counting is always on (plain integer increments in the session factory and the hub); "on" adds what the exports cost: reading and rendering every counter once a second. Rounds are short, so a round may include no collection at all; the per-second cost is what the ratio shows over the whole run.',
    ],
    data,
  };
}
