/**
 * Differential test against eventsource-parser 3 (the most used JavaScript SSE parser),
 * fed the way its README recommends: bytes through a streaming `TextDecoder`.
 *
 * Both must report the same events (type, data, the block's id), comments and retries on
 * random streams, in any chunking, except for these intended differences (each one is
 * asserted below, so a change on either side shows up here):
 *
 * 1. A CR that is the last character of a chunk. The spec makes CR a line end on its own;
 *    we act on it at once. eventsource-parser holds that line back until a later chunk
 *    brings another line ending (an LF could follow), and has no end-of-stream call to
 *    release it: if the stream ends first, the held lines are lost there. So `data: x\n\r`,
 *    or `:\r` then `data`, report here and not there. Random streams therefore end with an
 *    LF, which releases whatever eventsource-parser holds; the difference is asserted below.
 * 2. `retry` above Number.MAX_SAFE_INTEGER. We ignore it (it cannot be held exactly);
 *    eventsource-parser reports a rounded number. The comparison drops those.
 * 3. Text that starts with "ï»¿" (U+00EF U+00BB U+00BF). eventsource-parser compares the
 *    decoded text with the BOM's *byte* values and drops these three characters; we drop
 *    only a real BOM (U+FEFF), as the spec says. Random streams never start with it.
 * 4. A BOM in string input. We drop one leading U+FEFF whether the stream arrives as bytes
 *    or text; eventsource-parser relies on `TextDecoder` for that, so a string starting
 *    with U+FEFF keeps it and its first line becomes an unknown field.
 *
 * Runtime note: streaming `TextDecoder`s are not all conforming about BOMs. workerd drops a
 * BOM at the start of every chunk, not only the first (found by the runtime matrix); Node 24
 * drops a second BOM too when the first one's bytes were split across chunks (bytes `EF` then
 * `BB BF EF BB BF 3A 0A` decode to `":\n"`, found by this test with fast-check seed
 * -1108968648). Either defect changes what eventsource-parser sees, so it is always fed
 * through a decoder that keeps BOMs plus a one-time strip of the first one: what the
 * Encoding spec's streaming `TextDecoder` does. Our decoder is unaffected: it always decodes
 * with `ignoreBOM` and applies the rule itself.
 *
 * Not differences (checked, they agree): an `id` containing NULL is ignored by both; an
 * unterminated event is never dispatched by either; empty `event` means `message`.
 * API differences that are not compared: we also report the persistent `lastEventId`
 * (eventsource-parser reports only the block's `id`); we bound memory by default
 * (`maxLineLength`, `maxEventSize`); eventsource-parser reports unknown fields and bad
 * `retry` values through `onError`, we ignore them silently, as the spec says.
 */
import { createParser } from 'eventsource-parser';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStream } from './decode-stream';
import { createDecoder } from './decoder';
import { stream } from './test/arbitraries';

type Entry =
  | ['event', string, string, string | undefined]
  | ['retry', number]
  | ['comment', string];

const utf8 = new TextEncoder();

function cut(bytes: Uint8Array, positions: number[]): Uint8Array[] {
  const points = [...new Set(positions.map((p) => p % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let start = 0;
  for (const point of [...points, bytes.length]) {
    out.push(bytes.subarray(start, point));
    start = point;
  }
  return out;
}

function ours(chunks: Array<Uint8Array | string>): Entry[] {
  const log: Entry[] = [];
  const decoder = createDecoder({
    onEvent: (e) => log.push(['event', e.type, e.data, e.id]),
    onRetry: (ms) => log.push(['retry', ms]),
    onComment: (text) => log.push(['comment', text]),
  });
  for (const chunk of chunks) decoder.feed(chunk);
  decoder.end();
  return log;
}

/**
 * A streaming TextDecoder as the Encoding spec defines it: the first BOM of the stream
 * dropped, no other, however the bytes are split (see the runtime note above).
 */
function conformingTextDecoder(): {
  decode(bytes?: Uint8Array, options?: { stream: boolean }): string;
} {
  const inner = new TextDecoder('utf-8', { ignoreBOM: true });
  let atStart = true;
  return {
    decode(bytes, options) {
      let text = inner.decode(bytes, options);
      if (atStart && text !== '') {
        atStart = false;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      return text;
    },
  };
}

function theirs(chunks: Array<Uint8Array | string>): Entry[] {
  const log: Entry[] = [];
  const parser = createParser({
    onEvent: (e) => log.push(['event', e.event ?? 'message', e.data, e.id]),
    onRetry: (ms) => log.push(['retry', ms]),
    onComment: (text) => log.push(['comment', text]),
  });
  const text = conformingTextDecoder();
  for (const chunk of chunks) {
    parser.feed(typeof chunk === 'string' ? chunk : text.decode(chunk, { stream: true }));
  }
  parser.feed(text.decode());
  return log;
}

/** eventsource-parser's output without the retries we ignore on purpose (difference 2). */
function theirsAdjusted(chunks: Uint8Array[]): Entry[] {
  return theirs(chunks).filter(([kind, value]) => kind !== 'retry' || Number.isSafeInteger(value));
}

describe('differential: createDecoder vs eventsource-parser 3', () => {
  it('agrees on random streams in random chunks, intended differences aside', () => {
    fc.assert(
      fc.property(stream, fc.array(fc.nat(), { maxLength: 6 }), (text, positions) => {
        // Ending with LF releases lines eventsource-parser holds back (difference 1).
        const chunks = cut(utf8.encode(text + '\n'), positions);
        expect(ours(chunks)).toEqual(theirsAdjusted(chunks));
      }),
      { numRuns: 3000 },
    );
  }, 60_000);

  it('decodeStream (pull, one event or a batch per read) agrees the same way', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        fc.array(fc.nat(), { maxLength: 6 }),
        fc.boolean(),
        async (text, positions, batch) => {
          const chunks = cut(utf8.encode(text + '\n'), positions);
          const log: Entry[] = [];
          let i = 0;
          const source = new ReadableStream<Uint8Array>({
            pull(controller) {
              if (i === chunks.length) controller.close();
              else controller.enqueue(chunks[i++]!);
            },
          });
          const reader = decodeStream(source, {
            batch,
            onRetry: (ms) => log.push(['retry', ms]),
            onComment: (text) => log.push(['comment', text]),
          }).getReader();
          for (let r = await reader.read(); !r.done; r = await reader.read()) {
            for (const e of Array.isArray(r.value) ? r.value : [r.value]) {
              log.push(['event', e.type, e.data, e.id]);
            }
          }
          // Callbacks run as the chunk is decoded, events when read: compare each kind in order.
          const kinds = (entries: Entry[]) => [
            entries.filter(([kind]) => kind === 'event'),
            entries.filter(([kind]) => kind !== 'event'),
          ];
          expect(kinds(log)).toEqual(kinds(theirsAdjusted(chunks)));
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('regression (fast-check seed -1108968648): two BOMs, the first split across chunks', () => {
    // Exactly one leading BOM is stripped; the second U+FEFF starts the first line, a field
    // named "\uFEFF" with an empty value: unknown, so ignored. Nothing is reported.
    const text = '\uFEFF\uFEFF:';
    const chunks = cut(utf8.encode(text + '\n'), [471474631]);
    expect(chunks.map((c) => c.length)).toEqual([1, 7]);
    expect(ours(chunks)).toEqual([]);
    expect(theirsAdjusted(chunks)).toEqual([]);
    // The same with a second BOM before a real field name: still an unknown field.
    const named = cut(utf8.encode('\uFEFF\uFEFFdata: a\n\ndata: b\n\n'), [1]);
    expect(ours(named)).toEqual([['event', 'message', 'b', undefined]]);
    expect(theirsAdjusted(named)).toEqual(ours(named));
  });

  it('difference 1: a line ended by a CR at a chunk end is reported here, held back there', () => {
    const chunks = [utf8.encode('data: x\n\r')];
    expect(ours(chunks)).toEqual([['event', 'message', 'x', undefined]]);
    expect(theirs(chunks)).toEqual([]);
    const split = [utf8.encode(':\r'), utf8.encode('data')];
    expect(ours(split)).toEqual([['comment', '']]);
    expect(theirs(split)).toEqual([]);
  });

  it('difference 2: a retry beyond Number.MAX_SAFE_INTEGER is ignored here, rounded there', () => {
    const chunks = [utf8.encode('retry: 99999999999999999999\n')];
    expect(ours(chunks)).toEqual([]);
    expect(theirs(chunks)).toEqual([['retry', 1e20]]);
  });

  it('difference 3: only a real BOM is dropped here; there, "ï»¿" text is dropped too', () => {
    const chunks = [utf8.encode('ï»¿data: a\n\n')];
    expect(ours(chunks)).toEqual([]);
    expect(theirs(chunks)).toEqual([['event', 'message', 'a', undefined]]);
  });

  it('difference 4: a BOM in string input is dropped here, kept there', () => {
    expect(ours(['\uFEFFdata: a\n\n'])).toEqual([['event', 'message', 'a', undefined]]);
    expect(theirs(['\uFEFFdata: a\n\n'])).toEqual([]);
  });

  it('no difference: an id with NULL, an unterminated event, an empty event type', () => {
    const chunks = [utf8.encode('id: a\0b\nevent:\ndata: x\n\nid: 1\ndata: y')];
    expect(ours(chunks)).toEqual([['event', 'message', 'x', undefined]]);
    expect(theirs(chunks)).toEqual(ours(chunks));
  });
});
