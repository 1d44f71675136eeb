/**
 * Live counts of what sessions hold, so tests (and operators) can prove that every
 * connection released its session, its heartbeat registration and its timers.
 */
export interface ServerCounters {
  /** Sessions that are open right now, across every factory. */
  sessions: number;
  /** Sessions registered with a shared heartbeat clock. */
  heartbeatRegistrations: number;
  /** Shared heartbeat intervals running (one per distinct heartbeat period in use). */
  heartbeatTimers: number;
  /** Per-session maximum-age timers pending (only sessions with `maxAge` have one). */
  ageTimers: number;
}

/** @internal Mutable counters, updated by the session and the clock. */
export const counters: ServerCounters = {
  sessions: 0,
  heartbeatRegistrations: 0,
  heartbeatTimers: 0,
  ageTimers: 0,
};

/** A snapshot of the live counters: all zero once every session has ended. */
export function serverCounters(): ServerCounters {
  return { ...counters };
}
