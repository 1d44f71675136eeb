import { type FactoryStats, QUEUE_BUCKETS } from '@sse/server';
import {
  addSample,
  type Family,
  type HistogramSample,
  labelKey,
  type ScalarFamily,
} from './family';

/** A factory, or a handler that carries one (`createNodeSSE()`, `createWebSSE()`, `sseHandler()`). */
export type FactorySource =
  | { readonly stats: FactoryStats }
  | { readonly factory: { readonly stats: FactoryStats } }
  | { readonly sse: { readonly factory: { readonly stats: FactoryStats } } };

/** The factory stats behind any accepted source. */
export function statsOf(source: FactorySource): FactoryStats {
  if ('stats' in source) return source.stats;
  if ('factory' in source) return source.factory.stats;
  if ('sse' in source) return source.sse.factory.stats;
  throw new TypeError(
    '@sse/metrics: server(source) takes a SessionFactory or a handler with `factory` (createNodeSSE, createWebSSE) or `sse` (sseHandler).',
  );
}

/** One registered factory with the adapter label the application gave it. */
export interface ServerEntry {
  stats: FactoryStats;
  adapter: string;
}

const ENCODINGS = ['identity', 'gzip', 'br', 'deflate'] as const;
const REASONS = ['closed', 'peer', 'error', 'slow', 'max-age'] as const;

/**
 * The server families, summed over factories that share an adapter label. Every label
 * value comes from a fixed set (adapter names are the application's, one per handler),
 * so the series count does not grow with clients, topics or events.
 */
export function serverFamilies(entries: readonly ServerEntry[]): Family[] {
  const counter = (name: string, otelName: string, help: string, unit = '1'): ScalarFamily => ({
    name,
    otelName,
    help,
    unit,
    type: 'counter',
    samples: [],
  });
  const open: ScalarFamily = {
    name: 'sse_sessions_open',
    otelName: 'sse.sessions.open',
    help: 'SSE sessions open now, by adapter and negotiated content coding.',
    unit: '1',
    type: 'gauge',
    samples: [],
  };
  const opened: ScalarFamily = counter(
    'sse_sessions_opened_total',
    'sse.sessions.opened',
    'SSE sessions opened.',
  );
  const ended: ScalarFamily = counter(
    'sse_sessions_ended_total',
    'sse.sessions.ended',
    'SSE sessions ended, by reason: closed (by the server), peer (client went away), slow (write queue overflowed), max-age, error.',
  );
  const events: ScalarFamily = counter(
    'sse_events_sent_total',
    'sse.events.sent',
    'Events handed to open sessions (queued or written; minus drops, what transports got).',
  );
  const bytes: ScalarFamily = counter(
    'sse_bytes_written_total',
    'sse.bytes.written',
    'Bytes handed to transports, before compression.',
    'By',
  );
  const dropped: ScalarFamily = counter(
    'sse_events_dropped_total',
    'sse.events.dropped',
    'Frames discarded by the drop-oldest slow-client policy.',
  );
  const heartbeats: ScalarFamily = counter(
    'sse_heartbeats_total',
    'sse.heartbeats',
    'Heartbeat comments queued.',
  );
  const rejected: ScalarFamily = counter(
    'sse_sessions_rejected_total',
    'sse.sessions.rejected',
    'Requests answered 503 because maxSessions sessions were open.',
  );
  const queue: HistogramSample[] = [];
  for (const { stats, adapter } of entries) {
    const labels = { adapter };
    for (const encoding of ENCODINGS) {
      addSample(open.samples, { adapter, encoding }, stats.openByEncoding[encoding]);
    }
    addSample(opened.samples, labels, stats.opened);
    for (const reason of REASONS)
      addSample(ended.samples, { adapter, reason }, stats.ended[reason]);
    addSample(events.samples, labels, stats.events);
    addSample(bytes.samples, labels, stats.bytes);
    addSample(dropped.samples, labels, stats.dropped);
    addSample(heartbeats.samples, labels, stats.heartbeats);
    addSample(rejected.samples, labels, stats.busy);
    const key = labelKey(labels);
    const same = queue.find((h) => labelKey(h.labels) === key);
    if (same) {
      same.sum += stats.queue.sum;
      same.count += stats.queue.count;
      same.counts = same.counts.map((c, i) => c + stats.queue.buckets[i]!);
    } else {
      queue.push({
        labels,
        bounds: QUEUE_BUCKETS,
        counts: [...stats.queue.buckets],
        sum: stats.queue.sum,
        count: stats.queue.count,
      });
    }
  }
  return [
    open,
    opened,
    ended,
    events,
    bytes,
    dropped,
    heartbeats,
    rejected,
    {
      name: 'sse_write_queue_bytes',
      otelName: 'sse.write_queue.size',
      help: 'Bytes waiting in a session write queue each time its transport pushed back.',
      unit: 'By',
      type: 'histogram',
      samples: queue,
    },
  ];
}
