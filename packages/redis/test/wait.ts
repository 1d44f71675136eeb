import type { HubEvent } from '@sse/hub';
import type { RedisBackend } from '../src/index';

/** Resolves when `check` holds, yielding to I/O between checks (a condition, never a fixed sleep). */
export async function until(check: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await check())) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Records what `backend` fans out; `until(n)` resolves once `n` events arrived, checking on every arrival. */
export function collect(backend: RedisBackend) {
  const events: HubEvent[] = [];
  const waiters: (() => void)[] = [];
  backend.listen((event) => {
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  const until = async (n: number) => {
    while (events.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
  };
  return { events, until };
}
