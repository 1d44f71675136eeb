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
});
