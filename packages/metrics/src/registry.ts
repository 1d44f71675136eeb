import type { Family } from './family';
import { type HubEntry, type HubSource, hubFamilies } from './hub-source';
import { type FactorySource, type ServerEntry, serverFamilies, statsOf } from './server-source';

/** Longest label value accepted for an adapter or hub name. */
const MAX_LABEL = 64;

function labelValue(kind: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_LABEL) {
    throw new TypeError(
      `@sse/metrics: the ${kind} label must be a non-empty string of at most ${MAX_LABEL} characters, got ${String(value)}. It is one label value per handler or hub, never per client or topic.`,
    );
  }
  return value;
}

/**
 * The parts of an application the metrics read, registered once at startup. Nothing is
 * recorded on the hot path: each collection (a Prometheus scrape, an OpenTelemetry
 * export) reads the counters the factories and hubs already keep.
 */
export interface MetricsRegistry {
  /**
   * Adds a session factory, or a handler carrying one (`createNodeSSE()`,
   * `createWebSSE()`, Hono's `sseHandler()`), under an `adapter` label (default
   * `'default'`; handlers with the same label are summed).
   */
  server(source: FactorySource, options?: { adapter?: string }): MetricsRegistry;
  /** Adds a hub (`createHub()`), under a `hub` label (default `'default'`). */
  hub(source: HubSource, options?: { name?: string }): MetricsRegistry;
  /** Reads every registered part now: the families both exports render. */
  collect(): Family[];
}

/** Creates an empty registry; register handlers and hubs on it, then export it. */
export function createMetrics(): MetricsRegistry {
  const servers: ServerEntry[] = [];
  const hubs: HubEntry[] = [];
  const registry: MetricsRegistry = {
    server(source, options) {
      servers.push({
        stats: statsOf(source),
        adapter: labelValue('adapter', options?.adapter ?? 'default'),
      });
      return registry;
    },
    hub(source, options) {
      if (typeof source?.stats !== 'function') {
        throw new TypeError('@sse/metrics: hub(source) takes a hub from createHub().');
      }
      hubs.push({ source, hub: labelValue('hub', options?.name ?? 'default') });
      return registry;
    },
    collect() {
      const families: Family[] = [];
      if (servers.length > 0) families.push(...serverFamilies(servers));
      if (hubs.length > 0) families.push(...hubFamilies(hubs));
      return families;
    },
  };
  return registry;
}
