import { createParser } from 'eventsource-parser';
import { EventSourceParserStream } from 'eventsource-parser/stream';
import { type Corpus, corpora } from './corpora';
import {
  fmt,
  frameCounter,
  median,
  type Ratio,
  type RunConfig,
  ratioTable,
  type SectionResult,
  spread,
  timeRotated,
  tryImport,
  unavailable,
} from './util';

type Run = (c: Corpus) => Promise<number> | number;

interface DecoderLike {
  feed(chunk: Uint8Array | string): void;
  end(): void;
}
type CreateDecoder = (handlers: { onEvent(e: unknown): void }) => DecoderLike;
type StreamCtor = new () => TransformStream<Uint8Array, unknown>;
type DecodeStream = (
  source: ReadableStream<Uint8Array>,
  options?: { batch?: boolean },
) => ReadableStream<unknown>;

/** Feeds the chunks through a ReadableStream the way a fetch body delivers them. */
function source(c: Corpus): ReadableStream<Uint8Array> {
  let i = 0;
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = c.chunks[i++];
      if (chunk) controller.enqueue(chunk);
      else controller.close();
    },
  });
}

async function drain(stream: ReadableStream<unknown>): Promise<number> {
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done } = await reader.read();
    if (done) return n;
    n++;
  }
}

/** Reads a stream of event arrays (batch mode) and counts the events in them. */
async function drainBatches(stream: ReadableStream<unknown>): Promise<number> {
  let n = 0;
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return n;
    n += (value as unknown[]).length;
  }
}

/** How many events each chunk of the corpus completes (what a decoder would emit per chunk). */
function eventsPerChunk(c: Corpus): number[] {
  const count = frameCounter();
  return c.chunks.map(count);
}

const READY = { type: 'message', data: '', lastEventId: '' };

/**
 * The stream-machinery floor of a `pipeThrough` decoder: a `TransformStream` that parses
 * nothing and enqueues one ready object per event. No TransformStream decoder can beat it.
 */
function transformFloor(perChunk: number[]): Run {
  return (c) => {
    let i = 0;
    const t = new TransformStream<Uint8Array, unknown>({
      transform(_chunk, controller) {
        for (let k = perChunk[i++]!; k > 0; k--) controller.enqueue(READY);
      },
    });
    return drain(source(c).pipeThrough(t));
  };
}

/**
 * The floor of a pull-based decoder: a `ReadableStream` whose `pull()` reads the source's
 * reader and enqueues one ready object per event, parsing nothing.
 */
function pullFloor(perChunk: number[]): Run {
  return (c) => {
    let i = 0;
    const reader = source(c).getReader();
    const out = new ReadableStream<unknown>(
      {
        async pull(controller) {
          for (;;) {
            const { done } = await reader.read();
            if (done) return controller.close();
            const k = perChunk[i++]!;
            for (let j = 0; j < k; j++) controller.enqueue(READY);
            if (k > 0) return;
          }
        },
      },
      { highWaterMark: 0 },
    );
    return drain(out);
  };
}

/** The physical floor: UTF-8 decoding plus finding every newline, nothing else. */
const floor: Run = (c) => {
  const td = new TextDecoder();
  let lines = 0;
  for (const chunk of c.chunks) {
    const text = td.decode(chunk, { stream: true });
    for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  }
  return lines;
};

/** eventsource-parser 3 behind a TextDecoder: the usual way to use it on bytes. */
const parserRaw: Run = (c) => {
  let n = 0;
  const td = new TextDecoder();
  const parser = createParser({ onEvent: () => void n++ });
  for (const chunk of c.chunks) parser.feed(td.decode(chunk, { stream: true }));
  return n;
};

/** The pipeline eventsource-parser recommends for streams. */
const parserStream: Run = (c) =>
  drain(
    source(c)
      .pipeThrough(new TextDecoderStream() as unknown as TransformStream<Uint8Array, string>)
      .pipeThrough(new EventSourceParserStream()),
  );

/** Decoder throughput on three corpora, ours against eventsource-parser and the floor. */
export async function decoderBench(cfg: RunConfig): Promise<SectionResult> {
  const core = await tryImport('@sse/core');
  const createDecoder = core?.createDecoder as CreateDecoder | undefined;
  const EventStreamDecoder = core?.EventStreamDecoder as StreamCtor | undefined;
  const decodeStream = core?.decodeStream as DecodeStream | undefined;
  if (!createDecoder && !EventStreamDecoder)
    return unavailable('decoder', '@sse/core exports neither createDecoder nor EventStreamDecoder');

  const entrantsFor = (perChunk: number[]): [string, Run | null][] => [
    ['floor: TextDecoder + newline scan', floor],
    [
      '@sse/core createDecoder().feed',
      createDecoder
        ? (c) => {
            let n = 0;
            const d = createDecoder({ onEvent: () => void n++ });
            for (const chunk of c.chunks) d.feed(chunk);
            d.end();
            return n;
          }
        : null,
    ],
    ['eventsource-parser createParser().feed + TextDecoder', parserRaw],
    [
      '@sse/core EventStreamDecoder',
      EventStreamDecoder ? (c) => drain(source(c).pipeThrough(new EventStreamDecoder())) : null,
    ],
    ['TextDecoderStream -> EventSourceParserStream', parserStream],
    ['@sse/core decodeStream (pull)', decodeStream ? (c) => drain(decodeStream(source(c))) : null],
    [
      '@sse/core decodeStream (pull, batch)',
      decodeStream ? (c) => drainBatches(decodeStream(source(c), { batch: true })) : null,
    ],
    ['floor: TransformStream enqueueing ready events', transformFloor(perChunk)],
    ['floor: pull ReadableStream enqueueing ready events', pullFloor(perChunk)],
  ];

  const size = cfg.quick ? 512 * 1024 : 8 * 1024 * 1024;
  const rows: string[][] = [];
  const ratios: Ratio[] = [];
  const data: Record<string, unknown>[] = [];
  const notes: string[] = [];
  for (const c of corpora(size)) {
    const entrants = entrantsFor(eventsPerChunk(c));
    const counts = new Map<string, number>();
    const times = await timeRotated(entrants, cfg.reps, async (name, run) => {
      counts.set(name, await run(c));
    });
    const mbps = (name: string) => {
      const t = times.get(name)!;
      return t.length ? c.bytes.length / 1e6 / (median(t) / 1000) : null;
    };
    for (const [name] of entrants) {
      const t = times.get(name)!;
      const m = mbps(name);
      const count = counts.get(name);
      if (!name.startsWith('floor: TextDecoder') && count !== undefined && count !== c.events)
        notes.push(`${name} on "${c.name}" dispatched ${count} events, expected ${c.events}.`);
      rows.push([
        c.name,
        name,
        m === null ? 'not available' : fmt(m, 1),
        m === null ? '' : fmt((c.events / median(t)) * 1000),
        t.length
          ? spread(
              t.map((ms) => c.bytes.length / 1e6 / (ms / 1000)),
              1,
            )
          : '',
      ]);
      data.push({ corpus: c.name, entrant: name, mbPerSec: m, msRuns: t, events: c.events });
    }
    const over = (a: number, b: number) =>
      nan((mbps(entrants[a]![0]) ?? Number.NaN) / (mbps(entrants[b]![0]) ?? Number.NaN));
    ratios.push(
      { name: `decoder raw vs eventsource-parser, ${c.name}`, value: over(1, 2), target: 1.0 },
      { name: `EventStreamDecoder vs parser pipeline, ${c.name}`, value: over(3, 4) },
      { name: `decodeStream vs parser pipeline, ${c.name}`, value: over(5, 4), target: 1.5 },
      { name: `decodeStream batch vs parser pipeline, ${c.name}`, value: over(6, 4) },
      { name: `decoder raw vs floor (share of floor speed), ${c.name}`, value: over(1, 0) },
      {
        name: `EventStreamDecoder share of the TransformStream floor, ${c.name}`,
        value: over(3, 7),
      },
      { name: `decodeStream share of the pull floor, ${c.name}`, value: over(5, 8) },
    );
  }
  return {
    name: 'decoder',
    tables: [
      {
        title: `Decoder: bytes in 4 KB chunks, ~${fmt(size / 2 ** 20, 1)} MB per corpus (median of ${cfg.reps})`,
        columns: ['corpus', 'decoder', 'MB/s', 'events/s', 'MB/s min..max'],
        rows,
      },
      ratioTable('Decoder ratios (ours / theirs, higher is better)', ratios),
    ],
    ratios,
    notes,
    data,
  };
}

function nan(x: number): number | null {
  return Number.isFinite(x) ? x : null;
}
