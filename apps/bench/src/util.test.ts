import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { median, positiveRatio, resolvedDifference } from './util';

const times = fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), {
  minLength: 1,
  maxLength: 9,
});

describe('resolvedDifference', () => {
  it('is null whenever the two sets of runs overlap, else the positive difference of medians', () => {
    fc.assert(
      fc.property(times, times, (a, base) => {
        const d = resolvedDifference(a, base);
        if (Math.min(...a) <= Math.max(...base)) expect(d).toBeNull();
        else {
          expect(d).toBe(median(a) - median(base));
          expect(d).toBeGreaterThan(0);
        }
      }),
    );
  });

  it('is null for the swings seen in quick mode: runs that straddle the baseline', () => {
    // A stream row whose runs spread below and above the baseline's: the old ratio
    // printed -0.98x or 16x from such runs.
    expect(resolvedDifference([10, 30, 12], [11, 11.5, 11.2])).toBeNull();
    expect(resolvedDifference([], [1])).toBeNull();
    expect(resolvedDifference([1], [])).toBeNull();
  });
});

describe('positiveRatio', () => {
  it('never returns a negative or infinite ratio', () => {
    const side = fc.option(fc.double({ noNaN: true }), { nil: null });
    fc.assert(
      fc.property(side, side, (a, b) => {
        const r = positiveRatio(a, b);
        if (r !== null) {
          expect(r).toBeGreaterThan(0);
          expect(Number.isFinite(r)).toBe(true);
          expect(a! > 0 && b! > 0).toBe(true);
        } else if (a !== null && b !== null && a > 0 && b > 0) {
          // Both positive, yet null: only when the double ratio over- or underflows.
          expect(Number.isFinite(a / b) && a / b > 0).toBe(false);
        }
      }),
    );
  });
});
