// The `recent` snapshot a new connection gets, joined to the stream by a cursor: many
// clients connect while the server publishes a long burst into the same room, and each
// must see every message from its snapshot's first to the burst's last, exactly once in
// the stream (a message of the snapshot may come once more), with no reset. On the
// in-memory hub and on a real redis-server, where publishes take real I/O time and the
// connects land in the middle of them.
import { existsSync } from 'node:fs';
import { events } from '@sse/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SERVER, RedisServer } from '../../../packages/redis/test/redis-server';
import type { Info } from '../src/app';
import type { ChatMessage } from '../src/rooms';
import { type Demo, startDemo } from '../src/server';
import type { Recent } from '../src/stream';

/** Messages the burst asks for; one drop publishes at most the outage burst (80 in memory, 314 on Redis). */
const BURST = 300;
const CLIENTS = 20;

interface Seen {
  snapshot: number[];
  stream: number[];
  resets: number;
}

/** Reads one client's stream until it has seen seq `last` of #dev, in the snapshot or the stream (or a reset). */
async function watch(demo: Demo, client: string, last: () => number | undefined): Promise<Seen> {
  const seen: Seen = { snapshot: [], stream: [], resets: 0 };
  const url = new URL(`/events?rooms=dev&client=${client}`, demo.url);
  for await (const event of events(url, { oneShot: true })) {
    if (event.type === 'recent')
      seen.snapshot = (JSON.parse(event.data) as Recent).rooms.dev?.map((m) => m.seq) ?? [];
    if (event.type === 'reset') seen.resets++;
    if (event.type === 'chat') seen.stream.push((JSON.parse(event.data) as ChatMessage).seq);
    const end = last();
    // Metrics events (every 100 ms) wake this loop up even when no chat comes any more.
    if (
      seen.resets > 0 ||
      (end !== undefined && (seen.stream.includes(end) || seen.snapshot.includes(end)))
    )
      break;
  }
  return seen;
}

/** Lets the event loop run until `condition` holds (the burst has reached some point). */
async function until(condition: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await condition())) await new Promise((resolve) => setTimeout(resolve, 1));
}

const backends: [string, boolean][] = [
  ['in-memory hub', true],
  [
    `redis-server${existsSync(REDIS_SERVER) ? '' : ` (skipped: missing ${REDIS_SERVER})`}`,
    existsSync(REDIS_SERVER),
  ],
];

describe.each(backends)('recent messages on connect, %s', (name, available) => {
  let redis: RedisServer | undefined;
  let demo: Demo;

  beforeAll(async () => {
    if (!available) return;
    if (name.startsWith('redis')) redis = await RedisServer.start();
    demo = await startDemo({
      port: 0,
      metricsIntervalMs: 100,
      redisUrl: redis?.url,
      redisKey: `recent-${Date.now()}`,
    });
  }, 60_000);

  afterAll(async () => {
    await demo?.close();
    await redis?.stop();
  });

  it.skipIf(!available)(
    'joins snapshot and stream with no gap and no duplicate, whenever a client connects',
    async () => {
      let last: number | undefined;
      const latest = async () => {
        const log = (await (
          await fetch(new URL('/api/rooms/dev/messages', demo.url))
        ).json()) as ChatMessage[];
        return log.at(-1)?.seq ?? 0;
      };
      // What one drop request publishes at most (the outage burst), so the burst's size.
      const info = (await (await fetch(new URL('/api/info', demo.url))).json()) as Info;
      const size = Math.min(BURST, info.outageBurst);
      // One request publishes the whole burst, one message after another.
      const burst = fetch(new URL('/api/clients/nobody/drop', demo.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ room: 'dev', away: BURST }),
      }).then(async (r) => {
        expect(r.status).toBe(200);
        last = await latest();
      });
      // Clients connect at spread-out points of the burst (and one after it).
      const clients: Promise<Seen>[] = [];
      for (let i = 0; i < CLIENTS; i++) {
        const at = Math.floor((size * i) / CLIENTS);
        await until(async () => last !== undefined || (await latest()) >= at);
        clients.push(watch(demo, `c${i}`, () => last));
      }
      await burst;
      const results = await Promise.all(clients);
      for (const [i, seen] of results.entries()) {
        const label = `client ${i}`;
        expect(seen.resets, label).toBe(0);
        const stream = new Set(seen.stream);
        const all = [...new Set([...seen.snapshot, ...seen.stream])].sort((x, y) => x - y);
        const first = all[0] ?? 1;
        expect(all, `${label}: a gap between snapshot and stream`).toEqual(
          Array.from({ length: (last ?? 0) - first + 1 }, (_, k) => first + k),
        );
        // Whatever the stream repeats of the snapshot is its tail (published after the cursor).
        const repeated = seen.snapshot.filter((seq) => stream.has(seq));
        expect(repeated, label).toEqual(
          seen.snapshot.slice(seen.snapshot.length - repeated.length),
        );
        // Nothing comes twice in the stream, also on Redis when its reader lags behind the
        // replay (the hub never sends a subscription an id at or below one it already sent).
        expect(stream.size, `${label}: a seq came twice in the stream`).toBe(seen.stream.length);
      }
      // The clients that connected mid-burst opened on a non-empty snapshot.
      expect(results.slice(1).every((seen) => seen.snapshot.length > 0)).toBe(true);
    },
    120_000,
  );
});
