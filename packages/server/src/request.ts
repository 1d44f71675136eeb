/**
 * The few request facts the server needs, pulled out by each adapter from its own
 * request type, so the server never depends on a transport.
 */
export interface RequestInfo {
  /** The HTTP method, upper case. */
  method: string;
  /** The request target: a path with query (`/events?x=1`) or an absolute URL. */
  url: string;
  /**
   * 1 for HTTP/1.x (adds `Connection: keep-alive`), 2 or more for HTTP/2+, 0 when the
   * runtime manages connection headers itself (fetch-style servers).
   */
  httpVersionMajor: number;
  /** Raw header values, as the transport gives them (missing: undefined or null). */
  lastEventId?: string | null;
  origin?: string | null;
  acceptEncoding?: string | null;
}

const utf8Strict = /* @__PURE__ */ new TextDecoder('utf-8', { fatal: true });

/**
 * HTTP stacks hand header bytes over as Latin-1 strings; the client sent UTF-8, so
 * an ID with non-ASCII characters is turned back into the text the client meant.
 * Bytes that are not valid UTF-8 are kept as Latin-1, never replaced.
 */
export function headerText(value: string): string {
  if (!/[\u0080-\u00ff]/.test(value) || /[^\u0000-\u00ff]/.test(value)) return value;
  const bytes = new Uint8Array(value.length);
  for (let i = 0; i < value.length; i++) bytes[i] = value.charCodeAt(i);
  try {
    return utf8Strict.decode(bytes);
  } catch {
    return value;
  }
}

/**
 * The client's last event ID: the `Last-Event-ID` header, or for a first connect
 * from a browser that cannot set headers, a `lastEventId` query parameter; '' if none.
 */
export function lastEventIdOf(request: RequestInfo): string {
  const header = request.lastEventId;
  if (header) return headerText(header);
  const q = request.url.indexOf('?');
  if (q === -1 || request.url.indexOf('lastEventId', q) === -1) return '';
  return new URLSearchParams(request.url.slice(q + 1)).get('lastEventId') ?? '';
}
