import fc from 'fast-check';
import { afterEach, describe, it, vi } from 'vitest';
import { createMemoryStore } from '../src/index';
import { checkWatchers, type Model, type Real, storeCommands } from './store-model';

describe('memory store against the reference model', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('create/append/finish/stop/renew/read with expiry at any point: the store answers as the model', async () => {
    const TTL = 1_000;
    await fc.assert(
      fc.asyncProperty(
        storeCommands({
          // The fault: every finished stream's TTL timer fires.
          expireFinished: async () => {
            vi.advanceTimersByTime(TTL + 1);
          },
        }),
        async (commands) => {
          vi.useFakeTimers();
          const store = createMemoryStore({ ttlMs: TTL });
          const model: Model = { streams: new Map() };
          const real: Real = { store, seen: new Map(), unwatch: [] };
          try {
            await fc.asyncModelRun(() => ({ model, real }), commands);
            // In one process nothing is missed: each watcher saw exactly the model's entries.
            checkWatchers(model, real, true);
          } finally {
            for (const stop of real.unwatch) stop();
            await store.close();
            vi.useRealTimers();
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
