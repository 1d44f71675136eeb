import type { HubEvent } from './types';

/** Bounds for the in-memory history; the oldest events go first when any is exceeded. */
export interface HistoryLimits {
  /** Most events kept. Default 1,000. */
  maxEvents?: number;
  /** Oldest event kept, in milliseconds. Default `Infinity` (no age limit). */
  maxAgeMs?: number;
  /** Most bytes kept, counted as the UTF-8 length of topic, event, data and comment. Default 4 MiB. */
  maxBytes?: number;
}

/** The defaults of {@link HistoryLimits}, exported so documentation and tests agree. */
export const DEFAULT_HISTORY = {
  maxEvents: 1_000,
  maxAgeMs: Number.POSITIVE_INFINITY,
  maxBytes: 4 * 1024 * 1024,
} as const;

interface Entry {
  readonly event: HubEvent;
  readonly bytes: number;
  readonly at: number;
}

/**
 * A bounded, append-only run of events with consecutive sequence numbers. Because
 * sequences are consecutive, the resume point of a cursor is found by subtraction
 * (O(1)), not by a scan.
 */
export class History {
  private entries: Entry[] = [];
  /** Index in `entries` of the oldest retained entry (the array is compacted lazily). */
  private start = 0;
  private bytes = 0;
  /** Sequence number of `entries[start]`, or of the next event when empty. */
  private first = 1;
  private readonly limits: Required<HistoryLimits>;

  constructor(limits: HistoryLimits = {}) {
    this.limits = { ...DEFAULT_HISTORY, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!(value >= 0))
        throw new RangeError(`history.${name} must be a number >= 0, got ${value}`);
    }
  }

  /** Sequence number of the oldest retained event; `last + 1` when the history is empty. */
  get firstSeq(): number {
    return this.first;
  }

  /** Sequence number of the newest event ever appended (0 before the first). */
  get lastSeq(): number {
    return this.first + this.entries.length - this.start - 1;
  }

  /** Number of retained events. */
  get size(): number {
    return this.entries.length - this.start;
  }

  /** Appends the event with the next sequence number (`lastSeq + 1`), then trims. */
  push(event: HubEvent, bytes: number, now: number): void {
    this.entries.push({ event, bytes, at: now });
    this.bytes += bytes;
    this.trim(now);
  }

  /** Drops the oldest events until every limit holds. */
  trim(now: number): void {
    const { maxEvents, maxAgeMs, maxBytes } = this.limits;
    const oldest = now - maxAgeMs;
    while (this.size > 0) {
      const head = this.entries[this.start] as Entry;
      if (this.size <= maxEvents && this.bytes <= maxBytes && head.at >= oldest) break;
      this.bytes -= head.bytes;
      this.start++;
      this.first++;
    }
    // Compact once half the array is dead, so memory stays proportional to the history.
    if (this.start > 1024 && this.start * 2 > this.entries.length) {
      this.entries = this.entries.slice(this.start);
      this.start = 0;
    }
  }

  /**
   * The retained events with a sequence number greater than `seq`, oldest first; with
   * `keep`, only those it accepts (filtered while copying, so one array is built).
   */
  after(seq: number, keep?: (event: HubEvent) => boolean): HubEvent[] {
    const from = this.start + Math.max(0, seq + 1 - this.first);
    const out: HubEvent[] = [];
    for (let i = from; i < this.entries.length; i++) {
      const event = (this.entries[i] as Entry).event;
      if (keep === undefined || keep(event)) out.push(event);
    }
    return out;
  }
}
