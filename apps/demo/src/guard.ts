import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context, MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { RateLimit, RateLimiter } from './rate-limit';

/** The `code` of every refusal the guards send (JSON `{error, code}`), for programs to branch on. */
export type GuardCode = 'CROSS_ORIGIN' | 'RATE_LIMITED' | 'NOT_JSON' | 'BODY_TOO_LARGE';

/** The guards' limits; `DEFAULT_LIMITS` holds the numbers the README documents. */
export interface GuardLimits {
  /** `POST /api/rooms/:room/messages`, per client address. */
  chat: RateLimit;
  /** The drop endpoints (`/api/clients/:id/drop`, `/api/connections/drop`), per client address. */
  control: RateLimit;
  /** Largest request body accepted, in bytes. */
  maxBodyBytes: number;
  /** Client addresses tracked per limiter (least recently seen forgotten first). */
  maxClients: number;
}

/**
 * Chat: 10 at once, then 2 per second, which no typing person reaches but which stops
 * one client from overwriting the room log. Drops: 10 at once, then one every 2 s.
 * Bodies: 4 KiB, enough for the largest valid message (500 characters JSON-escaped at
 * up to 6 bytes each, plus a 32-character name).
 */
export const DEFAULT_LIMITS: GuardLimits = {
  chat: { burst: 10, perSecond: 2 },
  control: { burst: 10, perSecond: 0.5 },
  maxBodyBytes: 4096,
  maxClients: 10_000,
};

/** Answers a refusal and closes the connection, so an unread body is not read either. */
function refuse(c: Context, status: 403 | 413 | 415 | 429, code: GuardCode, error: string) {
  c.header('connection', 'close');
  return c.json({ error, code }, status);
}

/**
 * Refuses a state-changing request that a browser sent on behalf of another site
 * (CSRF): with `Sec-Fetch-Site`, only `same-origin` and `none` (typed by the user) pass;
 * without it, an `Origin` must be this server's own. A request with neither header does
 * not come from a browser page (curl, scripts) and passes: no other site can make it.
 */
export function sameOrigin(): MiddlewareHandler {
  return async (c, next) => {
    const site = c.req.header('sec-fetch-site');
    const origin = c.req.header('origin');
    let allowed: boolean;
    if (site !== undefined) allowed = site === 'same-origin' || site === 'none';
    else if (origin !== undefined) allowed = sameHost(origin, c.req.header('host'));
    else allowed = true;
    if (allowed) return next();
    return refuse(
      c,
      403,
      'CROSS_ORIGIN',
      `cross-origin request refused (Sec-Fetch-Site: ${site ?? '-'}, Origin: ${origin ?? '-'}): ` +
        'state-changing endpoints only accept requests from the demo page itself',
    );
  };
}

/** True when an `Origin` header names the host (and port) the request was sent to. */
function sameHost(origin: string, host: string | undefined): boolean {
  if (origin === 'null' || host === undefined) return false;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === host;
  } catch {
    return false;
  }
}

/**
 * The key a client is limited by: its address, where an IPv6 client counts by its /64
 * (one host usually owns a whole /64, and could otherwise rotate through it). The
 * client id in a URL is chosen by the client, so it is no key for a limit.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = address.includes('::') && tail ? tail.split(':') : [];
  const groups = address.includes('::')
    ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right]
    : left;
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g || '0', 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Spends one request of the client's budget in `limiter`, or answers 429 with
 * `Retry-After` (whole seconds, rounded up) without touching the body.
 */
export function rateLimit(limiter: RateLimiter, what: string): MiddlewareHandler {
  return async (c, next) => {
    const key = clientKey(getConnInfo(c).remote.address);
    const decision = limiter.take(key);
    if (decision.allowed) return next();
    const seconds = Math.max(1, Math.ceil(decision.retryAfterMs / 1000));
    c.header('retry-after', String(seconds));
    return refuse(c, 429, 'RATE_LIMITED', `too many ${what} from ${key}: retry in ${seconds} s`);
  };
}

/**
 * Accepts only a JSON body of at most `maxBytes`. A declared `Content-Length` above it
 * is refused before a byte of the body is read; a chunked body is counted as it
 * arrives and refused as soon as it passes the limit, so at most `maxBytes` is ever
 * held. The refusal closes the connection, so the rest of the body is not read either.
 * A non-JSON type (a form or `text/plain`, which a page of any site may send without
 * asking) is refused with 415; a request without a body passes.
 */
export function jsonBody(maxBytes: number): MiddlewareHandler {
  const limit = bodyLimit({
    maxSize: maxBytes,
    onError: (c) => refuse(c, 413, 'BODY_TOO_LARGE', `request body over ${maxBytes} bytes`),
  });
  return async (c, next) => {
    // No body at all (`curl -X POST`) is an empty request, not a wrong type.
    if (c.req.raw.body === null || c.req.header('content-length') === '0') return next();
    const type = c.req.header('content-type') ?? '';
    if (!/^application\/json\s*(;|$)/i.test(type))
      return refuse(c, 415, 'NOT_JSON', `send the body as application/json, not "${type}"`);
    return limit(c, next);
  };
}
