import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStream } from './decode-stream';
import { createDecoder, type EndOptions } from './decoder';
import { encode } from './encode';
import { SSEError } from './errors';
import { stream } from './test/arbitraries';
import type { DecodedEvent, Message } from './types';

type Entry = DecodedEvent | { retry: number } | { comment: string };

/** Decodes `chunks` and ends; returns everything reported, in order, and the final last event ID. */
function decodeAll(chunks: Array<Uint8Array | string>, end?: EndOptions) {
  const log: Entry[] = [];
  const decoder = createDecoder({
    onEvent: (event) => log.push(event),
    onRetry: (ms) => log.push({ retry: ms }),
    onComment: (text) => log.push({ comment: text }),
  });
  for (const chunk of chunks) decoder.feed(chunk);
  decoder.end(end);
  return { log, lastEventId: decoder.lastEventId };
}

/** Cuts `input` at the given (unsorted, possibly repeated) positions. */
function cut<T extends Uint8Array | string>(input: T, positions: number[]): T[] {
  const points = [...new Set(positions.map((p) => p % (input.length + 1)))].sort((a, b) => a - b);
  const out: T[] = [];
  let start = 0;
  for (const point of [...points, input.length]) {
    out.push(input.slice(start, point) as T);
    start = point;
  }
  return out;
}

const utf8 = new TextEncoder();

describe('property: chunking never changes the result', () => {
  it('for bytes and strings, whatever the cuts, with either end-of-stream rule', () => {
    fc.assert(
      fc.property(
        stream,
        fc.array(fc.nat(), { maxLength: 8 }),
        fc.boolean(),
        (text, positions, dispatchIncomplete) => {
          const end = { dispatchIncomplete };
          const bytes = utf8.encode(text);
          const whole = decodeAll([bytes], end);
          expect(decodeAll(cut(bytes, positions), end)).toEqual(whole);
          expect(decodeAll(cut(text, positions), end)).toEqual(whole);
          expect(decodeAll([text], end)).toEqual(whole);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('one byte at a time gives the same as the whole stream', () => {
    fc.assert(
      fc.property(stream, (text) => {
        const bytes = utf8.encode(text);
        const single = Array.from(bytes, (_, i) => bytes.subarray(i, i + 1));
        expect(decodeAll(single)).toEqual(decodeAll([bytes]));
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});

describe('property: decodeStream reports what createDecoder reports', () => {
  /** createDecoder on `chunks` with `limits`: events, other entries, the final id or the error code. */
  function direct(chunks: Array<Uint8Array | string>, limits: object, end: EndOptions) {
    const events: Entry[] = [];
    const others: Entry[] = [];
    const decoder = createDecoder(
      {
        onEvent: (event) => events.push(event),
        onRetry: (ms) => others.push({ retry: ms }),
        onComment: (text) => others.push({ comment: text }),
      },
      limits,
    );
    try {
      for (const chunk of chunks) decoder.feed(chunk);
      decoder.end(end);
    } catch (error) {
      return { others, error: (error as SSEError).code, events: events.length };
    }
    return { others, events, lastEventId: decoder.lastEventId };
  }

  it('bytes and strings mixed, any cuts, delivered in bursts, limits breached or not', async () => {
    await fc.assert(
      fc.asyncProperty(
        stream,
        fc.array(fc.tuple(fc.nat(), fc.boolean()), { maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 4 }),
        fc.boolean(),
        fc.boolean(),
        fc.option(fc.record({ maxLineLength: fc.integer({ min: 1, max: 40 }) }), {
          nil: undefined,
        }),
        async (text, positions, bursts, dispatchIncomplete, batch, limits) => {
          // Each piece is sent as bytes or as text; text pieces are cut on code points.
          const codePoints = [...text];
          const bounds = [
            ...new Set(positions.map(([p]) => p % (codePoints.length + 1))),
            codePoints.length,
          ].sort((a, b) => a - b);
          const chunks = bounds.map((end, i) => {
            const piece = codePoints.slice(i === 0 ? 0 : bounds[i - 1], end).join('');
            return positions[i]?.[1] ? utf8.encode(piece) : piece;
          });
          const want = direct(chunks, limits ?? {}, { dispatchIncomplete });
          // The source enqueues a burst of chunks per pull: reads and arrivals do not line up.
          let next = 0;
          let burst = 0;
          const source = new ReadableStream<Uint8Array | string>({
            pull(controller) {
              const n = bursts[burst++ % bursts.length]!;
              for (let k = 0; k < n && next < chunks.length; k++)
                controller.enqueue(chunks[next++]!);
              if (next === chunks.length) controller.close();
            },
          });
          const others: Entry[] = [];
          const decoded = decodeStream(source, {
            ...limits,
            batch,
            dispatchIncomplete,
            onRetry: (ms) => others.push({ retry: ms }),
            onComment: (t) => others.push({ comment: t }),
          });
          const events: Entry[] = [];
          const reader = (decoded as ReadableStream<DecodedEvent | DecodedEvent[]>).getReader();
          try {
            for (let r = await reader.read(); !r.done; r = await reader.read()) {
              if (Array.isArray(r.value)) events.push(...r.value);
              else events.push(r.value);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(SSEError);
            // Events decoded before the failure may be delivered or dropped with it, never invented.
            expect(want).toMatchObject({ error: (error as SSEError).code, others });
            expect(events.length).toBeLessThanOrEqual(want.events as number);
            return;
          }
          expect({ others, events, lastEventId: decoded.lastEventId }).toEqual(want);
        },
      ),
      { numRuns: 500 },
    );
  }, 60_000);
});

/** Text that tries to break out of its field: line endings followed by field syntax. */
const adversarial = fc
  .array(
    fc.oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.constantFrom(
        '\n',
        '\r',
        '\r\n',
        '\n\n',
        '\r\r',
        'event: evil\n',
        'id: 666\n',
        'retry: 1\n',
        'data: injected\n\n',
        ': comment\n',
        '\uFEFF',
        '\0',
        ' ',
      ),
    ),
    { maxLength: 10 },
  )
  .map((parts) => parts.join(''));

/** Any text without CR or LF (and, for ids, without NUL): what `event` and `id` accept. */
const singleLine = (noNul: boolean) =>
  fc
    .string({ unit: 'binary', maxLength: 12 })
    .map((s) => s.replace(noNul ? /[\r\n\0]/g : /[\r\n]/g, ''));

const message: fc.Arbitrary<Message> = fc.record(
  {
    data: adversarial,
    event: singleLine(false),
    id: singleLine(true),
    retry: fc.maxSafeNat(),
    comment: adversarial,
  },
  { requiredKeys: [] },
);

/** What decoding a sequence of encoded messages must report, per the spec's rules. */
function expected(messages: Message[], lastEventId = '') {
  const log: Entry[] = [];
  for (const m of messages) {
    if (m.comment !== undefined) {
      for (const line of m.comment.split(/\r\n|\r|\n/)) log.push({ comment: line });
    }
    if (m.id !== undefined) lastEventId = m.id;
    if (m.retry !== undefined) log.push({ retry: m.retry });
    if (m.data !== undefined) {
      const event: DecodedEvent = {
        type: m.event ? m.event : 'message',
        data: m.data.replace(/\r\n|\r/g, '\n'),
        lastEventId,
      };
      if (m.id !== undefined) event.id = m.id;
      log.push(event);
    }
  }
  return { log, lastEventId };
}

describe('property: decode(encode(m)) gives m back', () => {
  it('for every message, data line endings turned into LF, injection attempts included', () => {
    fc.assert(
      fc.property(
        fc.array(message, { maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (messages, positions) => {
          const wire = messages.map(encode).join('');
          const want = expected(messages);
          expect(decodeAll([wire])).toEqual(want);
          expect(decodeAll(cut(utf8.encode(wire), positions))).toEqual(want);
        },
      ),
      { numRuns: 1000 },
    );
  }, 60_000);

  it('keeps leading spaces, empty data and trailing newlines', () => {
    const messages: Message[] = [
      { data: '  two spaces' },
      { data: '' },
      { data: 'line\n' },
      { data: '\n\n' },
      { data: 'a\r\n\r\nb', event: ' spaced' },
    ];
    expect(decodeAll([messages.map(encode).join('')])).toEqual(expected(messages));
  });
});

/** What a hostile caller may put in a field instead of a plain string. */
const hostileValue = fc.oneof(
  fc.constantFrom<unknown>(7, null, true, Symbol('s'), 10n, ['a'], new String('ok')),
  adversarial.map((text) => ({ toString: () => text })),
  adversarial.map((text) => ({ [Symbol.toPrimitive]: () => text })),
);

/** A field's answers: one per read of it (the last repeats); a plain value answers the same. */
const answers = (plain: fc.Arbitrary<unknown>) =>
  fc.array(fc.oneof({ weight: 3, arbitrary: plain }, { weight: 1, arbitrary: hostileValue }), {
    minLength: 1,
    maxLength: 3,
  });

const hostileMessage = fc.record(
  {
    data: answers(adversarial),
    event: answers(fc.oneof(singleLine(false), adversarial)),
    id: answers(fc.oneof(singleLine(true), adversarial)),
    retry: answers(fc.oneof(fc.maxSafeNat(), fc.integer({ min: -5, max: 5 }))),
    comment: answers(adversarial),
  },
  { requiredKeys: [] },
);

/**
 * Builds the message: every field is a getter that gives its answers in turn (one answer:
 * the same value every time) and counts its reads.
 */
function build(spec: Partial<Record<keyof Message, unknown[]>>) {
  const message = {} as Message;
  const reads: Partial<Record<keyof Message, number>> = {};
  for (const [field, values] of Object.entries(spec) as [keyof Message, unknown[]][]) {
    reads[field] = 0;
    Object.defineProperty(message, field, {
      enumerable: true,
      get: () => values[Math.min(reads[field]!++, values.length - 1)],
    });
  }
  return { message, reads };
}

describe('property: whatever encode accepts decodes to exactly that message', () => {
  it('hostile values and shifting getters included: read once, refused or written as read', () => {
    fc.assert(
      fc.property(hostileMessage, (spec) => {
        const { message, reads } = build(spec);
        let frame: string;
        try {
          frame = encode(message);
        } catch (error) {
          // Refused: always with a typed error, never by a conversion blowing up.
          expect(error).toBeInstanceOf(SSEError);
          return;
        }
        for (const count of Object.values(reads)) expect(count).toBe(1);
        // The values encode read are the first answers; they must all have been valid.
        const firstAnswers = Object.fromEntries(
          Object.entries(spec).map(([field, values]) => [field, values[0]]),
        ) as Message;
        const want = expected([firstAnswers]);
        expect(decodeAll([frame])).toEqual(want);
        // Exactly one event when there was data, none otherwise.
        const events = want.log.filter((entry) => 'type' in entry);
        expect(events).toHaveLength(firstAnswers.data === undefined ? 0 : 1);
      }),
      { numRuns: 2000 },
    );
  }, 60_000);
});
