import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { checkMessage, encode } from './encode';
import { SSEError } from './errors';
import type { Message } from './types';

/** What a call threw (its class, code and message), or `'ok'`. */
function outcome(run: () => unknown): unknown {
  try {
    run();
    return 'ok';
  } catch (error) {
    return error instanceof SSEError
      ? { SSEError: error.code, message: error.message }
      : { error: String(error) };
  }
}

const as = <T>(value: unknown) => value as T;

describe('checkMessage', () => {
  it('passes every message that encode accepts', () => {
    const valid: Message[] = [
      {},
      { data: '' },
      { data: 'a\r\nb\rc\nd' },
      { event: 'a\0b', data: 'x' },
      { id: '', retry: 0 },
      { id: 'abc', event: 'e', retry: 3000, comment: 'c\nd', data: 'x' },
      { comment: '' },
      { retry: Number.MAX_SAFE_INTEGER },
    ];
    for (const message of valid) {
      expect(() => encode(message)).not.toThrow();
      expect(checkMessage(message)).toBeUndefined();
    }
  });

  it('throws the same codes and messages as encode, with the same precedence', () => {
    const cases: [Message, string][] = [
      [{ event: 'a\nb' }, 'INVALID_EVENT'],
      [{ event: 'a\r' }, 'INVALID_EVENT'],
      [{ id: 'a\rb' }, 'INVALID_ID'],
      [{ id: 'a\0b' }, 'INVALID_ID'],
      [{ id: 'a\0b\nc' }, 'INVALID_ID'],
      [as({ retry: -1 }), 'INVALID_RETRY'],
      [as({ retry: 1.5 }), 'INVALID_RETRY'],
      [as({ retry: '1' }), 'INVALID_RETRY'],
      [as({ retry: Number.NaN }), 'INVALID_RETRY'],
      [as({ data: 1 }), 'INVALID_DATA'],
      [as({ data: null }), 'INVALID_DATA'],
      [as({ data: { a: 1 } }), 'INVALID_DATA'],
      [as({ id: 7 }), 'INVALID_ID'],
      [as({ event: 1 }), 'INVALID_EVENT'],
      [as({ comment: 1 }), 'INVALID_COMMENT'],
      // Precedence: event, then id, then retry, then data, then comment.
      [as({ event: 'a\n', id: 'b\n', retry: -1, data: 1, comment: 1 }), 'INVALID_EVENT'],
      [as({ event: 'a', id: 'b\0', retry: -1, data: 1, comment: 1 }), 'INVALID_ID'],
      [as({ id: 'b', retry: -1, data: 1, comment: 1 }), 'INVALID_RETRY'],
      [as({ retry: 1, data: 1, comment: 1 }), 'INVALID_DATA'],
      [as({ retry: 1, data: '', comment: 1 }), 'INVALID_COMMENT'],
    ];
    for (const [message, code] of cases) {
      expect(() => checkMessage(message)).toThrowError(expect.objectContaining({ code }));
      expect(outcome(() => checkMessage(message))).toEqual(outcome(() => encode(message)));
    }
  });

  it('agrees with encode on arbitrary messages', () => {
    const text = fc.string({ unit: fc.constantFrom('a', ' ', '\n', '\r', '\0', 'é') });
    const field = (value: fc.Arbitrary<unknown>) => fc.option(value, { nil: undefined });
    const message = fc.record({
      data: field(fc.oneof(text, fc.integer(), fc.constant(null))),
      event: field(fc.oneof(text, fc.integer())),
      id: field(fc.oneof(text, fc.integer())),
      retry: field(fc.oneof(fc.integer(), fc.double(), text)),
      comment: field(fc.oneof(text, fc.integer())),
    });
    fc.assert(
      fc.property(message, (m) => {
        const input = m as Message;
        expect(outcome(() => checkMessage(input))).toEqual(outcome(() => encode(input)));
      }),
    );
  });
});
