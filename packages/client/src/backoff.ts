/**
 * The wait before retry number `attempt` (1-based): the reconnection time for the first
 * retry, as the spec says, then full jitter between the reconnection time and
 * `min(cap, time * 2^(attempt-1))`. Never less than the reconnection time, which the
 * spec requires; spreads reconnect storms after an outage.
 */
export function backoffDelay(
  attempt: number,
  reconnectionTime: number,
  cap: number,
  random: () => number,
): number {
  const upper = Math.max(reconnectionTime, Math.min(cap, reconnectionTime * 2 ** (attempt - 1)));
  return Math.round(reconnectionTime + random() * (upper - reconnectionTime));
}

/**
 * A `Retry-After` header in ms: delta-seconds or an HTTP date; 0 when absent or
 * unreadable, so a bad header never blocks the normal backoff.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  if (!value) return 0;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? 0 : Math.max(0, date - now);
}
