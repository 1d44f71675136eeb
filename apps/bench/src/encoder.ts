import { encode as esEncode } from 'eventsource-encoder';
import { SSEStreamingApi } from 'hono/streaming';
import { corpora } from './corpora';
import {
  fmt,
  median,
  positiveRatio,
  type Ratio,
  type RunConfig,
  ratioTable,
  resolvedDifference,
  type SectionResult,
  spread,
  timeRotated,
  tryImport,
  unavailable,
} from './util';

type Msg = { data: string; event?: string; id?: string };
type Encode = (m: Msg) => string;

/**
 * Uses the string the way a writer would: reading a character makes V8 flatten a
 * concatenated (rope) string, a cost that `.length` alone would hide.
 */
const flat = (s: string) => s.charCodeAt(s.length - 1);

/**
 * Encoder cost per event. Two fair comparisons:
 * - to a string: `encode` against eventsource-encoder's `encode` (both return strings);
 * - to bytes on a stream: our `encode` + TextEncoder written to a no-op WritableStream,
 *   against Hono's real `SSEStreamingApi.writeSSE` on the same kind of no-op stream. Both
 *   pay the same write and UTF-8 cost, so the difference is the formatting (Hono's
 *   writeSSE cannot be called without its stream: driving it is more honest than
 *   re-implementing it).
 */
export async function encoderBench(cfg: RunConfig): Promise<SectionResult> {
  const core = await tryImport('@sse/core');
  const encode = core?.encode as Encode | undefined;
  if (!encode) return unavailable('encoder', '@sse/core does not export encode');

  const te = new TextEncoder();
  const noop = () => new WritableStream<Uint8Array>({ write() {} });

  const entrants: [string, (msgs: readonly Msg[], frames: readonly string[]) => unknown][] = [
    [
      '@sse/core encode (string)',
      (msgs) => {
        let n = 0;
        for (const m of msgs) n += flat(encode(m));
        return n;
      },
    ],
    [
      'eventsource-encoder encode (string)',
      (msgs) => {
        let n = 0;
        for (const m of msgs) n += flat(esEncode(m));
        return n;
      },
    ],
    [
      '@sse/core encode + TextEncoder -> stream',
      async (msgs) => {
        const writer = noop().getWriter();
        for (const m of msgs) await writer.write(te.encode(encode(m)));
      },
    ],
    [
      'hono SSEStreamingApi.writeSSE -> stream',
      async (msgs) => {
        const api = new SSEStreamingApi(noop(), new ReadableStream());
        for (const m of msgs) await api.writeSSE(m);
      },
    ],
    [
      'baseline: ready frame + TextEncoder -> stream',
      async (_msgs, frames) => {
        const writer = noop().getWriter();
        for (const f of frames) await writer.write(te.encode(f));
      },
    ],
  ];

  const size = cfg.quick ? 256 * 1024 : 4 * 1024 * 1024;
  const rows: string[][] = [];
  const ratios: Ratio[] = [];
  const data: Record<string, unknown>[] = [];
  for (const c of corpora(size)) {
    // Frames formatted ahead of time (flat strings): the baseline pays only the
    // write and UTF-8 costs that both stream rows pay too.
    const frames = c.messages.map((m) => {
      const f = esEncode(m);
      flat(f); // flattened in place now, not during the timed loop
      return f;
    });
    const times = await timeRotated(entrants, cfg.reps, (_name, run) => run(c.messages, frames));
    const perSec = (name: string) => (c.events / median(times.get(name)!)) * 1000;
    // Formatting time alone: a stream row's median minus the baseline's median, or
    // null (n/a) when the two overlap: a difference inside the noise is no measurement.
    const formatting = (name: string) =>
      resolvedDifference(times.get(name)!, times.get(entrants[4]![0])!);
    for (const [name] of entrants) {
      const t = times.get(name)!;
      rows.push([
        c.name,
        name,
        fmt(perSec(name)),
        fmt((c.bytes.length / 1e6 / median(t)) * 1000, 1),
        spread(t.map((ms) => (c.events / ms) * 1000)),
      ]);
      data.push({ corpus: c.name, entrant: name, eventsPerSec: perSec(name), msRuns: t });
    }
    ratios.push(
      {
        name: `encode vs eventsource-encoder, ${c.name}`,
        value: perSec(entrants[0]![0]) / perSec(entrants[1]![0]),
        target: 3,
        floor: 'the same strings without injection checks (~3x, earlier probe)',
      },
      {
        name: `encode vs hono writeSSE (to a stream, whole cost), ${c.name}`,
        value: perSec(entrants[2]![0]) / perSec(entrants[3]![0]),
      },
      {
        name: `encode vs hono writeSSE formatting (stream cost minus the baseline), ${c.name}`,
        value: positiveRatio(formatting(entrants[3]![0]), formatting(entrants[2]![0])),
        target: 3,
        floor: 'baseline row (ready frames to the same stream), subtracted',
      },
    );
  }
  return {
    name: 'encoder',
    tables: [
      {
        title: `Encoder: the corpora's messages, ~${fmt(size / 2 ** 20, 1)} MB each (median of ${cfg.reps})`,
        columns: ['corpus', 'encoder', 'events/s', 'MB/s', 'events/s min..max'],
        rows,
      },
      ratioTable('Encoder ratios (ours / theirs, higher is better)', ratios),
    ],
    ratios,
    notes: [
      'The stream rows include awaiting each write on a no-op WritableStream and TextEncoder for both sides; the baseline row writes frames formatted ahead of time, so "stream cost minus the baseline" is the formatting alone (Hono formatting is measured by driving its real writeSSE, not by re-implementing it). That ratio is n/a when a stream row\'s fastest run is not slower than the baseline\'s slowest: the difference is then inside the noise.',
    ],
    data,
  };
}
