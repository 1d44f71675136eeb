import type { ContentEncoding } from './options';
import type { EndReason } from './session';

/**
 * Upper bounds (bytes) of the write-queue histogram buckets: from one small event to
 * past the default `maxQueueBytes` (1 MiB) and the `wait` policy's default cap (2 MiB).
 */
export const QUEUE_BUCKETS: readonly number[] = [
  1024, 4096, 16_384, 65_536, 262_144, 1_048_576, 2_097_152, 4_194_304,
];

/**
 * Counters one factory keeps about its sessions, as plain numbers updated in place:
 * an exporter (such as `@sse/metrics`) reads them when it is scraped, so counting costs
 * an integer increment whether anybody listens or not. All counters only grow, except
 * the live gauges (`open`, `openByEncoding`).
 */
export interface FactoryStats {
  /** Sessions open now. */
  open: number;
  /** Sessions open now per negotiated content coding (`identity` when none). */
  openByEncoding: Record<ContentEncoding | 'identity', number>;
  /** Sessions opened since the factory was created. */
  opened: number;
  /** Sessions ended, by the reason they ended for. */
  ended: Record<EndReason, number>;
  /** Events (`send`, `sendEncoded`) handed to an open session within `maxEventBytes`. */
  events: number;
  /** Bytes handed to transports (before compression, which the adapter applies). */
  bytes: number;
  /** Frames discarded by the `drop-oldest` policy (queued ones and refused new ones). */
  dropped: number;
  /** Heartbeat comments queued by the heartbeat clock. */
  heartbeats: number;
  /** Requests answered 503 because `maxSessions` sessions were open. */
  busy: number;
  /**
   * Bytes left waiting in a session's queue each time its transport pushed back, as
   * counts per `QUEUE_BUCKETS` slot (not cumulative; last slot: `+Inf`), with sum and count:
   * how close slow readers come to `maxQueueBytes`.
   */
  queue: { buckets: number[]; sum: number; count: number };
}

/** Fresh zeroed stats for a new factory. */
export function newFactoryStats(): FactoryStats {
  return {
    open: 0,
    openByEncoding: { identity: 0, gzip: 0, br: 0, deflate: 0 },
    opened: 0,
    ended: { closed: 0, peer: 0, error: 0, slow: 0, 'max-age': 0 },
    events: 0,
    bytes: 0,
    dropped: 0,
    heartbeats: 0,
    busy: 0,
    queue: { buckets: new Array<number>(QUEUE_BUCKETS.length + 1).fill(0), sum: 0, count: 0 },
  };
}

/** Records one observation of queued bytes at a moment of backpressure. */
export function observeQueue(stats: FactoryStats, bytes: number): void {
  const { queue } = stats;
  let i = 0;
  while (i < QUEUE_BUCKETS.length && bytes > QUEUE_BUCKETS[i]!) i++;
  queue.buckets[i]!++;
  queue.sum += bytes;
  queue.count++;
}
