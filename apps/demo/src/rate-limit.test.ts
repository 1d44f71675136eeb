// Model-based: the limiter (GCRA, one timestamp per key) against a plainly written token
// bucket (a credit in integer milliseconds and a last-seen time per key, LRU by array
// order), with the clock stepping backwards as an injected fault.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type RateDecision, RateLimiter } from './rate-limit';

interface Bucket {
  key: string;
  credit: number;
  seen: number;
}

/** The reference: what a token bucket of `burst` tokens refilled every `interval` ms answers. */
class Model {
  clock = 0;
  /** The limiter's own time: the clock when read, except that it never goes back. */
  time = Number.NEGATIVE_INFINITY;
  buckets: Bucket[] = [];
  constructor(
    readonly burst: number,
    readonly interval: number,
    readonly maxKeys: number,
  ) {}

  take(key: string): RateDecision {
    this.time = Math.max(this.time, this.clock);
    const full = this.burst * this.interval;
    const found = this.buckets.find((b) => b.key === key);
    const bucket = found ?? { key, credit: full, seen: this.time };
    bucket.credit = Math.min(full, bucket.credit + (this.time - bucket.seen));
    bucket.seen = this.time;
    this.buckets = [...this.buckets.filter((b) => b !== bucket), bucket];
    if (bucket.credit < this.interval)
      return { allowed: false, retryAfterMs: this.interval - bucket.credit };
    bucket.credit -= this.interval;
    if (this.buckets.length > this.maxKeys) this.buckets.shift();
    return { allowed: true };
  }
}

interface Real {
  limiter: RateLimiter;
  clock: { now: number };
}

const keys = fc.constantFrom('a', 'b', 'c', 'd', 'e');

class Take implements fc.Command<Model, Real> {
  constructor(readonly key: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    expect(real.limiter.take(this.key)).toEqual(model.take(this.key));
    expect(real.limiter.size).toBe(model.buckets.length);
    expect(real.limiter.size).toBeLessThanOrEqual(model.maxKeys);
  }
  toString = () => `take(${this.key})`;
}

class Advance implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real): void {
    model.clock += this.ms;
    real.clock.now += this.ms;
  }
  toString = () => `advance(${this.ms})`;
}

describe('RateLimiter', () => {
  it('answers like a token bucket, with a bounded key table and a clock that steps back', () => {
    // Intervals that divide 1000 keep both sides in exact integer milliseconds.
    const intervals = fc.constantFrom(1, 4, 10, 125, 250, 500, 1000);
    const commands = [
      keys.map((key) => new Take(key)),
      fc.integer({ min: 0, max: 1500 }).map((ms) => new Advance(ms)),
      // The fault: the wall clock is stepped back (NTP, a suspended VM).
      fc.integer({ min: -2000, max: -1 }).map((ms) => new Advance(ms)),
    ];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        intervals,
        fc.integer({ min: 1, max: 4 }),
        fc.commands(commands, { maxCommands: 200 }),
        (burst, interval, maxKeys, cmds) => {
          const clock = { now: 0 };
          const limiter = new RateLimiter({
            burst,
            perSecond: 1000 / interval,
            maxKeys,
            now: () => clock.now,
          });
          fc.modelRun(
            () => ({ model: new Model(burst, interval, maxKeys), real: { limiter, clock } }),
            cmds,
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('refuses a flood with a wait that lets exactly the steady rate through', () => {
    const clock = { now: 0 };
    const limiter = new RateLimiter({ burst: 3, perSecond: 2, now: () => clock.now });
    const answers = Array.from({ length: 2000 }, () => limiter.take('flood'));
    expect(answers.filter((a) => a.allowed)).toHaveLength(3);
    expect(answers[3]).toEqual({ allowed: false, retryAfterMs: 500 });
    clock.now += 500;
    expect(limiter.take('flood')).toEqual({ allowed: true });
    expect(limiter.take('flood').allowed).toBe(false);
    // Another key is not affected by the flood.
    expect(limiter.take('other')).toEqual({ allowed: true });
  });

  it('rejects settings that would disable the limit', () => {
    expect(() => new RateLimiter({ burst: 0, perSecond: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1.5, perSecond: 1 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1, perSecond: 0 })).toThrow(RangeError);
    expect(() => new RateLimiter({ burst: 1, perSecond: Number.POSITIVE_INFINITY })).toThrow(
      RangeError,
    );
  });
});
