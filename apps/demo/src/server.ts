import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { getRequestListener } from '@hono/node-server';
import { isSSEError } from '@sse/core';
import { createHub, type Hub } from '@sse/hub';
import { createResumableStreams, type ResumableStreams } from '@sse/resumable';
import { createApp, type DemoContext } from './app';
import { Connections } from './connections';
import { DEFAULT_LIMITS, type GuardLimits } from './guard';
import { startMetrics } from './metrics';
import { trackNewest } from './newest';
import { RoomLog } from './rooms';
import { honoEvents, nodeEvents } from './routes';

/** How to start the demo; every field has a default. */
export interface DemoOptions {
  /** TCP port; 0 picks a free one (tests). Default 3000. */
  port?: number;
  /** Interface to bind. Default 127.0.0.1 (loopback only). */
  host?: string;
  /** A Redis URL switches the hub's backend to @sse/redis. Default: the in-memory backend. */
  redisUrl?: string;
  /** The Redis stream key the demo's hubs share. Default `sse:demo`. */
  redisKey?: string;
  /** Folder of the bundled page. Default `public/` next to the built `main.js`. */
  publicDir?: string;
  /** Hub history size in events (every topic counts). Default 64: small, so a reset is easy to show. */
  historyMaxEvents?: number;
  /** Reconnection time hint sent to clients, in ms. Default 1000. */
  retryMs?: number;
  /** Metrics sampling period in ms. Default 1000. */
  metricsIntervalMs?: number;
  /** Messages of each room a new connection gets first. Default 20. */
  recentPerRoom?: number;
  /** Body and rate limits of the state-changing endpoints; each default is in `DEFAULT_LIMITS`. */
  limits?: Partial<GuardLimits>;
}

/** A running demo. */
export interface Demo {
  /** The page's address, e.g. `http://127.0.0.1:3000/`. */
  url: string;
  /** `memory` or `redis`. */
  backend: string;
  hub: Hub;
  /** Stops the metrics timer, closes every SSE session, the hub and the HTTP server. */
  close(): Promise<void>;
}

/**
 * The in-memory hub, or with a Redis URL a hub on @sse/redis (loaded only then), whose
 * stream is capped at about `historyMaxEvents` (`MAXLEN ~`: Redis may keep up to one
 * stream node, 100 entries by default, more).
 */
/** The answer panel's streams: in memory, or with a Redis URL in @sse/redis's resumable store. */
async function createDemoStreams(options: DemoOptions): Promise<ResumableStreams> {
  if (!options.redisUrl) return createResumableStreams();
  const { createRedisResumableStore } = await import('@sse/redis');
  return createResumableStreams({
    store: createRedisResumableStore({ connection: options.redisUrl, prefix: 'sse:demo:answers:' }),
  });
}

async function createDemoHub(options: DemoOptions, historyMaxEvents: number): Promise<Hub> {
  if (!options.redisUrl) return createHub({ history: { maxEvents: historyMaxEvents } });
  const { createRedisBackend } = await import('@sse/redis');
  const backend = createRedisBackend({
    connection: options.redisUrl,
    key: options.redisKey ?? 'sse:demo',
    maxLen: historyMaxEvents,
  });
  return createHub({ backend });
}

/**
 * Starts the demo: one HTTP server on which `/node/events` is handled by @sse/node
 * on the raw `ServerResponse`, and everything else by the Hono app (through
 * @hono/node-server), including `/events` through @sse/hono. Both stream the same hub.
 */
export async function startDemo(options: DemoOptions = {}): Promise<Demo> {
  const historyMaxEvents = options.historyMaxEvents ?? 64;
  const hub = trackNewest(await createDemoHub(options, historyMaxEvents));
  const connections = new Connections();
  const metricsIntervalMs = options.metricsIntervalMs ?? 1000;
  const demo: DemoContext = {
    hub,
    connections,
    rooms: new RoomLog(),
    publicDir: options.publicDir ?? fileURLToPath(new URL('./public', import.meta.url)),
    backend: options.redisUrl ? 'redis' : 'memory',
    retryMs: options.retryMs ?? 1000,
    historyMaxEvents,
    resetEvent: 'reset',
    awayBurst: 5,
    // Enough to push a disconnected cursor out of the history (Redis trims by whole nodes).
    outageBurst: historyMaxEvents + (options.redisUrl ? 250 : 16),
    metricsIntervalMs,
    recentPerRoom: options.recentPerRoom ?? 20,
    limits: { ...DEFAULT_LIMITS, ...options.limits },
    streams: await createDemoStreams(options),
  };
  const honoListener = getRequestListener(createApp(demo, honoEvents(demo)).fetch);
  const nodeListener = nodeEvents(demo);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/node/events' || req.url?.startsWith('/node/events?')) {
      nodeListener(req, res).catch((error: unknown) => {
        if (!res.headersSent) {
          res.writeHead(isSSEError(error) ? 400 : 500, { 'content-type': 'text/plain' });
          res.end(error instanceof Error ? error.message : 'error');
        }
      });
    } else {
      honoListener(req, res);
    }
  });
  const metrics = startMetrics(hub, connections, metricsIntervalMs);
  try {
    // Before the first page can connect, this process has published once (see runStream).
    await metrics.first;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? 3000, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (error) {
    // A port in use must not leave the metrics timer and the hub running behind it.
    metrics.stop();
    await hub.close();
    await demo.streams.close();
    throw error;
  }
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    backend: demo.backend,
    hub,
    async close() {
      metrics.stop();
      connections.drop();
      await hub.close();
      await demo.streams.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
