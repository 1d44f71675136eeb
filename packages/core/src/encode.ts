import { SSEError } from './errors';
import type { Message } from './types';

/** Splits text on every line ending the spec knows: CRLF, CR and LF. */
const LINE_BREAK = /\r\n|\r|\n/;

/** True when `text` has no CR or LF: two native scans, cheaper than any regular expression. */
function isSingleLine(text: string): boolean {
  return text.indexOf('\n') === -1 && text.indexOf('\r') === -1;
}

/** Writes one `name: value` line per line of `text`, so no line break can escape the field. */
function multiLine(prefix: string, text: string): string {
  if (isSingleLine(text)) return prefix + text + '\n';
  let out = '';
  for (const line of text.split(LINE_BREAK)) out += prefix + line + '\n';
  return out;
}

/**
 * Rejects a single-line field that would end its line early: a CR or LF in `event`
 * or `id` would let the caller (or an attacker feeding it) start a new field.
 */
function singleLine(field: 'event' | 'id', value: string): string {
  if (!isSingleLine(value)) {
    throw new SSEError(
      field === 'event' ? 'INVALID_EVENT' : 'INVALID_ID',
      `The ${field} field cannot contain a line break (CR or LF): it would end the field early. Remove line breaks from the ${field}.`,
    );
  }
  if (field === 'id' && value.indexOf('\0') !== -1) {
    throw new SSEError(
      'INVALID_ID',
      'The id field cannot contain NULL (U+0000): clients ignore such an id. Remove the NULL character.',
    );
  }
  return field + ': ' + value + '\n';
}

/**
 * Serialises one message to an event-stream frame, ending with the blank line that
 * dispatches it. It cannot be made to inject fields: data and comments are split
 * into one line per line, and `event`/`id` with line breaks throw.
 */
export function encode(message: Message): string {
  const { data, event, id, retry, comment } = message;
  let out = '';
  if (comment !== undefined) out += multiLine(': ', String(comment));
  if (event !== undefined) out += singleLine('event', String(event));
  if (id !== undefined) out += singleLine('id', String(id));
  if (retry !== undefined) {
    if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
      throw new SSEError(
        'INVALID_RETRY',
        `The retry field must be a non-negative safe integer of milliseconds, got ${String(retry)}.`,
      );
    }
    out += 'retry: ' + retry + '\n';
  }
  if (data !== undefined) {
    if (typeof data !== 'string') {
      throw new SSEError(
        'INVALID_DATA',
        `The data field must be a string, got ${typeof data}. Serialise objects first, for example with JSON.stringify.`,
      );
    }
    // Fast path: most payloads (tokens, JSON) have no line break at all.
    out += isSingleLine(data) ? 'data: ' + data + '\n' : multiLine('data: ', data);
  }
  return out + '\n';
}

/** Serialises a comment-only frame, the usual heartbeat: ignored by every client. */
export function encodeComment(text = ''): string {
  return text === '' ? ':\n\n' : multiLine(': ', text) + '\n';
}
