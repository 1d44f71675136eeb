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
 * A `Retry-After` header in ms: delta-seconds or an HTTP date; 0 when absent, past or
 * unreadable, so a bad header never blocks the normal backoff.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  const seconds = Number(value || 'x');
  const ms = Number.isNaN(seconds) ? Date.parse(value as string) - now : seconds * 1000;
  // biome-ignore lint/complexity/useMathMinMax: Math.max would keep NaN (an unreadable date); this gives 0.
  return ms > 0 ? ms : 0;
}
