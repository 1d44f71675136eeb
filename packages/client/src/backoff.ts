/**
 * The longest delay a timer can wait (2^31 − 1 ms, about 24.8 days): longer values make
 * `setTimeout` fire at once in every runtime, which would turn a long wait into a hammering loop.
 */
export const MAX_DELAY = 2 ** 31 - 1;

/**
 * The wait before retry number `attempt` (1-based): the reconnection time for the first
 * retry, as the spec says, then full jitter between the reconnection time and
 * `min(cap, max(time, 1) * 2^(attempt-1))`. Never less than the reconnection time, which the
 * spec requires; spreads reconnect storms after an outage. A reconnection time of 0 still
 * backs off (from 1 ms), and the result is a finite integer in [time, max(time, cap)] (for a
 * `random` in [0, 1)).
 */
export function backoffDelay(
  attempt: number,
  reconnectionTime: number,
  cap: number,
  random: () => number,
): number {
  const upper = Math.min(cap, Math.max(reconnectionTime, 1) * 2 ** Math.min(attempt - 1, 31));
  return Math.round(reconnectionTime + random() * Math.max(0, upper - reconnectionTime));
}

/**
 * A `Retry-After` header in ms: delta-seconds (digits only) or an HTTP date; 0 when absent,
 * past or unreadable, so a bad header never blocks the normal backoff. May be huge (a date in
 * 2100): the client caps it by `maxServerRetry`.
 */
export function parseRetryAfter(value: string | null, now = Date.now()): number {
  const text = value?.trim() ?? '';
  const ms = /^\d+$/.test(text) ? +text * 1000 : Date.parse(text) - now;
  // biome-ignore lint/complexity/useMathMinMax: Math.max would keep NaN (an unreadable date); this gives 0.
  return ms > 0 ? ms : 0;
}
