import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EVENT_STREAM_CONTENT_TYPE, isEventStreamContentType } from './content-type';

describe('isEventStreamContentType', () => {
  it('accepts the media type with parameters, a trailing semicolon, any ASCII case', () => {
    for (const value of [
      'text/event-stream',
      'text/event-stream;',
      'text/event-stream; charset=utf-8',
      'TEXT/Event-Stream;charset=UTF-8',
      ' \ttext/event-stream \t; foo=bar',
      EVENT_STREAM_CONTENT_TYPE,
    ]) {
      expect(isEventStreamContentType(value), value).toBe(true);
    }
  });

  it('rejects other types, look-alikes and missing headers', () => {
    for (const value of [
      null,
      undefined,
      '',
      'text/plain',
      'text/event-streams',
      'text/event',
      'text /event-stream',
      'application/event-stream',
      'text/event-stream,text/plain',
      'text/event-\u017Ftream',
      '\u00A0text/event-stream',
    ]) {
      expect(isEventStreamContentType(value), String(value)).toBe(false);
    }
  });

  it('agrees with the media-type rule on hostile values (whitespace, case, look-alikes, semicolons)', () => {
    // The rule, step by step: the part before the first `;`, HTTP whitespace trimmed, equals
    // the essence under ASCII-only lower-casing.
    const reference = (value: string) => {
      const essence = value.split(';')[0]!.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
      return essence.replace(/[A-Z]/g, (c) => c.toLowerCase()) === 'text/event-stream';
    };
    const piece = fc.constantFrom(
      'text/event-stream',
      'TEXT/EVENT-STREAM',
      'text/event-\u017Ftream',
      'text/event-\u212Aream',
      '\u0130',
      'text/',
      'event-stream',
      ';',
      ',',
      ' ',
      '\t',
      '\n',
      '\r',
      '\u00A0',
      '\f',
      '\v',
      'charset=utf-8',
      '=',
      'x',
    );
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 6 }), (pieces) => {
        const value = pieces.join('');
        expect(isEventStreamContentType(value), JSON.stringify(value)).toBe(reference(value));
      }),
      { numRuns: 2000 },
    );
  });
});
