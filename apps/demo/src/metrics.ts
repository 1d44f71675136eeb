import type { Hub } from '@sse/hub';
import type { ConnectionCounts, Connections } from './connections';

/** The topic the dashboard subscribes to. */
export const METRICS_TOPIC = 'metrics';

/** One sample of the server's own state, sent as the data (JSON) of a `metrics` event. */
export interface MetricsSample {
  connections: ConnectionCounts;
  /** Hub subscriptions (one per connection that got past its subscribe). */
  subscriptions: number;
  /** Events the hub handed to sessions in the last interval (delivered + replayed + resets), per second. */
  eventsPerSecond: number;
  /** Events published to the hub in the last interval, per second. */
  publishedPerSecond: number;
  /** Frames the sessions refused (closed, or dropped by their slow-client policy), in total. */
  dropped: number;
  rssBytes: number;
  heapUsedBytes: number;
  uptimeSeconds: number;
}

/** A running sampler: `first` settles once the first sample is published (or failed). */
export interface Metrics {
  first: Promise<void>;
  /** Clears the timer. */
  stop(): void;
}

/**
 * Samples the process at once and then every `intervalMs`, and publishes each sample
 * to the `metrics` topic, so the dashboard is itself a hub subscriber like any other.
 * The first sample is published before the demo listens: a page's stream then always
 * has a cursor to start from (see `runStream`).
 */
export function startMetrics(hub: Hub, connections: Connections, intervalMs = 1000): Metrics {
  const outOf = (s: ReturnType<Hub['stats']>) => s.delivered + s.replayed + s.resets;
  let last = hub.stats();
  let lastAt = performance.now();
  const publish = () => {
    const stats = hub.stats();
    const now = performance.now();
    const seconds = Math.max(0.001, (now - lastAt) / 1000);
    const memory = process.memoryUsage();
    const sample: MetricsSample = {
      connections: connections.counts(),
      subscriptions: stats.subscriptions,
      eventsPerSecond: (outOf(stats) - outOf(last)) / seconds,
      publishedPerSecond: (stats.published - last.published) / seconds,
      dropped: stats.dropped,
      rssBytes: memory.rss,
      heapUsedBytes: memory.heapUsed,
      uptimeSeconds: process.uptime(),
    };
    last = stats;
    lastAt = now;
    return hub.publish(METRICS_TOPIC, { event: 'metrics', data: JSON.stringify(sample) }).then(
      () => {},
      (error: unknown) => console.error('metrics: publish failed:', error),
    );
  };
  const first = publish();
  const timer = setInterval(publish, intervalMs);
  return { first, stop: () => clearInterval(timer) };
}
