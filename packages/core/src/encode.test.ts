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
