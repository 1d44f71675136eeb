/**
 * Event streams whose decoding the standard pins down: every stream of the WPT
 * `eventsource/format-*` tests (as web-platform-tests' resources/message.php,
 * last-event-id.php and last-event-id2.py send them) and the examples of WHATWG HTML
 * §9.2.6 "Interpreting an event stream".
 *
 * `FIRE` marks where an event must be dispatched: right after the terminator of its blank
 * line (after the CR of a CRLF blank line, since a CR acts at once). It is removed before
 * the stream is fed. `message.php` answers `message + "\n\n" + "\n"`, or `message + "\n"`
 * with `newline=none`; the fixtures spell that suffix out.
 */
import type { DecodedEvent } from './types';

/** Where an event must fire. U+2691 appears in no fixture's content. */
export const FIRE = '\u2691';

/** One thing the decoder reports, in order. */
export type Entry = DecodedEvent | { retry: number } | { comment: string };

export interface Fixture {
  name: string;
  /** Where the stream comes from. */
  source: string;
  /** The stream: strings are sent as UTF-8, number arrays as raw bytes. */
  wire: Array<string | number[]>;
  /** The last event ID the decoder starts from (a reconnect). */
  lastEventId?: string;
  expected: Entry[];
  /** The decoder's last event ID after `end()`. */
  finalLastEventId: string;
}

const F = FIRE;
const x2048 = 'x'.repeat(2048);
const message = (data: string, lastEventId = '', id?: string): DecodedEvent =>
  id === undefined
    ? { type: 'message', data, lastEventId }
    : { type: 'message', data, lastEventId, id };

export const fixtures: Fixture[] = [
  {
    name: 'format-bom: one BOM is dropped, a BOM later is part of a field name',
    source: 'wpt eventsource/format-bom.any.js',
    wire: [`\uFEFFdata:1\n\n${F}\uFEFFdata:2\n\ndata:3\n\n${F}\n`],
    expected: [message('1'), message('3')],
    finalLastEventId: '',
  },
  {
    name: 'format-bom-2: of two leading BOMs only the first is dropped',
    source: 'wpt eventsource/format-bom-2.any.js',
    wire: [`\uFEFF\uFEFFdata:1\n\ndata:2\n\n${F}data:3\n\n${F}\n`],
    expected: [message('2'), message('3')],
    finalLastEventId: '',
  },
  {
    name: 'format-comments: comments between data lines, every line ending',
    source: 'wpt eventsource/format-comments.any.js (newline=none)',
    wire: [`data:1\r:\0\n:\r\ndata:2\n:${x2048}\rdata:3\n:data:fail\r:${x2048}\ndata:4\n\n${F}`],
    expected: [
      { comment: '\0' },
      { comment: '' },
      { comment: x2048 },
      { comment: 'data:fail' },
      { comment: x2048 },
      message('1\n2\n3\n4'),
    ],
    finalLastEventId: '',
  },
  {
    name: 'format-data-before-final-empty-line: an unterminated event and its id are discarded',
    source: 'wpt eventsource/format-data-before-final-empty-line.any.js (newline=none)',
    wire: [`retry:1000\ndata:test1\n\n${F}id:test\ndata:test2\n`],
    expected: [{ retry: 1000 }, message('test1')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-data: empty data, data without colon, plain data',
    source: 'wpt eventsource/format-field-data.any.js',
    wire: [`data:\n\n${F}data\ndata\n\n${F}data:test\n\n${F}\n`],
    expected: [message(''), message('\n'), message('test')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-event: the type applies to one event only',
    source: 'wpt eventsource/format-field-event.htm',
    wire: [`event:test\ndata:x\n\n${F}data:x\n\n${F}\n`],
    expected: [{ type: 'test', data: 'x', lastEventId: '' }, message('x')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-event-empty: an empty type means message',
    source: 'wpt eventsource/format-field-event-empty.htm',
    wire: [`event: \ndata:data\n\n${F}\n`],
    expected: [message('data')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-parsing: names are exact, one space dropped, mixed line endings',
    source: 'wpt eventsource/format-field-parsing.any.js (newline=none)',
    wire: [
      'data:\0\ndata:  2\rData:1\ndata\0:2\ndata:1\r\0data:4\nda-ta:3\rdata_5\ndata:3\rdata:\r\n data:32\ndata:4\n' +
        `\n${F}`,
    ],
    expected: [message('\0\n 2\n1\n3\n\n4')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-unknown: unknown fields and colon-less lines are ignored',
    source: 'wpt eventsource/format-field-unknown.any.js',
    wire: [
      `data:test\n data\ndata\nfoobar:xxx\njustsometext\n:thisisacommentyay\ndata:test\n\n${F}\n`,
    ],
    expected: [{ comment: 'thisisacommentyay' }, message('test\n\ntest')],
    finalLastEventId: '',
  },
  {
    name: 'format-leading-space: only a space is dropped, never a tab',
    source: 'wpt eventsource/format-leading-space.any.js',
    wire: [`data:\ttest\rdata: \ndata:test\n\n${F}\n`],
    expected: [message('\ttest\n\ntest')],
    finalLastEventId: '',
  },
  {
    name: 'format-newlines: CRLF, LF and a CRLF blank line',
    source: 'wpt eventsource/format-newlines.any.js (newline=none)',
    wire: [`data:test\r\ndata\ndata:test\r\n\r${F}\n`],
    expected: [message('test\n\ntest')],
    finalLastEventId: '',
  },
  {
    name: 'format-null-character: NULL in data is kept',
    source: 'wpt eventsource/format-null-character.html',
    wire: [`data:\0\n\n${F}\n\n\n`],
    expected: [message('\0')],
    finalLastEventId: '',
  },
  {
    name: 'format-utf-8: the stream is UTF-8 whatever the charset parameter says',
    source: 'wpt eventsource/format-utf-8.any.js',
    wire: ['data:ok', [0xe2, 0x80, 0xa6], `\n\n${F}\n`],
    expected: [message('ok…')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-retry: leading zeros, base ten',
    source: 'wpt eventsource/format-field-retry.htm',
    wire: [`retry:02000\ndata:x\n\n${F}\n`],
    expected: [{ retry: 2000 }, message('x')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-retry-bogus: a retry with a non-digit is ignored',
    source: 'wpt eventsource/format-field-retry-bogus.htm',
    wire: [`retry:2000\nretry:1000x\ndata:x\n\n${F}\n`],
    expected: [{ retry: 2000 }, message('x')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-retry-empty: a retry without value is ignored',
    source: 'wpt eventsource/format-field-retry-empty.any.js',
    wire: [`retry\ndata:test\n\n${F}\n`],
    expected: [message('test')],
    finalLastEventId: '',
  },
  {
    name: 'format-field-id: a non-ASCII id (first connection)',
    source: 'wpt eventsource/format-field-id.htm, resources/last-event-id.php',
    wire: [`id: …\nretry: 200\ndata: hello\n\n${F}`],
    expected: [{ retry: 200 }, message('hello', '…', '…')],
    finalLastEventId: '…',
  },
  {
    name: 'format-field-id-2: the reconnect carries the id on',
    source: 'wpt eventsource/format-field-id-2.any.js, resources/last-event-id.php',
    lastEventId: '…',
    wire: [`data: …\n\n${F}`],
    expected: [message('…', '…')],
    finalLastEventId: '…',
  },
  {
    name: 'format-field-id-3 (persists): the last event ID stays for later events',
    source: 'wpt eventsource/format-field-id-3.htm, resources/last-event-id2.py?type=1',
    wire: [`id: 1\ndata: 1\n\n${F}data:2\n\n${F}`],
    expected: [message('1', '1', '1'), message('2', '1')],
    finalLastEventId: '1',
  },
  {
    name: 'format-field-id-3 (changes and persists)',
    source: 'wpt eventsource/format-field-id-3.htm, resources/last-event-id2.py?type=2',
    wire: [`id: 1\ndata: 1\n\n${F}id: 2\ndata:2\n\n${F}data:3\n\n${F}`],
    expected: [message('1', '1', '1'), message('2', '2', '2'), message('3', '2')],
    finalLastEventId: '2',
  },
  {
    name: 'format-field-id-3 (resets): an empty id clears the last event ID',
    source: 'wpt eventsource/format-field-id-3.htm, resources/last-event-id2.py?type=3',
    wire: [`id: 1\ndata: 1\n\n${F}id:\ndata:2\n\n${F}data:3\n\n${F}`],
    expected: [message('1', '1', '1'), message('2', '', ''), message('3', '')],
    finalLastEventId: '',
  },
  {
    // The .htm version of this test predates the spec change that ignores such ids
    // (whatwg/html: "If the field value does not contain U+0000 NULL"); the spec wins.
    name: 'format-field-id-null: an id with NULL is ignored',
    source: 'wpt eventsource/format-field-id-null, resources/last-event-id.py?idvalue=%00%00',
    wire: [`id: \0\0\nretry: 200\ndata: hello\n\n${F}`],
    expected: [{ retry: 200 }, message('hello')],
    finalLastEventId: '',
  },
  {
    name: 'spec example: three messages, one of two lines',
    source: 'WHATWG HTML §9.2.5 (authoring notes example)',
    wire: [
      `data: This is the first message.\n\n${F}data: This is the second message, it\ndata: has two lines.\n\n${F}data: This is the third message.\n\n${F}`,
    ],
    expected: [
      message('This is the first message.'),
      message('This is the second message, it\nhas two lines.'),
      message('This is the third message.'),
    ],
    finalLastEventId: '',
  },
  {
    name: 'spec example: named events',
    source: 'WHATWG HTML §9.2.5 (event types example)',
    wire: [
      `event: add\ndata: 73857293\n\n${F}event: remove\ndata: 2153\n\n${F}event: add\ndata: 113411\n\n${F}`,
    ],
    expected: [
      { type: 'add', data: '73857293', lastEventId: '' },
      { type: 'remove', data: '2153', lastEventId: '' },
      { type: 'add', data: '113411', lastEventId: '' },
    ],
    finalLastEventId: '',
  },
  {
    name: 'spec example: YHOO, one event of three lines',
    source: 'WHATWG HTML §9.2.6',
    wire: [`data: YHOO\ndata: +2\ndata: 10\n\n${F}`],
    expected: [message('YHOO\n+2\n10')],
    finalLastEventId: '',
  },
  {
    name: 'spec example: comment, id set then reset, one leading space kept',
    source: 'WHATWG HTML §9.2.6',
    wire: [
      `: test stream\n\ndata: first event\nid: 1\n\n${F}data:second event\nid\n\n${F}data:  third event\n\n${F}`,
    ],
    expected: [
      { comment: 'test stream' },
      message('first event', '1', '1'),
      message('second event', '', ''),
      message(' third event', ''),
    ],
    finalLastEventId: '',
  },
  {
    name: 'spec example: empty data, a lone newline, and a discarded last block',
    source: 'WHATWG HTML §9.2.6',
    wire: [`data\n\n${F}data\ndata\n\n${F}data:`],
    expected: [message(''), message('\n')],
    finalLastEventId: '',
  },
  {
    name: 'spec example: a space after the colon is optional',
    source: 'WHATWG HTML §9.2.6',
    wire: [`data:test\n\n${F}data: test\n\n${F}`],
    expected: [message('test'), message('test')],
    finalLastEventId: '',
  },
];
