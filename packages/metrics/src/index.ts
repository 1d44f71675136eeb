export type { Family, HistogramSample, Labels, Sample, ScalarFamily } from './family';
export type { HubSource } from './hub-source';
export { observeWithMeter } from './opentelemetry';
export {
  type MetricsHandler,
  metrics,
  PROMETHEUS_CONTENT_TYPE,
  prometheusText,
} from './prometheus';
export { createMetrics, type MetricsRegistry } from './registry';
export type { FactorySource } from './server-source';
