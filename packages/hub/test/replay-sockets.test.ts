import { createServer, type Server } from 'node:http';
import { createNodeSSE } from '@sse/node';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { commands } from '../src/commands.test-helper';
import { createHub, type Hub } from '../src/index';
import { SSEClient } from './sse-client';

const TOPICS = ['a', 'b', 'c'];
/** The sequence number of an in-memory id (`<epoch>-<seq>`). */
const seq = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));

const command = commands({ topics: TOPICS.length, clients: 3, ticks: false });

describe('replay property over real sockets (@sse/node)', () => {
  let hub: Hub;
  let server: Server;
  let port = 0;
  const sse = createNodeSSE({ heartbeat: false });

  beforeAll(async () => {
    server = createServer((req, res) => {
      const topics = new URL(req.url ?? '/', 'http://localhost').searchParams.get('topics') ?? '';
      const session = sse(req, res);
      // Subscribed in the same tick as the response head: live before the client sees it.
      if (session !== undefined) void hub.subscribe(session, topics.split(','));
    });
    port = await listenLocal(server);
  });
  afterAll(async () => {
    sse.factory.closeAll();
    await new Promise((resolve) => server.close(resolve));
  });

  it('random publishes, disconnects and Last-Event-ID reconnects: each client gets exactly its topics', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.subarray(TOPICS, { minLength: 1 }), { minLength: 3, maxLength: 3 }),
        fc.array(command, { minLength: 10, maxLength: 80 }),
        fc.constantFrom(3, 1_000),
        // Some clients read in bursts (pausing after every chunk), so replays meet backpressure.
        fc.array(fc.boolean(), { minLength: 3, maxLength: 3 }),
        async (interests, commands, maxEvents, bursts) => {
          hub = createHub({ history: { maxEvents } });
          const clients = interests.map((topics, i) => ({
            topics,
            client: new SSEClient(`/events?topics=${topics.join(',')}`, { bursts: bursts[i] }),
            open: true,
          }));
          // A client's history starts at its first cursor (the head id frame).
          for (const c of clients) {
            await c.client.connect(port);
            await c.client.until(() => c.client.lastEventId !== '', 5_000);
          }
          const published: { topic: string; data: string; id: string }[] = [];
          for (const cmd of commands) {
            if (cmd.kind === 'publish') {
              const topic = TOPICS[cmd.topic] as string;
              const data = `${published.length}`;
              published.push({ topic, data, id: await hub.publish(topic, { data }) });
              continue;
            }
            if (cmd.kind === 'tick') continue; // not generated here (ticks: false)
            const c = clients[cmd.client] as (typeof clients)[number];
            if (cmd.kind === 'disconnect' && c.open) {
              await c.client.disconnect();
              c.open = false;
            } else if (cmd.kind === 'reconnect' && !c.open) {
              await c.client.connect(port);
              c.open = true;
            }
          }
          for (const c of clients) {
            if (!c.open) await c.client.connect(port);
            const wanted = published.filter((p) => c.topics.includes(p.topic));
            const last = wanted[wanted.length - 1];
            // The cursor only moves forward (events, resets, head frames): wait until it has
            // reached the last event of the client's topics, by receiving it or jumping past it.
            await c.client.until(
              () => last === undefined || seq(c.client.lastEventId) >= seq(last.id),
            );
            const events = c.client.events;
            const lastReset = events.map((e) => e.type).lastIndexOf('reset');
            if (maxEvents === 1_000) expect(lastReset).toBe(-1);
            const resetAt =
              lastReset < 0 ? -1 : published.findIndex((p) => p.id === events[lastReset]?.id);
            const after = c.client.events.slice(lastReset + 1);
            const expected = wanted.filter((p) => published.indexOf(p) > resetAt);
            expect(after.map((e) => [e.type, e.data, e.id])).toEqual(
              expected.map((p) => [p.topic, p.data, p.id]),
            );
            await c.client.disconnect();
          }
          await hub.close();
        },
      ),
      { numRuns: 25 },
    );
  }, 120_000);
});
