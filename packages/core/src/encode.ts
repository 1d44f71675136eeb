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
    `The retry field must be a non-negative safe integer of milliseconds, got ${describe(retry)}.`,
  );
}

/** The string fields of a message, each with the code its errors carry. */
const FIELD_CODES = {
  event: 'INVALID_EVENT',
  id: 'INVALID_ID',
  data: 'INVALID_DATA',
  comment: 'INVALID_COMMENT',
} as const;

/**
 * Names what a non-string field held without converting it: converting runs the value's
 * own code (`toString`, `Symbol.toPrimitive`), which may throw or answer differently on
 * the next call. Only harmless primitives are shown.
 */
function describe(value: unknown): string {
  if (value === null) return 'null';
  const type = typeof value;
  if (type === 'number' || type === 'boolean' || type === 'bigint') {
    return `${type} ${String(value)}`;
  }
  return Array.isArray(value) ? 'an array' : type === 'object' ? 'an object' : type;
}

/**
 * The typed error for a field that is not a string. Such values are refused, not
 * converted: a conversion runs the value's own code, and a value that converts to
 * something harmless while checked and to a line break while written could inject fields.
 */
function notAString(field: keyof typeof FIELD_CODES, value: unknown): SSEError {
  const hint =
    field === 'data'
      ? ' Serialise objects first, for example with JSON.stringify.'
      : ` Convert it yourself, for example with String(${field}).`;
  return new SSEError(
    FIELD_CODES[field],
    `The ${field} field must be a string, got ${describe(value)}.${hint}`,
  );
}

/**
 * Checks fields already read off a message (each read once, by the caller), so what is
 * checked is exactly what gets written: a getter on the message cannot answer the check
 * with one value and the encoder with another.
 */
function checkFields(
  data: unknown,
  event: unknown,
  id: unknown,
  retry: unknown,
  comment: unknown,
): void {
  if (event !== undefined) {
    if (typeof event !== 'string') throw notAString('event', event);
    if (hasForbidden(event, false)) throw invalidField('event', event);
  }
  if (id !== undefined) {
    if (typeof id !== 'string') throw notAString('id', id);
    if (hasForbidden(id, true)) throw invalidField('id', id);
  }
  if (retry !== undefined) {
    if (typeof retry !== 'number' || !Number.isSafeInteger(retry) || retry < 0) {
      throw invalidRetry(retry);
    }
  }
  if (data !== undefined && typeof data !== 'string') throw notAString('data', data);
  if (comment !== undefined && typeof comment !== 'string') throw notAString('comment', comment);
}

/**
 * Throws what {@link encode} throws for `message` (the same `SSEError` codes and
 * messages, in the same order), without building the frame: callers that validate a
 * message now and encode it later (the hub) run it alone. Each field is read once.
 */
export function checkMessage(message: Message): void {
  const { data, event, id, retry, comment } = message;
  checkFields(data, event, id, retry, comment);
}

/**
 * Serialises one message to an event-stream frame, ending with the blank line that
 * dispatches it. It cannot be made to inject fields: every field must be a string (no
 * conversion, so no `toString` of the caller's runs), each is read from `message` once
 * and written as checked, data and comments are split into one line per line, and
 * `event`/`id` with line breaks throw ({@link checkMessage}).
 */
export function encode(message: Message): string {
  const { data, event, id, retry, comment } = message;
  checkFields(data, event, id, retry, comment);
  let out = comment === undefined ? '' : lines(': ', comment, '\n');
  if (event !== undefined) out += 'event: ' + event + '\n';
  if (id !== undefined) out += 'id: ' + id + '\n';
  if (retry !== undefined) out += 'retry: ' + retry + '\n';
  // Always `data: ` with the space, so a leading space in the payload survives; the
  // frame's blank line is written with the last line.
  return data === undefined ? out + '\n' : out + lines('data: ', data, '\n\n');
}

/**
 * Serialises a comment-only frame, the usual heartbeat: ignored by every client. A
 * non-string `text` throws `INVALID_COMMENT`, like `encode`'s `comment`.
 */
export function encodeComment(text = ''): string {
  if (typeof text !== 'string') throw notAString('comment', text);
  return text === '' ? ':\n\n' : lines(': ', text, '\n\n');
}
