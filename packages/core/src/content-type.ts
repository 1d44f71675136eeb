/** The media type of an event stream. Always UTF-8, whatever a `charset` parameter says. */
export const EVENT_STREAM_MIME_TYPE = 'text/event-stream';

/** The `Content-Type` a server should send: the media type with an explicit charset for proxies and tools. */
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/**
 * The essence `text/event-stream` between optional HTTP whitespace (tab, LF, CR, space), then
 * parameters or the end. `i` without `u` folds ASCII letters only (ECMAScript's Canonicalize
 * never maps a non-ASCII character to an ASCII one), so `\u017F` (ſ, upper case S) cannot match.
 */
const EVENT_STREAM_TYPE = /^[\t\n\r ]*text\/event-stream[\t\n\r ]*(;|$)/i;

/**
 * True when a `Content-Type` header value names an event stream: `text/event-stream`,
 * ASCII case-insensitive, surrounding whitespace allowed, with any parameters (or a lone
 * trailing `;`). A client uses it to decide whether a response opens the stream; `null`
 * (no header) is `false`.
 */
export function isEventStreamContentType(value: string | null | undefined): boolean {
  return typeof value === 'string' && EVENT_STREAM_TYPE.test(value);
}
