/** The media type of an event stream. Always UTF-8, whatever a `charset` parameter says. */
export const EVENT_STREAM_MIME_TYPE = 'text/event-stream';

/** The `Content-Type` a server should send: the media type with an explicit charset for proxies and tools. */
export const EVENT_STREAM_CONTENT_TYPE = 'text/event-stream; charset=utf-8';

/** HTTP whitespace (tab, LF, CR, space): what may surround a media type's essence. */
function isHttpWhitespace(code: number): boolean {
  return code === 32 || code === 9 || code === 10 || code === 13;
}

/**
 * True when a `Content-Type` header value names an event stream: `text/event-stream`,
 * ASCII case-insensitive, surrounding whitespace allowed, with any parameters (or a lone
 * trailing `;`). A client uses it to decide whether a response opens the stream; `null`
 * (no header) is `false`.
 */
export function isEventStreamContentType(value: string | null | undefined): boolean {
  if (typeof value !== 'string') return false;
  let start = 0;
  let end = value.indexOf(';');
  if (end === -1) end = value.length;
  while (start < end && isHttpWhitespace(value.charCodeAt(start))) start++;
  while (end > start && isHttpWhitespace(value.charCodeAt(end - 1))) end--;
  if (end - start !== EVENT_STREAM_MIME_TYPE.length) return false;
  for (let i = 0; i < EVENT_STREAM_MIME_TYPE.length; i++) {
    let code = value.charCodeAt(start + i);
    // ASCII lower-casing only: no Unicode case mapping can sneak a match in.
    if (code >= 65 && code <= 90) code += 32;
    if (code !== EVENT_STREAM_MIME_TYPE.charCodeAt(i)) return false;
  }
  return true;
}
