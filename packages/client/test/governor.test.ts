// The governor, the one place every delay and every retry-or-fail decision comes from,
// against a small reference model: whatever the server sends (`retry:` values, statuses,
// `Retry-After` headers, in any order) and whatever the options, a delay is a finite integer
// within the documented bounds, and only the documented failures are retried.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '../src/backoff';
import { createGovernor, MIN_SERVER_RETRY } from '../src/governor';
import { EventSourceError, MAX_DELAY } from '../src/index';
import type { EventSourceOptions } from '../src/options';

/** The state the model keeps: the reconnection time and the failures since the last healthy connection. */
interface Model {
  time: number;
  failures: number;
}

interface Real {
  hint: (ms: number) => void;
  plan: (attempt: number, error: EventSourceError) => number;
  resolved: { initial: number; cap: number; serverCap: number };
  retryOnStatus: EventSourceOptions['retryOnStatus'];
}

const clamp = (ms: number) => Math.min(ms, MAX_DELAY);

/** The server sends `retry: ms` (the decoder passes any run of digits, so up to Infinity). */
class Hint implements fc.Command<Model, Real> {
  constructor(readonly ms: number) {}
  check = () => true;
  run(model: Model, real: Real) {
    real.hint(this.ms);
    const { initial, serverCap } = real.resolved;
    model.time = Math.min(Math.max(this.ms, Math.min(MIN_SERVER_RETRY, initial)), serverCap);
  }
  toString = () => `hint(${this.ms})`;
}

/** A connection delivered an event: the backoff starts again. */
class Healthy implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model) {
    model.failures = 0;
  }
  toString = () => 'healthy';
}

/** An attempt failed with `code` (and a response with `status` and `Retry-After` when given). */
class Failure implements fc.Command<Model, Real> {
  constructor(
    readonly code: 'NETWORK' | 'IDLE_TIMEOUT' | 'HTTP_STATUS' | 'CONTENT_TYPE' | 'INVALID_REQUEST',
    readonly status: number,
    readonly retryAfter: string | null,
  ) {}
  check = () => true;
  run(model: Model, real: Real) {
    const response =
      this.code === 'HTTP_STATUS' || this.code === 'CONTENT_TYPE'
        ? new Response(null, {
            status: this.status,
            headers: this.retryAfter === null ? {} : { 'retry-after': this.retryAfter },
          })
        : undefined;
    const error = new EventSourceError(this.code, 'fault', undefined, response);
    const delay = real.plan(model.failures + 1, error);
    const { retryOnStatus } = real;
    const retryable =
      this.code === 'NETWORK' ||
      this.code === 'IDLE_TIMEOUT' ||
      (this.code === 'HTTP_STATUS' &&
        (typeof retryOnStatus === 'function'
          ? retryOnStatus(this.status)
          : !!retryOnStatus && (this.status >= 500 || this.status === 429)));
    if (!retryable) {
      expect(delay).toBe(-1);
      return;
    }
    model.failures += 1;
    const { cap, serverCap } = real.resolved;
    const after = response ? Math.min(parseRetryAfter(this.retryAfter), serverCap) : 0;
    expect(Number.isInteger(delay)).toBe(true);
    expect(delay).toBeGreaterThanOrEqual(Math.max(model.time, after));
    expect(delay).toBeLessThanOrEqual(Math.max(model.time, cap, after));
    expect(delay).toBeLessThanOrEqual(MAX_DELAY);
  }
  toString = () => `fail(${this.code}, ${this.status}, ${JSON.stringify(this.retryAfter)})`;
}

const milliseconds = fc.oneof(
  fc.nat({ max: 100_000 }),
  fc.constantFrom(0, 1, 2 ** 31 - 1, 2 ** 31, 2 ** 53, Number.POSITIVE_INFINITY),
);
const retryAfter = fc.oneof(
  fc.constant(null),
  fc.string(),
  fc.nat().map(String),
  fc.constantFrom('-5', '0x10', '1e3', '9'.repeat(400), ' 7 ', 'Fri, 01 Jan 2100 00:00:00 GMT'),
  fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
);
const command = fc.oneof(
  milliseconds.map((ms) => new Hint(ms)),
  fc.constant(new Healthy()),
  fc
    .tuple(
      fc.constantFrom(
        'NETWORK',
        'IDLE_TIMEOUT',
        'HTTP_STATUS',
        'CONTENT_TYPE',
        'INVALID_REQUEST',
      ) as fc.Arbitrary<Failure['code']>,
      fc.constantFrom(200, 204, 301, 404, 429, 500, 503, 599),
      retryAfter,
    )
    .map(([code, status, header]) => new Failure(code, status, header)),
);

describe('governor (model-based)', () => {
  it('every delay is a finite integer within the documented bounds, whatever the server sends', () => {
    fc.assert(
      fc.property(
        fc.record(
          {
            retryDelay: milliseconds,
            maxRetryDelay: milliseconds,
            maxServerRetry: milliseconds,
            retryOnStatus: fc.oneof(
              fc.boolean(),
              fc.constant((status: number) => status === 404),
            ),
            // Faults in the jitter source too: its extremes.
            random: fc.constantFrom(
              () => 0,
              () => 0.5,
              () => 1 - Number.EPSILON,
            ),
          },
          { requiredKeys: [] },
        ),
        fc.commands([command], { maxCommands: 60 }),
        (options, commands) => {
          const [hint, plan] = createGovernor(options);
          const resolved = {
            initial: clamp(options.retryDelay ?? 3000),
            cap: clamp(options.maxRetryDelay ?? 30_000),
            serverCap: clamp(options.maxServerRetry ?? 60_000),
          };
          fc.modelRun(
            () => ({
              model: { time: resolved.initial, failures: 0 },
              real: { hint, plan, resolved, retryOnStatus: options.retryOnStatus },
            }),
            commands,
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects option values that would become NaN or negative delays', () => {
    for (const retryDelay of [-1, Number.NaN, Number.NEGATIVE_INFINITY]) {
      expect(() => createGovernor({ retryDelay })).toThrow(RangeError);
    }
    expect(() => createGovernor({ maxServerRetry: -5 })).toThrow(/maxServerRetry/);
  });
});

describe('backoffDelay and parseRetryAfter at the edges', () => {
  it('stays finite after thousands of failures, also from a reconnection time of 0', () => {
    expect(backoffDelay(5000, 0, 30_000, () => 0.5)).toBe(15_000);
    expect(backoffDelay(1025, 0, 30_000, () => 1 - Number.EPSILON)).toBe(30_000);
    expect(backoffDelay(1, 0, 30_000, () => 0)).toBe(0);
  });

  it('reads only delta-seconds digits, and any HTTP date', () => {
    expect(parseRetryAfter('0x10')).toBe(0);
    expect(parseRetryAfter('1e3')).toBe(0);
    expect(parseRetryAfter(' 7 ')).toBe(7000);
    expect(parseRetryAfter('9'.repeat(400))).toBe(Number.POSITIVE_INFINITY);
    const now = Date.parse('2026-12-06T00:00:00Z');
    expect(parseRetryAfter('Fri, 01 Jan 2100 00:00:00 GMT', now)).toBeGreaterThan(MAX_DELAY);
  });
});
