import { metrics as otel } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMetrics, observeWithMeter } from '../src/index';
import { type Scenario, startScenario } from './scenario';

/** Every data point of the last export, by instrument name, with its attributes. */
type Points = Map<string, { attributes: Record<string, unknown>; value: number }[]>;

describe('observeWithMeter with the OpenTelemetry SDK', () => {
  let scenario: Scenario;
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  // The interval is long on purpose: the test collects by forceFlush, when it chooses.
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 });
  const provider = new MeterProvider({ readers: [reader] });

  beforeAll(async () => {
    scenario = await startScenario();
  });

  afterAll(async () => {
    await provider.shutdown();
    await scenario?.close();
  });

  async function collect(): Promise<Points> {
    exporter.reset();
    await reader.forceFlush();
    const points: Points = new Map();
    for (const resource of exporter.getMetrics()) {
      for (const scope of resource.scopeMetrics) {
        for (const metric of scope.metrics) {
          points.set(
            metric.descriptor.name,
            metric.dataPoints.map((p) => ({
              attributes: p.attributes as Record<string, unknown>,
              value: p.value as number,
            })),
          );
        }
      }
    }
    return points;
  }

  it('reports the same numbers as the scenario, read at collection time', async () => {
    let reads = 0;
    const registry = {
      ...scenario.registry,
      collect: () => {
        reads++;
        return scenario.registry.collect();
      },
    };
    const stop = observeWithMeter(registry, provider.getMeter('sse-test'));
    const expected = await scenario.run();
    const points = await collect();
    const sum = (name: string, match: Record<string, string> = {}) =>
      (points.get(name) ?? [])
        .filter((p) => Object.entries(match).every(([k, v]) => p.attributes[k] === v))
        .reduce((total, p) => total + p.value, 0);
    expect(sum('sse.sessions.open')).toBe(expected.open);
    expect(sum('sse.sessions.opened', { adapter: 'node' })).toBe(expected.opened);
    expect(sum('sse.sessions.ended', { reason: 'slow' })).toBe(expected.endedSlow);
    expect(sum('sse.sessions.ended', { reason: 'peer' })).toBe(expected.endedPeer);
    expect(sum('sse.events.sent', { adapter: 'node' })).toBe(expected.eventsSent);
    expect(sum('sse.hub.published', { hub: 'default' })).toBe(expected.published);
    // Units follow UCUM.
    const bytes = exporter
      .getMetrics()
      .flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics))
      .find((m) => m.descriptor.name === 'sse.bytes.written');
    expect(bytes?.descriptor.unit).toBe('By');
    // One read per collection, none after stop.
    const before = reads;
    await collect();
    expect(reads).toBe(before + 1);
    stop();
    await collect();
    expect(reads).toBe(before + 1);
  }, 120_000);

  it('is a no-op through the API without an SDK', () => {
    const stop = observeWithMeter(createMetrics(), otel.getMeter('none'));
    stop();
  });
});
