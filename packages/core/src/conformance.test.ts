import { describe, expect, it } from 'vitest';
import { type Entry, FIRE, type Fixture, fixtures } from './conformance.fixtures';
import { decodeStream } from './decode-stream';
import { createDecoder } from './decoder';

/** The fixture as bytes and as text, with the offsets at which each event must fire. */
function prepare(fixture: Fixture) {
  const utf8 = new TextEncoder();
  const parts: number[] = [];
  const byteMarks: number[] = [];
  for (const part of fixture.wire) {
    if (typeof part !== 'string') {
      parts.push(...part);
      continue;
    }
    part.split(FIRE).forEach((segment, i) => {
      if (i > 0) byteMarks.push(parts.length);
      parts.push(...utf8.encode(segment));
    });
  }
  const bytes = new Uint8Array(parts);
  // Marks sit right after a CR or LF, so every prefix up to a mark decodes on its own.
  const decode = (b: Uint8Array) => new TextDecoder('utf-8', { ignoreBOM: true }).decode(b);
  const text = decode(bytes);
  const textMarks = byteMarks.map((mark) => decode(bytes.subarray(0, mark)).length);
  return { bytes, byteMarks, text, textMarks };
}

/** Feeds `input` cut at `cuts`, then ends; records each event's chunk as [start, end). */
function decodeIn(fixture: Fixture, input: Uint8Array | string, cuts: number[]) {
  const log: Entry[] = [];
  const fired: Array<[number, number]> = [];
  let start = 0;
  let end = 0;
  const decoder = createDecoder(
    {
      onEvent: (event) => {
        log.push(event);
        fired.push([start, end]);
      },
      onRetry: (ms) => log.push({ retry: ms }),
      onComment: (text) => log.push({ comment: text }),
    },
    { lastEventId: fixture.lastEventId },
  );
  for (const cut of [...cuts, input.length]) {
    start = end;
    end = cut;
    decoder.feed(typeof input === 'string' ? input.slice(start, end) : input.subarray(start, end));
  }
  start = end = -1; // an event fired by end() has no blank line: it must not happen here
  decoder.end();
  return { log, fired, lastEventId: decoder.lastEventId };
}

/** Every chunking the issue asks for: as delivered, two chunks split at each position, one unit at a time. */
function chunkings(length: number): Array<{ how: string; cuts: number[] }> {
  const out = [{ how: 'as delivered', cuts: [] as number[] }];
  for (let p = 0; p <= length; p++) out.push({ how: `split at ${p}`, cuts: [p] });
  out.push({ how: 'one unit at a time', cuts: Array.from({ length }, (_, i) => i) });
  return out;
}

function check(fixture: Fixture, input: Uint8Array | string, marks: number[]): number {
  const want = JSON.stringify(fixture.expected);
  const events = fixture.expected.filter((entry) => 'type' in entry).length;
  expect(marks).toHaveLength(events);
  let runs = 0;
  for (const { how, cuts } of chunkings(input.length)) {
    const got = decodeIn(fixture, input, cuts);
    runs++;
    // A cheap comparison first; the full diff only when something differs.
    if (JSON.stringify(got.log) !== want) expect(got.log, how).toEqual(fixture.expected);
    if (got.lastEventId !== fixture.finalLastEventId) {
      expect(got.lastEventId, how).toBe(fixture.finalLastEventId);
    }
    got.fired.forEach(([start, end], i) => {
      const mark = marks[i]!;
      // The event fires in the very chunk that brings its blank line's terminator.
      if (!(start < mark && mark <= end)) {
        expect.fail(
          `${how}: event ${i} fired in chunk [${start}, ${end}), its blank line ends at ${mark}`,
        );
      }
    });
  }
  return runs;
}

describe('conformance: WPT eventsource/format-* streams and the spec examples', () => {
  for (const fixture of fixtures) {
    describe(fixture.name, () => {
      const { bytes, byteMarks, text, textMarks } = prepare(fixture);

      it('as bytes: whole, split at every byte, one byte at a time', () => {
        expect(check(fixture, bytes, byteMarks)).toBe(bytes.length + 3);
      });

      it('as strings: whole, split at every code unit, one code unit at a time', () => {
        expect(check(fixture, text, textMarks)).toBe(text.length + 3);
      });
    });
  }
});

/** A source delivering `input` cut at `cuts`, one chunk per read. */
function chunked(input: Uint8Array | string, cuts: number[]): ReadableStream<Uint8Array | string> {
  const bounds = [0, ...cuts, input.length];
  let i = 0;
  return new ReadableStream<Uint8Array | string>({
    pull(controller) {
      if (i + 1 === bounds.length) return controller.close();
      const [start, end] = [bounds[i]!, bounds[++i]!];
      controller.enqueue(
        typeof input === 'string' ? input.slice(start, end) : input.subarray(start, end),
      );
    },
  });
}

/** The fixture through decodeStream in every chunking: events, then the callbacks' entries, in order. */
async function checkStream(fixture: Fixture, input: Uint8Array | string, batch: boolean) {
  const wantEvents = fixture.expected.filter((entry) => 'type' in entry);
  const wantOthers = fixture.expected.filter((entry) => !('type' in entry));
  for (const { how, cuts } of chunkings(input.length)) {
    const others: Entry[] = [];
    const events = decodeStream(chunked(input, cuts), {
      batch,
      lastEventId: fixture.lastEventId,
      onRetry: (ms) => others.push({ retry: ms }),
      onComment: (text) => others.push({ comment: text }),
    });
    const got: Entry[] = [];
    const reader = (events as ReadableStream<Entry | Entry[]>).getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      if (Array.isArray(r.value)) {
        // A batch is never empty: a read is only answered by a chunk that completed events.
        expect(r.value.length, how).toBeGreaterThan(0);
        got.push(...r.value);
      } else got.push(r.value);
    }
    expect(got, how).toEqual(wantEvents);
    expect(others, how).toEqual(wantOthers);
    expect(events.lastEventId, how).toBe(fixture.finalLastEventId);
  }
}

describe('conformance: the same streams through decodeStream (pull), one event and batch per read', () => {
  for (const fixture of fixtures) {
    it(fixture.name, async () => {
      const { bytes, text } = prepare(fixture);
      for (const batch of [false, true]) {
        await checkStream(fixture, bytes, batch);
        await checkStream(fixture, text, batch);
      }
    });
  }
});
