import { SSEError } from './errors';
import type { Message } from './types';

/** CR and CRLF, to be turned into LF before a multi-line value is split into lines. */
const CR_LINE_BREAK = /\r\n?/g;

/**
 * Writes one `prefix + line` per line of `text` (CRLF, CR and LF all end a line), so no
 * line break can escape the field. Single-line text, the usual case, costs two native
 * scans and one concatenation; multi-line text one native replace, no per-line array.
 */
function lines(prefix: string, text: string): string {
  const hasLF = text.indexOf('\n') !== -1;
  const hasCR = text.indexOf('\r') !== -1;
  if (!hasLF && !hasCR) return prefix + text + '\n';
  const normalised = hasCR ? text.replace(CR_LINE_BREAK, '\n') : text;
  return prefix + normalised.replaceAll('\n', '\n' + prefix) + '\n';
}

/**
 * Rejects a single-line field that would end its line early: a CR or LF in `event`
 * or `id` would let the caller (or an attacker feeding it) start a new field.
 */
function singleLine(field: 'event' | 'id', value: string): string {
  if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1) {
    throw new SSEError(
      field === 'event' ? 'INVALID_EVENT' : 'INVALID_ID',
      `The ${field} field cannot contain a line break (CR or LF): it would end the field early. Remove line breaks from the ${field}.`,
    );
  }
  return value;
}

/**
 * Serialises one message to an event-stream frame, ending with the blank line that
 * dispatches it. It cannot be made to inject fields: data and comments are split
 * into one line per line, and `event`/`id` with line breaks throw.
 */
export function encode(message: Message): string {
  const { data, event, id, retry, comment } = message;
  let out = '';
  if (comment !== undefined) out = lines(': ', String(comment));
  if (event !== undefined) out += 'event: ' + singleLine('event', String(event)) + '\n';
  if (id !== undefined) {
    const value = singleLine('id', String(id));
    if (value.indexOf('\0') !== -1) {
      throw new SSEError(
        'INVALID_ID',
        'The id field cannot contain NULL (U+0000): clients ignore such an id. Remove the NULL character.',
      );
    }
    out += 'id: ' + value + '\n';
  }
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
    // Always `data: ` with the space, so a leading space in the payload survives.
    out += lines('data: ', data);
  }
  return out + '\n';
}

/** Serialises a comment-only frame, the usual heartbeat: ignored by every client. */
export function encodeComment(text = ''): string {
  return text === '' ? ':\n\n' : lines(': ', text) + '\n';
}
