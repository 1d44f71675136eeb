// The servers compared in the server, hub and compression benchmarks. Each one is the
// idiomatic minimal SSE endpoint of its library, on node:http, sending the same events
// (`id` + one-line JSON `data`). Packages of ours that have not landed report
// "not available" (create returns null).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tryImport } from './util';

/** How the child sends one event to every connected client. */
export interface Publisher {
  count(): number;
  publish(data: string, id: string): unknown;
}

/** One compared server implementation. */
export interface Entrant {
  /** What it needs, shown when it is not available. */
  readonly requires: string;
  create(options: {
    compression?: boolean;
    redisUrl?: string;
    /** Which metric exports to run alongside (`hub-sse` only): see `watchMetrics`. */
    metrics?: MetricsMode;
  }): Promise<{ server: Server; publisher: Publisher } | null>;
}

interface SessionLike {
  send(m: { data?: string; id?: string }): unknown;
  readonly signal: AbortSignal;
}
type NodeOpener = (req: IncomingMessage, res: ServerResponse) => SessionLike | undefined;

/** A set of live sessions that forgets each one when its connection ends. */
function registry<T>() {
  const set = new Set<T>();
  return {
    set,
    add(item: T, onEnd: (cb: () => void) => void) {
      set.add(item);
      onEnd(() => set.delete(item));
    },
  };
}

/** Sends each event to every session of ours (`send` serialises through @sse/core). */
function sendToAll(set: Set<SessionLike>): Publisher {
  return {
    count: () => set.size,
    publish(data, id) {
      for (const s of set) s.send({ id, data });
    },
  };
}

/** Serves a fetch-style handler (web Request -> Response) on node:http via @hono/node-server. */
async function fetchServer(handler: (req: Request) => Response | Promise<Response>) {
  const { createAdaptorServer } = await import('@hono/node-server');
  return createAdaptorServer({ fetch: handler }) as Server;
}

interface HubLike {
  publish(topic: string, m: { data: string }): Promise<string>;
  subscribe(s: SessionLike, topic: string): Promise<unknown>;
}

/** Metric exports the hub entrant can run: none, Prometheus, OpenTelemetry, or both. */
export type MetricsMode = 'off' | 'prometheus' | 'otel' | 'both';

/**
 * Turns on the `@sse/metrics` exports for one handler and hub, read as production
 * reads them: the Prometheus text rendered every second (one scrape), the OpenTelemetry
 * SDK collecting every second into its in-memory exporter.
 */
async function watchMetrics(mode: MetricsMode, sse: unknown, hub: unknown): Promise<boolean> {
  if (mode === 'off') return true;
  const metrics = await tryImport('@sse/metrics');
  const sdk = await tryImport('@opentelemetry/sdk-metrics');
  if (!metrics || !sdk) return false;
  const m = metrics as unknown as typeof import('@sse/metrics');
  const registry = m
    .createMetrics()
    .server(sse as never, { adapter: 'node' })
    .hub(hub as never);
  if (mode === 'prometheus' || mode === 'both') {
    setInterval(() => m.prometheusText(registry.collect()), 1000).unref();
  }
  if (mode === 'otel' || mode === 'both') {
    const s = sdk as unknown as typeof import('@opentelemetry/sdk-metrics');
    const exporter = new s.InMemoryMetricExporter(s.AggregationTemporality.CUMULATIVE);
    const reader = new s.PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1000 });
    const provider = new s.MeterProvider({ readers: [reader] });
    m.observeWithMeter(registry, provider.getMeter('bench'));
    // Keep only the latest export, as a real exporter would ship and forget it.
    setInterval(() => exporter.reset(), 1000).unref();
  }
  return true;
}

/** @sse/hub on @sse/node sessions, with the in-memory backend or @sse/redis. */
async function sseHub(redisUrl?: string, metrics: MetricsMode = 'off') {
  const node = await tryImport('@sse/node');
  const hubMod = await tryImport('@sse/hub');
  const createNodeSSE = node?.createNodeSSE as
    | ((o: Record<string, unknown>) => NodeOpener)
    | undefined;
  const createHub = hubMod?.createHub as ((o: Record<string, unknown>) => HubLike) | undefined;
  if (!createNodeSSE || !createHub) return null;
  let backend: unknown;
  if (redisUrl) {
    const redis = await tryImport('@sse/redis');
    const createRedisBackend = redis?.createRedisBackend as
      | ((o: Record<string, unknown>) => unknown)
      | undefined;
    if (!createRedisBackend) return null;
    backend = createRedisBackend({ connection: redisUrl, key: `bench:${process.pid}` });
  }
  const hub = createHub(backend ? { backend } : {});
  const sse = createNodeSSE({});
  if (!(await watchMetrics(metrics, sse, hub))) return null;
  const r = registry<SessionLike>();
  const server = createServer((req, res) => {
    const session = sse(req, res);
    if (!session) return;
    r.add(session, (cb) => session.signal.addEventListener('abort', cb));
    hub.subscribe(session, 'bench').catch(() => {});
  });
  return {
    server,
    publisher: {
      count: () => r.set.size,
      publish: (data: string) => hub.publish('bench', { data }),
    },
  };
}

export const ENTRANTS: Record<string, Entrant> = {
  'hub-sse': {
    requires: '@sse/hub createHub and @sse/node createNodeSSE',
    create: (options) => sseHub(undefined, options.metrics),
  },

  'hub-sse-redis': {
    requires: '@sse/hub, @sse/node and @sse/redis createRedisBackend',
    create: (options) => sseHub(options.redisUrl ?? 'redis://127.0.0.1:6379'),
  },

  'hub-better-sse': {
    requires: 'better-sse',
    async create() {
      const { createSession, createChannel } = await import('better-sse');
      const channel = createChannel();
      const server = createServer(async (req, res) => {
        const session = await createSession(req, res, { serializer: String });
        channel.register(session);
      });
      return {
        server,
        publisher: {
          count: () => channel.sessionCount,
          publish(data, id) {
            channel.broadcast(data, 'message', { eventId: id });
          },
        },
      };
    },
  },

  bare: {
    requires: 'node:http',
    async create() {
      const r = registry<ServerResponse>();
      const server = createServer((req, res) => {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-cache',
          connection: 'keep-alive',
        });
        res.write(':ok\n\n');
        r.add(res, (cb) => req.on('close', cb));
      });
      return {
        server,
        publisher: {
          count: () => r.set.size,
          publish(data, id) {
            const frame = `id: ${id}\ndata: ${data}\n\n`;
            for (const res of r.set) res.write(frame);
          },
        },
      };
    },
  },

  'sse-node': {
    requires: '@sse/node createNodeSSE',
    async create(options) {
      const mod = await tryImport('@sse/node');
      const createNodeSSE = mod?.createNodeSSE as
        | ((o: Record<string, unknown>) => NodeOpener)
        | undefined;
      if (!createNodeSSE) return null;
      const sse = createNodeSSE(options.compression ? { compression: true } : {});
      const r = registry<SessionLike>();
      const server = createServer((req, res) => {
        const session = sse(req, res);
        if (session) r.add(session, (cb) => session.signal.addEventListener('abort', cb));
      });
      return { server, publisher: sendToAll(r.set) };
    },
  },

  'better-sse': {
    requires: 'better-sse',
    async create() {
      const { createSession } = await import('better-sse');
      const r = registry<{ push(d: unknown, e?: string, id?: string): unknown }>();
      const server = createServer(async (req, res) => {
        // serializer: String, since the data is already serialised JSON (the default
        // JSON.stringify would quote it again).
        const session = await createSession(req, res, { serializer: String });
        r.add(session, (cb) => session.once('disconnected', cb));
      });
      return {
        server,
        publisher: {
          count: () => r.set.size,
          publish(data, id) {
            for (const s of r.set) s.push(data, 'message', id);
          },
        },
      };
    },
  },

  'hono-streamSSE': {
    requires: 'hono, @hono/node-server',
    async create() {
      const { Hono } = await import('hono');
      const { streamSSE } = await import('hono/streaming');
      type Api = { writeSSE(m: { data: string; id?: string }): Promise<void> };
      const r = registry<Api>();
      const app = new Hono();
      app.get('/', (c) =>
        streamSSE(c, async (stream) => {
          await stream.write(':ok\n\n');
          await new Promise<void>((resolve) => r.add(stream, () => stream.onAbort(resolve)));
          r.set.delete(stream);
        }),
      );
      return {
        server: await fetchServer(app.fetch),
        publisher: {
          count: () => r.set.size,
          async publish(data, id) {
            const writes: Promise<void>[] = [];
            for (const s of r.set) writes.push(s.writeSSE({ id, data }));
            await Promise.all(writes);
          },
        },
      };
    },
  },

  'sse-web': {
    requires: '@sse/web createWebSSE',
    async create() {
      const mod = await tryImport('@sse/web');
      const create = mod?.createWebSSE as
        | (() => { open(req: Request): { response: Response; session?: SessionLike } })
        | undefined;
      if (!create) return null;
      const sse = create();
      const r = registry<SessionLike>();
      const server = await fetchServer((req) => {
        const { response, session } = sse.open(req);
        if (session) r.add(session, (cb) => session.signal.addEventListener('abort', cb));
        return response;
      });
      return { server, publisher: sendToAll(r.set) };
    },
  },

  'sse-hono': {
    requires: '@sse/hono sseHandler',
    async create() {
      const mod = await tryImport('@sse/hono');
      const sseHandler = mod?.sseHandler as
        | ((h: (s: SessionLike) => void) => (c: unknown) => Response)
        | undefined;
      if (!sseHandler) return null;
      const { Hono } = await import('hono');
      const r = registry<SessionLike>();
      const app = new Hono();
      app.get(
        '/',
        sseHandler((session) => {
          r.add(session, (cb) => session.signal.addEventListener('abort', cb));
        }) as never,
      );
      return { server: await fetchServer(app.fetch), publisher: sendToAll(r.set) };
    },
  },
};
