import { describe, expect, it } from 'vitest';
import { checkMessage, encode, encodeComment } from './encode';
import { SSEError } from './errors';
import type { Message } from './types';

describe('encode', () => {
  it('writes a data frame ended by a blank line', () => {
    expect(encode({ data: 'hello' })).toBe('data: hello\n\n');
  });

  it('splits data on CRLF, CR and LF and keeps a trailing newline', () => {
    expect(encode({ data: 'a\r\nb\rc\nd\n' })).toBe(
      'data: a\ndata: b\ndata: c\ndata: d\ndata: \n\n',
    );
  });

  it('cannot be tricked into injecting an event through data', () => {
    expect(encode({ data: 'x\n\nevent: evil\ndata: y' })).toBe(
      'data: x\ndata: \ndata: event: evil\ndata: data: y\n\n',
    );
  });

  it('rejects line breaks in event and id, and NULL in id', () => {
    expect(() => encode({ event: 'a\nb' })).toThrowError(SSEError);
    expect(() => encode({ id: 'a\rb' })).toThrowError(/line break/);
    expect(() => encode({ id: 'a\0b' })).toThrowError(/NULL/);
    // A line break is reported before a NULL, wherever each one is.
    expect(() => encode({ id: 'a\0b\nc' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ID', message: expect.stringMatching(/line break/) }),
    );
    expect(() => encode({ event: 'x', id: 'a\rb' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ID' }),
    );
    expect(() => encode({ event: 'a\r', id: '1' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_EVENT' }),
    );
  });

  it('allows NULL in event (only id forbids it)', () => {
    expect(encode({ event: 'a\0b', data: '' })).toBe('event: a\0b\ndata: \n\n');
  });

  it('checks retry at run time', () => {
    expect(encode({ retry: 3000 })).toBe('retry: 3000\n\n');
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60, '10' as unknown as number]) {
      expect(() => encode({ retry: bad })).toThrowError(
        expect.objectContaining({ code: 'INVALID_RETRY' }),
      );
    }
  });

  it('writes comments one line each', () => {
    expect(encode({ comment: 'a\nb' })).toBe(': a\n: b\n\n');
    expect(encodeComment()).toBe(':\n\n');
  });
});

/** A value whose string conversion answers `ok` once, then a line that injects a field. */
function stateful(): { reads: number; toString(): string } {
  return {
    reads: 0,
    toString() {
      return this.reads++ === 0 ? 'ok' : 'x\ndata: injected';
    },
  };
}

/** An object whose `field` getter answers `first` on the first read and `then` afterwards. */
function shifting(field: string, first: unknown, then: unknown, rest: Message = {}) {
  const counter = { reads: 0 };
  const message = { ...rest };
  Object.defineProperty(message, field, {
    enumerable: true,
    get: () => (counter.reads++ === 0 ? first : then),
  });
  return { message: message as Message, counter };
}

const hostile = <T>(value: unknown) => value as T;

describe('encode against hostile values', () => {
  const fields = [
    ['event', 'INVALID_EVENT'],
    ['id', 'INVALID_ID'],
    ['data', 'INVALID_DATA'],
    ['comment', 'INVALID_COMMENT'],
  ] as const;

  it('refuses a stateful toString in every string field, and never calls it', () => {
    for (const [field, code] of fields) {
      const value = stateful();
      const message = hostile<Message>({ data: 'd', [field]: value });
      expect(() => encode(message)).toThrowError(
        expect.objectContaining({ code, message: expect.stringContaining('got an object') }),
      );
      expect(() => checkMessage(message)).toThrowError(expect.objectContaining({ code }));
      expect(value.reads).toBe(0);
    }
  });

  it('refuses Symbol.toPrimitive, String objects, numbers, symbols and null, saying what came', () => {
    const primitive = { [Symbol.toPrimitive]: () => 'x\nevent: evil' };
    const cases: [unknown, RegExp][] = [
      [primitive, /got an object/],
      [new String('ok'), /got an object/],
      [7, /got number 7/],
      [true, /got boolean true/],
      [10n, /got bigint 10/],
      [Symbol('s'), /got symbol/],
      [null, /got null/],
      [['a'], /got an array/],
      [() => 'ok', /got function/],
    ];
    for (const [field, code] of fields) {
      for (const [value, said] of cases) {
        expect(() => encode(hostile({ [field]: value }))).toThrowError(
          expect.objectContaining({ code, message: expect.stringMatching(said) }),
        );
      }
    }
  });

  it('refuses a non-string comment in encodeComment, whatever its methods pretend', () => {
    const fake = { indexOf: () => -1, toString: () => 'x\n\ndata: injected' };
    expect(() => encodeComment(hostile(fake))).toThrowError(
      expect.objectContaining({ code: 'INVALID_COMMENT' }),
    );
    expect(() => encodeComment(hostile(5))).toThrowError(
      expect.objectContaining({
        code: 'INVALID_COMMENT',
        message: expect.stringMatching(/number 5/),
      }),
    );
  });

  it('refuses a retry that converts to a number without converting it', () => {
    let called = 0;
    const retry = hostile<number>({ valueOf: () => ++called });
    expect(() => encode({ retry })).toThrowError(
      expect.objectContaining({
        code: 'INVALID_RETRY',
        message: expect.stringMatching(/an object/),
      }),
    );
    expect(called).toBe(0);
  });

  it('reads each field of the message once and writes the value it checked', () => {
    const cases: [string, unknown, unknown][] = [
      ['event', 'ok', 'x\ndata: injected'],
      ['id', 'ok', 'x\rdata: injected'],
      ['id', 'ok', 'a\0b'],
      ['data', 'ok', 7],
      ['comment', 'ok', { toString: () => 'x' }],
      ['retry', 5, -1],
    ];
    for (const [field, first, then] of cases) {
      const { message, counter } = shifting(field, first, then, { data: 'payload' });
      const frame = encode(message);
      expect(counter.reads).toBe(1);
      expect(frame).toBe(encode({ data: 'payload', [field]: first }));
      const again = shifting(field, first, then, { data: 'payload' });
      checkMessage(again.message);
      expect(again.counter.reads).toBe(1);
    }
  });

  it('reads a shifting getter once even when its first answer is the bad one', () => {
    const { message, counter } = shifting('event', 'a\nb', 'ok');
    expect(() => encode(message)).toThrowError(expect.objectContaining({ code: 'INVALID_EVENT' }));
    expect(counter.reads).toBe(1);
  });
});
