import { execSync } from 'node:child_process';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hardFileLimit, workersFor } from './scale';

describe('workersFor (the scale run sizes its cluster from the open-file limit)', () => {
  it('gives the fewest workers whose descriptors, less their reserve, hold the target', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 1_001, max: 1_048_576 }),
        (target, limit) => {
          const n = workersFor(target, limit);
          const each = limit - 1_000;
          expect(n * each).toBeGreaterThanOrEqual(target);
          if (n > 1) expect((n - 1) * each).toBeLessThan(target);
        },
      ),
    );
  });

  it('matches the sizes of the published runs: 3 workers for 50,000 and 6 for 100,000 at 20,000 files', () => {
    expect(workersFor(50_000, 20_000)).toBe(3);
    expect(workersFor(100_000, 20_000)).toBe(6);
  });

  it('falls back to one worker when the limit is unknown or too small to keep a reserve', () => {
    expect(workersFor(50_000, null)).toBe(1);
    expect(workersFor(50_000, 1_000)).toBe(1);
  });

  it('reads the hard limit a child shell would raise its own to (ulimit -Hn)', () => {
    const shell = execSync('ulimit -Hn', { shell: '/bin/sh', encoding: 'utf8' }).trim();
    expect(hardFileLimit()).toBe(shell === 'unlimited' ? Number.POSITIVE_INFINITY : Number(shell));
  });
});
