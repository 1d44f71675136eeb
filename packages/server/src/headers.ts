import { EVENT_STREAM_CONTENT_TYPE } from '@sse/core';
import { type CorsOptions, DEFAULTS } from './options';

/** Response headers as a plain object: both `writeHead` and `new Response` take it. */
export type HeaderRecord = Record<string, string>;

/**
 * The headers every SSE response carries. `no-transform` keeps compression
 * middleware away; `X-Accel-Buffering: no` stops nginx buffering the stream.
 * `Transfer-Encoding` is never set: the transport picks it (and HTTP/2 forbids it).
 */
export function baseHeaders(extra: Readonly<HeaderRecord> | undefined): HeaderRecord {
  return {
    ...extra,
    'Content-Type': EVENT_STREAM_CONTENT_TYPE,
    'Cache-Control': 'no-cache, no-transform',
    'X-Accel-Buffering': 'no',
  };
}

/** Adds `token` to the `Vary` header, keeping what it already lists. */
export function appendVary(headers: HeaderRecord, token: string): void {
  headers.Vary = headers.Vary ? `${headers.Vary}, ${token}` : token;
}

/** True when `origin` is on the allow-list. */
export function originAllowed(cors: CorsOptions, origin: string): boolean {
  const { origins } = cors;
  if (origins === '*') return true;
  if (typeof origins === 'function') return origins(origin);
  if (origins instanceof RegExp) return origins.test(origin);
  return origins.includes(origin);
}

/**
 * Adds the CORS answer for one request: the allowed origin echoed (so it works
 * with credentials), `Vary: Origin`, and on preflights the methods and the
 * `Last-Event-ID` header. A disallowed origin gets no CORS headers; the browser
 * then withholds the stream from the page.
 */
export function addCors(
  headers: HeaderRecord,
  cors: CorsOptions,
  origin: string | null | undefined,
  preflight: boolean,
): void {
  appendVary(headers, 'Origin');
  if (!origin || !originAllowed(cors, origin)) return;
  headers['Access-Control-Allow-Origin'] = cors.origins === '*' && !cors.credentials ? '*' : origin;
  if (cors.credentials) headers['Access-Control-Allow-Credentials'] = 'true';
  if (preflight) {
    headers['Access-Control-Allow-Methods'] = (cors.allowMethods ?? ['GET', 'POST']).join(', ');
    headers['Access-Control-Allow-Headers'] = ['Last-Event-ID', ...(cors.allowHeaders ?? [])].join(
      ', ',
    );
    headers['Access-Control-Max-Age'] = String(cors.maxAge ?? DEFAULTS.corsMaxAge);
  }
}
