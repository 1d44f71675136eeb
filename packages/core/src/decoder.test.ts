import { describe, expect, it } from 'vitest';
import { createDecoder, type DecoderOptions } from './decoder';
import type { SSEError } from './errors';
import type { DecodedEvent } from './types';

/** Collects everything a decoder reports, in order, as one log. */
function record(options?: DecoderOptions, withOnError = true) {
  const log: unknown[] = [];
  const errors: SSEError[] = [];
  const decoder = createDecoder(
    {
      onEvent: (event: DecodedEvent) => log.push(event),
      onRetry: (ms) => log.push({ retry: ms }),
      onComment: (text) => log.push({ comment: text }),
      ...(withOnError ? { onError: (error: SSEError) => errors.push(error) } : {}),
    },
    options,
  );
  return { decoder, log, errors };
}

const bytes = (...values: number[]) => new Uint8Array(values);
const utf8 = (text: string) => new TextEncoder().encode(text);

describe('createDecoder: bytes and text', () => {
  it('decodes UTF-8 split inside a multi-byte sequence and turns bad bytes into U+FFFD', () => {
    const { decoder, log } = record();
    const euro = utf8('data: €\n\n');
    decoder.feed(euro.subarray(0, 7));
    decoder.feed(euro.subarray(7));
    decoder.feed(bytes(0x64, 0x61, 0x74, 0x61, 0x3a, 0xff, 0x0a, 0x0a));
    expect(log).toEqual([
      { type: 'message', data: '€', lastEventId: '' },
      { type: 'message', data: '\uFFFD', lastEventId: '' },
    ]);
  });

  it('strips exactly one leading BOM, also when its bytes arrive one at a time', () => {
    const { decoder, log } = record();
    for (const b of [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf]) decoder.feed(bytes(b));
    decoder.feed('data:x\n\n');
    // The second BOM is part of the first line's name: an unknown field, ignored.
    expect(log).toEqual([]);
    const { decoder: d2, log: l2 } = record();
    d2.feed('\uFEFF');
    d2.feed('data:x\n\n\uFEFFdata:y\n\n');
    expect(l2).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
  });

  it('keeps a BOM that starts a later chunk (some runtimes strip one per chunk)', () => {
    const { decoder, log } = record();
    decoder.feed(utf8(':\n'));
    decoder.feed(utf8('\uFEFFdata: x\n\n'));
    decoder.feed(utf8('data: y\n\n'));
    expect(log).toEqual([{ comment: '' }, { type: 'message', data: 'y', lastEventId: '' }]);
  });

  it('flushes an unfinished byte sequence as U+FFFD when text follows bytes', () => {
    const { decoder, log } = record();
    decoder.feed(utf8('data: a'));
    decoder.feed(bytes(0xe2, 0x82));
    decoder.feed('b\n\n');
    expect(log).toEqual([{ type: 'message', data: 'a\uFFFDb', lastEventId: '' }]);
  });

  it('acts on CR at once and swallows one LF at the start of the next chunk', () => {
    const { decoder, log } = record();
    decoder.feed('data: a\r');
    decoder.feed('\r');
    expect(log).toHaveLength(1);
    decoder.feed('\ndata: b\r');
    decoder.feed('\n');
    decoder.feed('\n');
    expect(log).toEqual([
      { type: 'message', data: 'a', lastEventId: '' },
      { type: 'message', data: 'b', lastEventId: '' },
    ]);
  });

  it('keeps the pending LF-swallow across chunks that decode to nothing', () => {
    const { decoder, log } = record();
    decoder.feed(utf8('data: x\r'));
    decoder.feed(new Uint8Array(0));
    decoder.feed(bytes(0xe2)); // the first byte of a 3-byte character: no text yet
    decoder.feed(bytes(0x82, 0xac));
    // "€" is not an LF, so the swallow is over: "€" starts a line (an unknown field).
    decoder.feed('\n');
    expect(log).toEqual([]);
    decoder.feed('\n');
    expect(log).toEqual([{ type: 'message', data: 'x', lastEventId: '' }]);
    const { decoder: d2, log: l2 } = record();
    d2.feed(utf8('data: y\r'));
    d2.feed(new Uint8Array(0));
    d2.feed('\n\n');
    expect(l2).toEqual([{ type: 'message', data: 'y', lastEventId: '' }]);
  });

  it('treats a final CR at end of stream as a line end', () => {
    const { decoder, log } = record();
    decoder.feed('data: a\r\r');
    decoder.end();
    expect(log).toEqual([{ type: 'message', data: 'a', lastEventId: '' }]);
  });

  it('rejects chunks that are neither bytes nor text', () => {
    const { decoder } = record();
    expect(() => decoder.feed(42 as unknown as string)).toThrowError(TypeError);
  });
});

describe('createDecoder: fields', () => {
  it('passes comments with one leading space removed', () => {
    const { decoder, log } = record();
    decoder.feed(':\n: one\n:  two\n:three\n\n');
    expect(log).toEqual([
      { comment: '' },
      { comment: 'one' },
      { comment: ' two' },
      { comment: 'three' },
    ]);
  });

  it('accepts retry with ASCII digits only and ignores values beyond Number.MAX_SAFE_INTEGER', () => {
    const { decoder, log } = record();
    decoder.feed(
      'retry: 1000\nretry:02000\nretry: 1.5\nretry: -1\nretry: 1e3\nretry:\nretry\nretry: ٣\nretry:  10\n',
    );
    decoder.feed(`retry: ${Number.MAX_SAFE_INTEGER}\nretry: ${Number.MAX_SAFE_INTEGER + 1}\n`);
    decoder.feed(`retry: 000000000000000000000000007\n`);
    expect(log).toEqual([
      { retry: 1000 },
      { retry: 2000 },
      { retry: Number.MAX_SAFE_INTEGER },
      { retry: 7 },
    ]);
  });

  it('ignores an id with NULL: the old value stays, and the block reports no id', () => {
    const { decoder, log } = record();
    decoder.feed('id: 1\ndata: a\n\nid: 2\0\ndata: b\n\n');
    expect(log).toEqual([
      { type: 'message', data: 'a', lastEventId: '1', id: '1' },
      { type: 'message', data: 'b', lastEventId: '1' },
    ]);
  });

  it('updates the last event ID on every blank line, even when nothing fires', () => {
    const { decoder, log } = record({ lastEventId: 'start' });
    expect(decoder.lastEventId).toBe('start');
    decoder.feed('id: 7\n');
    expect(decoder.lastEventId).toBe('start');
    decoder.feed('\n');
    expect(decoder.lastEventId).toBe('7');
    decoder.feed('data: x\n\nid\n\n');
    expect(log).toEqual([{ type: 'message', data: 'x', lastEventId: '7' }]);
    expect(decoder.lastEventId).toBe('');
  });

  it('resets the event type on every blank line, even when nothing fires', () => {
    const { decoder, log } = record();
    decoder.feed('event: a\n\ndata: x\n\nevent: b\nevent:\ndata: y\n\n');
    expect(log).toEqual([
      { type: 'message', data: 'x', lastEventId: '' },
      { type: 'message', data: 'y', lastEventId: '' },
    ]);
  });

  it('compares field names case-sensitively and ignores unknown fields', () => {
    const { decoder, log } = record();
    decoder.feed('Data: no\nDATA: no\nfoo: bar\ndata : no\ndata\n\n');
    expect(log).toEqual([{ type: 'message', data: '', lastEventId: '' }]);
  });
});

describe('createDecoder: end of stream', () => {
  it('discards an unterminated event and its id', () => {
    const { decoder, log } = record();
    decoder.feed('id: 1\ndata: a\n\nid: 2\ndata: b\n');
    decoder.end();
    expect(log).toEqual([{ type: 'message', data: 'a', lastEventId: '1', id: '1' }]);
    expect(decoder.lastEventId).toBe('1');
  });

  it('dispatches the unterminated event, last line included, with dispatchIncomplete', () => {
    const { decoder, log } = record();
    decoder.feed('id: 2\nevent: e\ndata: b\ndata: c');
    decoder.end({ dispatchIncomplete: true });
    expect(log).toEqual([{ type: 'e', data: 'b\nc', lastEventId: '2', id: '2' }]);
    expect(decoder.lastEventId).toBe('2');
  });

  it('turns a truncated UTF-8 sequence at the end into U+FFFD', () => {
    const { decoder, log } = record();
    decoder.feed(bytes(0x64, 0x61, 0x74, 0x61, 0x3a, 0xe2, 0x82));
    decoder.end({ dispatchIncomplete: true });
    expect(log).toEqual([{ type: 'message', data: '\uFFFD', lastEventId: '' }]);
  });

  it('refuses input after end() until reset(), and end() twice is harmless', () => {
    const { decoder, log } = record();
    decoder.feed('id: 5\n\n');
    decoder.end();
    decoder.end();
    expect(() => decoder.feed('data: x\n\n')).toThrowError(
      expect.objectContaining({ code: 'DECODER_ENDED' }),
    );
    decoder.reset();
    expect(decoder.lastEventId).toBe('5');
    decoder.feed('\uFEFFdata: x\n\n');
    expect(log).toEqual([{ type: 'message', data: 'x', lastEventId: '5' }]);
    decoder.reset({ lastEventId: '' });
    expect(decoder.lastEventId).toBe('');
  });
});

describe('createDecoder: handlers', () => {
  it('stops when a handler throws, and says so on the next feed', () => {
    const boom = new Error('boom');
    const decoder = createDecoder({
      onEvent() {
        throw boom;
      },
    });
    expect(() => decoder.feed('data: a\n\ndata: b\n\n')).toThrow(boom);
    expect(() => decoder.feed('data: c\n\n')).toThrowError(
      expect.objectContaining({ code: 'DECODER_FAILED' }),
    );
  });

  it('lets a handler end the decoder mid-chunk: the rest of the chunk is not parsed', () => {
    const seen: string[] = [];
    const decoder = createDecoder({
      onEvent(event) {
        seen.push(event.data);
        decoder.end();
      },
    });
    decoder.feed('data: a\n\ndata: b\n\n');
    expect(seen).toEqual(['a']);
  });

  it('requires onEvent and positive limits', () => {
    expect(() => createDecoder({} as never)).toThrowError(TypeError);
    expect(() => createDecoder({ onEvent() {} }, { maxLineLength: 0 })).toThrowError(RangeError);
    expect(() => createDecoder({ onEvent() {} }, { maxEventSize: Number.NaN })).toThrowError(
      RangeError,
    );
  });
});
