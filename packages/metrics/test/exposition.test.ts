import { createServer } from 'node:http';
import { createHub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';
import { createSessionFactory } from '@sse/server';
import { createWebSSE } from '@sse/web';
import { Hono } from 'hono';
import { describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { until } from '../../server/test/support';
import { createMetrics, metrics, PROMETHEUS_CONTENT_TYPE, prometheusText } from '../src/index';

const noop = { write: () => true, end() {}, abort() {} };

/** The sample lines of an exposition (not comments), as name+labels -> value. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('label cardinality', () => {
  it('keeps the series count constant from 1 to 10,000 topics and 1 to 200 sessions', async () => {
    const hub = createHub();
    const factory = createSessionFactory({ heartbeat: false });
    const registry = createMetrics().server(factory, { adapter: 'node' }).hub(hub);
    const first = factory.open(noop, { lastEventId: '' });
    await hub.subscribe(first, 'topic-0');
    await hub.publish('topic-0', { data: 'x' });
    const before = samples(prometheusText(registry.collect()));
    for (let i = 1; i < 200; i++) {
      await hub.subscribe(factory.open(noop, { lastEventId: '' }), [`topic-${i}`, `user-${i}`]);
    }
    for (let i = 0; i < 10_000; i++) await hub.publish(`topic-${i}`, { data: String(i) });
    const after = samples(prometheusText(registry.collect()));
    expect(Object.keys(hub.stats().topics).length).toBeGreaterThan(200);
    expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
    expect(after.get('sse_hub_published_total{hub="default"}')).toBe(10_001);
    expect(after.get('sse_sessions_open{adapter="node",encoding="identity"}')).toBe(200);
    factory.closeAll();
    await hub.close();
  });

  it('refuses label values that are not short strings instead of exporting them', () => {
    const factory = createSessionFactory();
    expect(() => createMetrics().server(factory, { adapter: 'x'.repeat(65) })).toThrow(TypeError);
    expect(() => createMetrics().server(factory, { adapter: '' })).toThrow(TypeError);
    expect(() => createMetrics().hub({} as never)).toThrow(TypeError);
    expect(() => createMetrics().server({} as never)).toThrow(TypeError);
  });
});

describe('the series the alerts in docs/OPERATIONS.md use', () => {
  it('counts hub resets for stale cursors and 503s past maxSessions', async () => {
    const hub = createHub();
    const factory = createSessionFactory({ heartbeat: false, maxSessions: 1 });
    const registry = createMetrics().server(factory, { adapter: 'node' }).hub(hub);
    const request = { method: 'GET', url: '/e', httpVersionMajor: 1 };
    expect(factory.negotiate(request).kind).toBe('open');
    // A cursor from another process's epoch is not covered by this history: a reset.
    const session = factory.open(noop, { lastEventId: 'deadbeef-42' });
    await hub.subscribe(session, 'feed');
    expect(factory.negotiate(request).kind).toBe('busy');
    expect(factory.negotiate(request).kind).toBe('busy');
    const text = samples(prometheusText(registry.collect()));
    expect(text.get('sse_hub_resets_total{hub="default"}')).toBe(hub.stats().resets);
    expect(text.get('sse_hub_resets_total{hub="default"}')).toBe(1);
    expect(text.get('sse_sessions_rejected_total{adapter="node"}')).toBe(2);
    factory.closeAll();
    await hub.close();
  });
});

describe('prometheusText', () => {
  it('escapes label values and writes cumulative histogram buckets ending at +Inf = count', () => {
    const factory = createSessionFactory({ heartbeat: false, maxQueueBytes: 1 << 20 });
    const registry = createMetrics().server(factory, { adapter: 'a"b\\c\nd' });
    // A transport that pushes back on every write, so each flush observes the queue.
    let writes = 0;
    const sink = {
      write: () => {
        writes++;
        return false;
      },
      end() {},
      abort() {},
    };
    for (const size of [10, 5000, 100_000, 3_000_000]) {
      const session = factory.open(sink, { lastEventId: '' });
      session.flush();
      session.sendEncoded(new Uint8Array(size));
      session.sendEncoded(new Uint8Array(size));
      session.drain();
      session.close();
    }
    expect(writes).toBeGreaterThan(0);
    const text = prometheusText(registry.collect());
    expect(text).toContain('adapter="a\\"b\\\\c\\nd"');
    expect(text.split('\n').filter((l) => l.startsWith('# TYPE sse_write_queue_bytes '))).toEqual([
      '# TYPE sse_write_queue_bytes histogram',
    ]);
    const buckets = text
      .split('\n')
      .filter((l) => l.startsWith('sse_write_queue_bytes_bucket'))
      .map((l) => Number(l.slice(l.lastIndexOf(' ') + 1)));
    for (let i = 1; i < buckets.length; i++)
      expect(buckets[i]).toBeGreaterThanOrEqual(buckets[i - 1]!);
    const count = Number(/sse_write_queue_bytes_count\{[^}]*\} (\d+)/.exec(text)![1]);
    expect(buckets.at(-1)).toBe(count);
    expect(count).toBe(factory.stats.queue.count);
    expect(text.endsWith('\n')).toBe(true);
  });
});

describe('metrics() on every binding', () => {
  const registry = createMetrics();
  const nodeSSE = createNodeSSE();
  const webSSE = createWebSSE();
  registry.server(nodeSSE, { adapter: 'node' }).server(webSSE, { adapter: 'web' });
  const handler = metrics(registry);

  it('serves node:http through (req, res) over a real socket', async () => {
    const server = createServer((req, res) => handler(req, res));
    const port = await listenLocal(server);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
      const text = await response.text();
      expect(text).toContain('sse_sessions_open{adapter="node",encoding="identity"} 0');
      expect(text).toContain('sse_sessions_open{adapter="web",encoding="identity"} 0');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('labels open sessions with the content coding they negotiated', async () => {
    const compressed = createNodeSSE({ compression: ['gzip'], heartbeat: false });
    const own = createMetrics().server(compressed, { adapter: 'node' });
    const server = createServer((req, res) => {
      if (req.url === '/metrics') return metrics(own)(req, res);
      compressed(req, res);
    });
    const port = await listenLocal(server);
    const gzip = new AbortController();
    const plain = new AbortController();
    try {
      await fetch(`http://127.0.0.1:${port}/e`, {
        headers: { 'Accept-Encoding': 'gzip' },
        signal: gzip.signal,
      });
      await fetch(`http://127.0.0.1:${port}/e`, {
        headers: { 'Accept-Encoding': 'identity' },
        signal: plain.signal,
      });
      const text = samples(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());
      expect(text.get('sse_sessions_open{adapter="node",encoding="gzip"}')).toBe(1);
      expect(text.get('sse_sessions_open{adapter="node",encoding="identity"}')).toBe(1);
      gzip.abort();
      plain.abort();
      await until(() => compressed.factory.stats.open === 0);
      const after = samples(prometheusText(own.collect()));
      expect(after.get('sse_sessions_open{adapter="node",encoding="gzip"}')).toBe(0);
      expect(after.get('sse_sessions_ended_total{adapter="node",reason="peer"}')).toBe(2);
    } finally {
      gzip.abort();
      plain.abort();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('answers a fetch Request and a Hono route with a Response', async () => {
    const response = handler(new Request('http://localhost/metrics'));
    expect(response.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await response.text()).toContain('# TYPE sse_events_sent_total counter');
    const app = new Hono();
    app.get('/metrics', handler);
    const viaHono = await app.request('/metrics');
    expect(viaHono.status).toBe(200);
    expect(viaHono.headers.get('content-type')).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await viaHono.text()).toContain(
      'sse_sessions_ended_total{adapter="web",reason="slow"} 0',
    );
  });
});
