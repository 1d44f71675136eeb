import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PrometheusServer, SKIP_REASON } from './prometheus-server';
import { type Scenario, startScenario } from './scenario';

describe.skipIf(SKIP_REASON !== '')(
  `a real Prometheus scraping metrics()${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    let scenario: Scenario;
    let prometheus: PrometheusServer;

    beforeAll(async () => {
      scenario = await startScenario();
      prometheus = await PrometheusServer.start(scenario.port);
    }, 90_000);

    afterAll(async () => {
      await prometheus?.stop();
      await scenario?.close();
    }, 30_000);

    it('stores the series and values of clients that read, stop reading and leave', async () => {
      // The target is up and its exposition parsed (a malformed one marks it down).
      await prometheus.queryUntil('up{job="sse"}', (r) => r.length === 1 && r[0]!.value === 1);
      const expected = await scenario.run();
      const one = (v: number) => (r: { value: number }[]) => r.length === 1 && r[0]!.value === v;
      await prometheus.queryUntil('sum(sse_sessions_open)', one(expected.open));
      await prometheus.queryUntil(
        'sse_sessions_open{adapter="node",encoding="identity"}',
        one(expected.open),
      );
      await prometheus.queryUntil(
        'sse_sessions_opened_total{adapter="node"}',
        one(expected.opened),
      );
      await prometheus.queryUntil(
        'sse_sessions_ended_total{reason="slow"}',
        one(expected.endedSlow),
      );
      await prometheus.queryUntil(
        'sse_sessions_ended_total{reason="peer"}',
        one(expected.endedPeer),
      );
      await prometheus.queryUntil(
        'sse_events_sent_total{adapter="node"}',
        one(expected.eventsSent),
      );
      await prometheus.queryUntil(
        'sse_hub_published_total{hub="default"}',
        one(expected.published),
      );
      // The stuck client's queue was observed when its socket pushed back.
      const count = await prometheus.queryUntil(
        'sse_write_queue_bytes_count',
        (r) => r.length === 1,
      );
      expect(count[0]!.value).toBeGreaterThan(0);
      await prometheus.queryUntil('sse_write_queue_bytes_bucket{le="+Inf"}', one(count[0]!.value));
      // Conventional units and types as Prometheus stored them.
      const meta = (await (
        await fetch(`${prometheus.url}/api/v1/metadata?metric=sse_bytes_written_total`)
      ).json()) as { data: Record<string, { type: string }[]> };
      expect(meta.data.sse_bytes_written_total?.[0]?.type).toBe('counter');
      // Every series of the alerts in docs/OPERATIONS.md evaluates.
      await prometheus.queryUntil(
        'sum(rate(sse_sessions_ended_total{reason="slow"}[1m])) / clamp_min(sum(rate(sse_sessions_ended_total[1m])), 1e-9)',
        (r) => r.length === 1 && r[0]!.value > 0,
      );
    }, 180_000);
  },
);
