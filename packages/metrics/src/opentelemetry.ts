import type { BatchObservableResult, Meter, Observable } from '@opentelemetry/api';
import type { MetricsRegistry } from './registry';

/**
 * Reports a registry's counters and gauges through an OpenTelemetry `Meter` (from
 * `@opentelemetry/api`; a no-op meter when the application has no SDK) as observable
 * instruments: they are read once per export, in one batch callback, never on the hot
 * path. Register the handlers and hubs first: instruments are made for the families
 * the registry has now. Histograms (`sse_write_queue_bytes`) are Prometheus-only.
 * Returns a function that stops the reporting.
 */
export function observeWithMeter(registry: MetricsRegistry, meter: Meter): () => void {
  const instruments = new Map<string, Observable>();
  for (const family of registry.collect()) {
    if (family.type === 'histogram') continue;
    const options = { description: family.help, unit: family.unit };
    instruments.set(
      family.name,
      family.type === 'counter'
        ? meter.createObservableCounter(family.otelName, options)
        : meter.createObservableGauge(family.otelName, options),
    );
  }
  const callback = (result: BatchObservableResult): void => {
    for (const family of registry.collect()) {
      const instrument = instruments.get(family.name);
      if (instrument === undefined || family.type === 'histogram') continue;
      for (const sample of family.samples) result.observe(instrument, sample.value, sample.labels);
    }
  };
  const list = [...instruments.values()];
  meter.addBatchObservableCallback(callback, list);
  return () => meter.removeBatchObservableCallback(callback, list);
}
