/** How many requests one key may make: a burst, then a steady rate. */
export interface RateLimit {
  /** Requests allowed back to back from a rested key. */
  burst: number;
  /** Requests per second allowed once the burst is spent. */
  perSecond: number;
}

/** The answer for one request: allowed, or refused with the wait until the next one is allowed. */
export type RateDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

/** Options of {@link RateLimiter}. */
export interface RateLimiterOptions extends RateLimit {
  /**
   * Most keys tracked at once, so a flood of distinct addresses cannot grow memory
   * without bound; past it the least recently seen key is forgotten (it comes back
   * rested). Default 10,000.
   */
  maxKeys?: number;
  /** Milliseconds from a monotonic clock. Default `performance.now()`. */
  now?: () => number;
}

/**
 * A per-key token bucket, written as GCRA (the generic cell rate algorithm): each key
 * keeps one number, the time its bucket will be full again, instead of a token count
 * and a timestamp. Requests are refused, never queued, so nothing waits in memory.
 * A clock that steps backwards is treated as standing still (it never grants more).
 */
export class RateLimiter {
  readonly #interval: number;
  readonly #tolerance: number;
  readonly #maxKeys: number;
  readonly #now: () => number;
  /** Key → theoretical arrival time (ms), in least recently seen order. */
  readonly #tat = new Map<string, number>();
  #last = Number.NEGATIVE_INFINITY;

  constructor(options: RateLimiterOptions) {
    const { burst, perSecond } = options;
    if (!Number.isInteger(burst) || burst < 1) throw new RangeError('burst must be an integer ≥ 1');
    if (!(perSecond > 0) || !Number.isFinite(perSecond))
      throw new RangeError('perSecond must be a positive number');
    this.#interval = 1000 / perSecond;
    this.#tolerance = (burst - 1) * this.#interval;
    this.#maxKeys = Math.max(1, options.maxKeys ?? 10_000);
    this.#now = options.now ?? (() => performance.now());
  }

  /** Spends one request of `key` if it has one; otherwise says how long to wait. */
  take(key: string): RateDecision {
    const now = (this.#last = Math.max(this.#last, this.#now()));
    const tat = Math.max(this.#tat.get(key) ?? now, now);
    const allowedAt = tat - this.#tolerance;
    // Re-inserting moves the key to the end: the Map's order is least recently seen first.
    this.#tat.delete(key);
    if (now < allowedAt) {
      this.#tat.set(key, tat);
      return { allowed: false, retryAfterMs: allowedAt - now };
    }
    this.#tat.set(key, tat + this.#interval);
    if (this.#tat.size > this.#maxKeys) {
      const oldest = this.#tat.keys().next().value;
      if (oldest !== undefined) this.#tat.delete(oldest);
    }
    return { allowed: true };
  }

  /** Keys tracked now (at most `maxKeys`). */
  get size(): number {
    return this.#tat.size;
  }
}
