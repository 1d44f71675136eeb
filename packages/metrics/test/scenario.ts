/**
 * The scenario the export tests share: a real node:http server (127.0.0.1) with
 * `@sse/node` and a hub, registered on a metrics registry; reading clients, one that
 * stops reading (ended as `slow`) and one that goes away (ended as `peer`). The
 * expected numbers are computed from what the test did, not read from the counters.
 */
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { createHub, type Hub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';
import { listenLocal } from '../../server/test/net';
import { StreamReader, until } from '../../server/test/support';
import { createMetrics, type MetricsRegistry, metrics } from '../src/index';

/** What the registry must report once the scenario has run. */
export interface Expected {
  open: number;
  opened: number;
  endedSlow: number;
  endedPeer: number;
  eventsSent: number;
  published: number;
}

export interface Scenario {
  port: number;
  registry: MetricsRegistry;
  hub: Hub;
  /** Runs the clients; resolves with the expected numbers once the server is quiet. */
  run(): Promise<Expected>;
  close(): Promise<void>;
}

const READERS = 3;
const WARMUP = 5;
const BIG = 'x'.repeat(16 * 1024);

/** A client that sends its request and then never reads: its socket stays paused. */
function stuckClient(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write('GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n');
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

/** Starts the server; the registry is created fresh, for the export under test to read. */
export async function startScenario(): Promise<Scenario> {
  const hub = createHub();
  const sse = createNodeSSE({ heartbeat: false, maxQueueBytes: 256 * 1024 });
  const registry = createMetrics().server(sse, { adapter: 'node' }).hub(hub);
  const serve = metrics(registry);
  const server: Server = createServer((req, res) => {
    if (req.url === '/metrics') return serve(req, res);
    const session = sse(req, res);
    if (session) void hub.subscribe(session, 'feed');
  });
  const port = await listenLocal(server);
  const controllers: AbortController[] = [];
  const sockets: Socket[] = [];

  const run = async (): Promise<Expected> => {
    const readers: StreamReader[] = [];
    for (let i = 0; i < READERS; i++) {
      const controller = new AbortController();
      controllers.push(controller);
      const response = await fetch(`http://127.0.0.1:${port}/events`, {
        signal: controller.signal,
      });
      readers.push(new StreamReader(response.body!));
    }
    const stuck = await stuckClient(port);
    sockets.push(stuck);
    await until(() => hub.stats().subscriptions === READERS + 1);
    const received = (n: number) => () => readers.every((r) => r.events().length >= n);
    for (let i = 0; i < WARMUP; i++) await hub.publish('feed', { data: `warm ${i}` });
    await until(received(WARMUP));
    // Big events until the client that does not read overflows its queue; the readers
    // take each one before the next, so only the stuck client falls behind.
    let big = 0;
    let toStuck = 0;
    while (sse.factory.stats.ended.slow === 0) {
      await hub.publish('feed', { data: BIG });
      big++;
      toStuck++;
      await until(received(WARMUP + big), 60_000);
    }
    // One reader goes away.
    controllers[0]!.abort();
    await until(() => sse.factory.stats.ended.peer === 1);
    return {
      open: READERS - 1,
      opened: READERS + 1,
      endedSlow: 1,
      endedPeer: 1,
      // Every reader got every event; the stuck client every one up to its overflow; and
      // each subscription began with the hub's cursor frame (`id:` only, no data).
      eventsSent: READERS * (WARMUP + big) + WARMUP + toStuck + (READERS + 1),
      published: WARMUP + big,
    };
  };

  const close = async (): Promise<void> => {
    for (const c of controllers) c.abort();
    for (const s of sockets) s.destroy();
    sse.factory.closeAll();
    await hub.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  };

  return { port, registry, hub, run, close };
}
