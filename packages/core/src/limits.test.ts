import { describe, expect, it } from 'vitest';
import {
  createDecoder,
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  type DecoderOptions,
} from './decoder';
import { SSEError } from './errors';

function withErrors(options: DecoderOptions) {
  const events: string[] = [];
  const errors: SSEError[] = [];
  const decoder = createDecoder(
    { onEvent: (e) => events.push(e.data), onError: (error) => errors.push(error) },
    options,
  );
  return { decoder, events, errors };
}

const refused = expect.objectContaining({ code: 'DECODER_FAILED' });

describe('maxLineLength', () => {
  it('accepts a line of exactly the limit and refuses one more character', () => {
    const ok = withErrors({ maxLineLength: 10 });
    ok.decoder.feed('data: 1234\n\n');
    expect(ok.events).toEqual(['1234']);
    const over = withErrors({ maxLineLength: 10 });
    over.decoder.feed('data: ok\n\ndata: 12345\n\n');
    // Events before the breach are delivered; the breach is a typed error.
    expect(over.events).toEqual(['ok']);
    expect(over.errors).toHaveLength(1);
    expect(over.errors[0]).toBeInstanceOf(SSEError);
    expect(over.errors[0]).toMatchObject({ code: 'LINE_TOO_LONG', name: 'SSEError' });
    expect(over.errors[0]?.message).toMatch(/maxLineLength \(10\)/);
  });

  it('stops an unterminated line as soon as it passes the limit, then refuses input until reset', () => {
    const { decoder, events, errors } = withErrors({ maxLineLength: 100 });
    let fed = 0;
    while (errors.length === 0) {
      decoder.feed('xxxxxxxxxx');
      fed += 10;
    }
    // It never held more than the limit plus one chunk.
    expect(fed).toBe(110);
    expect(errors[0]).toMatchObject({ code: 'LINE_TOO_LONG' });
    expect(() => decoder.feed('\n')).toThrowError(refused);
    try {
      decoder.feed('\n');
    } catch (error) {
      expect((error as SSEError).cause).toBe(errors[0]);
    }
    // end() after a failure has nothing to do; reset() starts afresh.
    decoder.end();
    decoder.reset();
    decoder.feed('data: again\n\n');
    expect(events).toEqual(['again']);
    expect(errors).toHaveLength(1);
  });

  it('throws the typed error from feed when there is no onError', () => {
    const decoder = createDecoder({ onEvent() {} }, { maxLineLength: 5 });
    expect(() => decoder.feed(new TextEncoder().encode('data: 123'))).toThrowError(
      expect.objectContaining({ code: 'LINE_TOO_LONG' }),
    );
    expect(() => decoder.feed('\n')).toThrowError(refused);
    decoder.reset();
    expect(() => decoder.feed(':\n')).not.toThrow();
  });

  it('has a documented default, enforced on an unterminated line', () => {
    expect(DEFAULT_MAX_LINE_LENGTH).toBe(8 * 1024 * 1024);
    const { decoder, errors } = withErrors({});
    decoder.feed('x'.repeat(DEFAULT_MAX_LINE_LENGTH));
    expect(errors).toEqual([]);
    decoder.feed('x');
    expect(errors[0]).toMatchObject({ code: 'LINE_TOO_LONG' });
  });
});

describe('maxEventSize', () => {
  it('bounds the data of one event across many short lines', () => {
    const { decoder, events, errors } = withErrors({ maxEventSize: 20 });
    decoder.feed('data: 123456789\ndata: 123456789\n\n'); // 9 + 1 + 9 = 19
    expect(events).toEqual(['123456789\n123456789']);
    decoder.feed('data: 123456789\ndata: 123456789\ndata: 1\n');
    expect(errors[0]).toMatchObject({ code: 'EVENT_TOO_LARGE' });
    expect(errors[0]?.message).toMatch(/maxEventSize \(20\)/);
    expect(() => decoder.feed('\n')).toThrowError(refused);
  });

  it('counts the line still arriving, so an unterminated data line cannot grow it', () => {
    const { decoder, errors } = withErrors({ maxEventSize: 50, maxLineLength: 1000 });
    decoder.feed(`data: ${'a'.repeat(40)}\ndata: `);
    expect(errors).toEqual([]);
    decoder.feed('b'.repeat(10));
    expect(errors[0]).toMatchObject({ code: 'EVENT_TOO_LARGE' });
  });

  it('starts afresh on every event, and has a documented default', () => {
    expect(DEFAULT_MAX_EVENT_SIZE).toBe(16 * 1024 * 1024);
    const { decoder, events, errors } = withErrors({ maxEventSize: 10 });
    for (let i = 0; i < 100; i++) decoder.feed('data: 0123456789\n\n');
    expect(events).toHaveLength(100);
    expect(errors).toEqual([]);
  });
});

describe('linear time for any chunking', () => {
  // No timing threshold here (performance lives in apps/bench). A quadratic decoder would
  // need hours for these inputs and hit the test timeout; a linear one takes a second or two.
  it('decodes a 64 MiB line fed in 1 KiB byte chunks', () => {
    const size = 64 * 1024 * 1024;
    const chunk = new Uint8Array(1024).fill(0x78); // "x"
    let length = 0;
    const decoder = createDecoder(
      { onEvent: (e) => (length = e.data.length) },
      { maxLineLength: Number.POSITIVE_INFINITY, maxEventSize: Number.POSITIVE_INFINITY },
    );
    decoder.feed('data: ');
    for (let fed = 0; fed < size; fed += chunk.length) decoder.feed(chunk);
    decoder.feed('\n\n');
    expect(length).toBe(size);
  }, 120_000);

  it('decodes a 4 MiB line fed one character at a time', () => {
    const size = 4 * 1024 * 1024;
    let length = 0;
    const decoder = createDecoder({ onEvent: (e) => (length = e.data.length) });
    decoder.feed('data: ');
    for (let fed = 0; fed < size; fed++) decoder.feed('y');
    decoder.feed('\r\r');
    expect(length).toBe(size);
  }, 120_000);

  it('scans many colon-less lines in one big chunk once', () => {
    // An unbounded search for ':' from every line start would rescan the rest of the chunk.
    let events = 0;
    const decoder = createDecoder({ onEvent: () => events++ });
    decoder.feed('data\n'.repeat(500_000) + '\n');
    expect(events).toBe(1);
  }, 120_000);
});
