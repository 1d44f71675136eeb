import { addSample, type ScalarFamily } from './family';

/**
 * What the metrics read from a hub: `Hub.stats()` of `@sse/hub` (typed by shape, so
 * this package does not depend on the hub). Per-topic counts in `stats().topics` are
 * never exported as labels: topics are unbounded.
 */
export interface HubSource {
  stats(): {
    subscriptions: number;
    published: number;
    delivered: number;
    dropped: number;
    replayed: number;
    resets: number;
  };
}

/** One registered hub with the label the application gave it. */
export interface HubEntry {
  source: HubSource;
  hub: string;
}

/** The hub families, summed over hubs that share a label; one `stats()` call per hub. */
export function hubFamilies(entries: readonly HubEntry[]): ScalarFamily[] {
  const family = (
    name: string,
    otelName: string,
    help: string,
    type: 'counter' | 'gauge' = 'counter',
  ): ScalarFamily => ({ name, otelName, help, unit: '1', type, samples: [] });
  const subscriptions = family(
    'sse_hub_subscriptions',
    'sse.hub.subscriptions',
    'Live hub subscriptions.',
    'gauge',
  );
  const published = family(
    'sse_hub_published_total',
    'sse.hub.published',
    'Successful publish calls.',
  );
  const delivered = family(
    'sse_hub_delivered_total',
    'sse.hub.delivered',
    'Live frames accepted by subscribed sessions (written or queued).',
  );
  const dropped = family(
    'sse_hub_dropped_total',
    'sse.hub.dropped',
    'Frames refused by subscribed sessions (closed, or discarded by their slow-client policy).',
  );
  const replayed = family(
    'sse_hub_replayed_total',
    'sse.hub.replayed',
    'Frames replayed from history to resuming subscribers.',
  );
  const resets = family(
    'sse_hub_resets_total',
    'sse.hub.resets',
    'Reset events sent because a cursor was not covered by history.',
  );
  for (const { source, hub } of entries) {
    const stats = source.stats();
    const labels = { hub };
    addSample(subscriptions.samples, labels, stats.subscriptions);
    addSample(published.samples, labels, stats.published);
    addSample(delivered.samples, labels, stats.delivered);
    addSample(dropped.samples, labels, stats.dropped);
    addSample(replayed.samples, labels, stats.replayed);
    addSample(resets.samples, labels, stats.resets);
  }
  return [subscriptions, published, delivered, dropped, replayed, resets];
}
