import { describe, expect, it } from 'vitest';
import { encode, encodeComment } from './encode';
import { SSEError } from './errors';

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

  it('allows NULL in event (only id forbids it) and converts non-string event and id', () => {
    expect(encode({ event: 'a\0b', data: '' })).toBe('event: a\0b\ndata: \n\n');
    expect(encode({ id: 7 as unknown as string, event: 1 as unknown as string })).toBe(
      'event: 1\nid: 7\n\n',
    );
    expect(() => encode({ id: { toString: () => 'a\nb' } as unknown as string })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ID' }),
    );
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
