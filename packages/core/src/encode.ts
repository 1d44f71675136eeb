import { SSEError } from './errors';
import type { Message } from './types';

/** CR and CRLF, to be turned into LF before a multi-line value is split into lines. */
const CR_LINE_BREAK = /\r\n?/g;

/**
 * Writes one `prefix + line` per line of `text` (CRLF, CR and LF all end a line), so no
 * line break can escape the field, then `end` (`'\n'`, or `'\n\n'` to end the frame too).
 * Single-line text, the usual case, costs two native scans and one concatenation;
 * multi-line text one native replace, no per-line array.
 */
function lines(prefix: string, text: string, end: string): string {
  const hasLF = text.indexOf('\n') !== -1;
  const hasCR = text.indexOf('\r') !== -1;
  if (!hasLF && !hasCR) return prefix + text + end;
  const normalised = hasCR ? text.replace(CR_LINE_BREAK, '\n') : text;
  return prefix + normalised.replaceAll('\n', '\n' + prefix) + end;
}

/**
 * True when `value` holds a CR or LF, or (with `nul`) a NULL. One pass of char codes:
 * `event` and `id` values are short, where this beats two or three native scans.
 */
function hasForbidden(value: string, nul: boolean): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 10 || c === 13 || (c === 0 && nul)) return true;
  }
  return false;
}

/**
 * The typed error for an `event` or `id` that would end its line early (a CR or LF would
 * let the caller, or an attacker feeding it, start a new field), or an `id` with NULL.
 * Line breaks are reported first.
 */
function invalidField(field: 'event' | 'id', value: string): SSEError {
  if (value.indexOf('\n') !== -1 || value.indexOf('\r') !== -1) {
    return new SSEError(
      field === 'event' ? 'INVALID_EVENT' : 'INVALID_ID',
      `The ${field} field cannot contain a line break (CR or LF): it would end the field early. Remove line breaks from the ${field}.`,
    );
  }
  return new SSEError(
    'INVALID_ID',
    'The id field cannot contain NULL (U+0000): clients ignore such an id. Remove the NULL character.',
  );
}

/** The typed error for a `retry` that is not a non-negative safe integer. */
function invalidRetry(retry: unknown): SSEError {
  return new SSEError(
    'INVALID_RETRY',
    `The retry field must be a non-negative safe integer of milliseconds, got ${String(retry)}.`,
  );
}

/** The typed error for `data` that is not a string. */
function invalidData(data: unknown): SSEError {
  return new SSEError(
    'INVALID_DATA',
    `The data field must be a string, got ${typeof data}. Serialise objects first, for example with JSON.stringify.`,
  );
}

/**
 * Throws what {@link encode} throws for `message` (the same `SSEError` codes and
 * messages, in the same order), without building the frame: `encode` runs it first, and
 * callers that validate a message now and encode it later (the hub) run it alone.
 */
export function checkMessage(message: Message): void {
  const { data, event, id, retry, comment } = message;
  // encode converts a non-string comment first; a conversion that throws throws here too.
  if (comment !== undefined && typeof comment !== 'string') String(comment);
  if (event !== undefined) {
    const value = typeof event === 'string' ? event : String(event);
    if (hasForbidden(value, false)) throw invalidField('event', value);
  }
  if (id !== undefined) {
    const value = typeof id === 'string' ? id : String(id);
    if (hasForbidden(value, true)) throw invalidField('id', value);
  }
  if (retry !== undefined) {
    if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
      throw invalidRetry(retry);
    }
  }
  if (data !== undefined && typeof data !== 'string') throw invalidData(data);
}

/**
 * Serialises one message to an event-stream frame, ending with the blank line that
 * dispatches it. It cannot be made to inject fields: data and comments are split
 * into one line per line, and `event`/`id` with line breaks throw ({@link checkMessage}).
 */
export function encode(message: Message): string {
  checkMessage(message);
  const { data, event, id, retry, comment } = message;
  // Valid from here. `String` only for callers outside the types (a number, say).
  let out = comment === undefined ? '' : lines(': ', String(comment), '\n');
  if (event !== undefined)
    out += 'event: ' + (typeof event === 'string' ? event : String(event)) + '\n';
  if (id !== undefined) out += 'id: ' + (typeof id === 'string' ? id : String(id)) + '\n';
  if (retry !== undefined) out += 'retry: ' + retry + '\n';
  // Always `data: ` with the space, so a leading space in the payload survives; the
  // frame's blank line is written with the last line.
  return data === undefined ? out + '\n' : out + lines('data: ', data, '\n\n');
}

/** Serialises a comment-only frame, the usual heartbeat: ignored by every client. */
export function encodeComment(text = ''): string {
  return text === '' ? ':\n\n' : lines(': ', text, '\n\n');
}
