import { backoffDelay, MAX_DELAY, parseRetryAfter } from './backoff';
import type { EventSourceError } from './error';
import type { EventSourceOptions } from './options';

/**
 * The shortest reconnection time a server's `retry:` can set, unless the application's own
 * `retryDelay` is shorter: `retry: 0` from a hostile or buggy server cannot make the client
 * reconnect more than 4 times a second (the spec lets the user agent wait longer).
 */
export const MIN_SERVER_RETRY = 250;

/**
 * The one place that decides whether a failure is retried, and how long the client waits:
 * `hint(ms)` takes a server's `retry:`; `plan(attempt, error)` gives the wait in ms before
 * retry number `attempt` (1-based) after `error`, a finite integer, or -1 when `error` is final.
 */
export type Governor = [
  hint: (ms: number) => void,
  plan: (attempt: number, error: EventSourceError) => number,
];

/**
 * A non-negative number of milliseconds from the options, or its default; anything else is
 * a `RangeError` at construction (a NaN would otherwise become a delay). Capped at
 * `MAX_DELAY`, so `Infinity` means "as long as a timer can wait".
 */
export function milliseconds(
  options: EventSourceOptions,
  name: 'retryDelay' | 'maxRetryDelay' | 'maxServerRetry' | 'idleTimeout',
  fallback: number,
): number {
  const value = options[name] ?? fallback;
  if (!(value >= 0)) throw new RangeError(`${name} must be a number >= 0, got ${value}`);
  return Math.min(value, MAX_DELAY);
}

/**
 * Builds the governor for one connection from its options. Every delay the client waits
 * comes from here: the reconnection time (`retryDelay`, then the server's `retry:` within
 * [min(MIN_SERVER_RETRY, retryDelay), maxServerRetry]), backoff with full jitter up to
 * `maxRetryDelay`, and `Retry-After` (capped by `maxServerRetry`, like `retry:`). Retried:
 * network errors, idle timeouts, and the statuses `retryOnStatus` allows; everything else is final.
 */
export function createGovernor(options: EventSourceOptions): Governor {
  const { retryOnStatus, random = Math.random } = options;
  const initial = milliseconds(options, 'retryDelay', 3000);
  const cap = milliseconds(options, 'maxRetryDelay', 30_000);
  const serverCap = milliseconds(options, 'maxServerRetry', 60_000);
  const floor = Math.min(MIN_SERVER_RETRY, initial);
  let time = initial;
  return [
    (ms) => {
      time = Math.min(Math.max(ms, floor), serverCap);
    },
    (attempt, { code, status, response }) =>
      (
        code === 'HTTP_STATUS'
          ? typeof retryOnStatus === 'function'
            ? retryOnStatus(status!)
            : retryOnStatus && (status! >= 500 || status === 429)
          : code === 'NETWORK' || code === 'IDLE_TIMEOUT'
      )
        ? Math.max(
            backoffDelay(attempt, time, cap, random),
            Math.min(parseRetryAfter(response?.headers.get('retry-after') ?? null), serverCap),
          )
        : -1,
  ];
}
