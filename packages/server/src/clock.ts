import { counters } from './debug';

/** What the clock needs from a session: when it last wrote, and a way to ping it. */
export interface ClockMember {
  /** The clock tick at which the session last handed bytes to its transport. */
  lastWriteTick: number;
  /** Sends one heartbeat comment. */
  heartbeat(): void;
}

/** Ticks per heartbeat interval: a heartbeat goes out 3/4 to 4/4 of the interval after the last write. */
const TICKS_PER_INTERVAL = 4;

/**
 * One shared interval for every session with the same heartbeat period, instead of
 * one timer per session: a tick walks the members and pings only those that wrote
 * nothing for a whole interval. The interval is unref'd so it never keeps a process alive.
 */
export class HeartbeatClock {
  /** Increments on every tick; sessions record it when they write. */
  ticks = 0;
  readonly members = new Set<ClockMember>();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(readonly intervalMs: number) {}

  add(member: ClockMember): void {
    member.lastWriteTick = this.ticks;
    this.members.add(member);
    counters.heartbeatRegistrations++;
    if (this.timer === undefined) {
      const period = Math.max(1, Math.floor(this.intervalMs / TICKS_PER_INTERVAL));
      this.timer = setInterval(tick, period, this);
      unrefTimer(this.timer);
      counters.heartbeatTimers++;
    }
  }

  delete(member: ClockMember): void {
    if (!this.members.delete(member)) return;
    counters.heartbeatRegistrations--;
    if (this.members.size === 0 && this.timer !== undefined) {
      clearInterval(this.timer);
      this.timer = undefined;
      counters.heartbeatTimers--;
      if (clocks.get(this.intervalMs) === this) clocks.delete(this.intervalMs);
    }
  }
}

/** Module-level so setInterval gets no per-clock closure. */
function tick(clock: HeartbeatClock): void {
  const now = ++clock.ticks;
  for (const member of clock.members) {
    if (now - member.lastWriteTick >= TICKS_PER_INTERVAL) member.heartbeat();
  }
}

const clocks = new Map<number, HeartbeatClock>();

/** The shared clock for one heartbeat period, created on first use. */
export function clockFor(intervalMs: number): HeartbeatClock {
  let clock = clocks.get(intervalMs);
  if (clock === undefined) {
    clock = new HeartbeatClock(intervalMs);
    clocks.set(intervalMs, clock);
  }
  return clock;
}

/**
 * Lets a timer not keep the process alive. Node and Bun return an object with
 * `unref()`; Deno and browsers return a number, which needs nothing.
 */
export function unrefTimer(timer: unknown): void {
  const handle = timer as { unref?: () => void };
  if (typeof handle.unref === 'function') handle.unref();
}
