import { isSSEError } from '@sse/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands } from './commands.test-helper';
import { RecordingSession } from './fake-session.test-helper';
import { createHub } from './hub';
import { createMemoryBackend } from './memory';

const TOPICS = ['a', 'b', 'c'] as const;

const command = commands({ topics: TOPICS.length, clients: 4, ticks: true });

describe('replay property', () => {
  it('every client ends with exactly the published sequence of its topics', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.subarray([...TOPICS], { minLength: 1 }), { minLength: 4, maxLength: 4 }),
        fc.array(command, { minLength: 30, maxLength: 100 }),
        fc.constantFrom(3, 10_000),
        async (s, interests, commands, maxEvents) => {
          const memory = createMemoryBackend({ history: { maxEvents } });
          // History reads run and resolve whenever the scheduler decides: live events race
          // them on both sides (before the read, and between the read and its answer).
          const range: typeof memory.range = (cursor, topics) =>
            s.schedule(Promise.resolve()).then(() => s.schedule(memory.range(cursor, topics)));
          const hub = createHub({ backend: { ...memory, range } });
          const published: { topic: string; data: string; id: Promise<string> }[] = [];
          const clients = interests.map((topics) => ({
            topics,
            sessions: [] as RecordingSession[],
          }));
          const pending: Promise<unknown>[] = [];
          const connect = (client: (typeof clients)[number]) => {
            const last = client.sessions[client.sessions.length - 1];
            const session = new RecordingSession(last ? last.cursor : '');
            client.sessions.push(session);
            // A session closed before its subscription started is refused (SESSION_CLOSED).
            pending.push(
              hub.subscribe(session, client.topics).catch((error) => {
                if (!isSSEError(error, 'SESSION_CLOSED')) throw error;
              }),
            );
          };
          for (const client of clients) connect(client);
          for (const c of commands) {
            if (c.kind === 'publish') {
              const topic = TOPICS[c.topic] as string;
              const data = String(published.length);
              published.push({ topic, data, id: hub.publish(topic, { data }) });
            } else if (c.kind === 'tick') {
              // Let one scheduled history read progress, or else everything else pending.
              if (s.count() > 0) await s.waitOne();
              else await new Promise((resolve) => setImmediate(resolve));
            } else {
              const client = clients[c.client] as (typeof clients)[number];
              const session = client.sessions[client.sessions.length - 1] as RecordingSession;
              if (c.kind === 'disconnect') session.close();
              else if (!session.isOpen) connect(client);
            }
          }
          for (const client of clients) {
            if (!client.sessions[client.sessions.length - 1]?.isOpen) connect(client);
          }
          // Let every pending subscribe schedule its history read, then run them all.
          for (;;) {
            await new Promise((resolve) => setImmediate(resolve));
            if (s.count() === 0) break;
            await s.waitAll();
          }
          await Promise.all(pending);
          const ids = await Promise.all(published.map((p) => p.id));
          const seq = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));
          for (const client of clients) {
            const seen = client.sessions.flatMap((session) => session.seen);
            // A client's history starts at the first cursor it was given (an id-only frame
            // with the head); a session that ended before receiving anything left no cursor.
            const origin = client.sessions
              .find((session) => session.frames.length > 0)
              ?.cursorAt(0);
            const wanted = published
              .map((p, i) => ({ ...p, id: ids[i] as string }))
              .filter((p) => (client.topics as string[]).includes(p.topic))
              .filter((p) => origin === undefined || seq(p.id) > seq(origin));
            const events = seen.filter((e) => e.event !== 'reset');
            // Always: in order and never twice.
            const positions = events.map((e) => wanted.findIndex((w) => w.id === e.id));
            expect(
              positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] as number))),
            ).toBe(true);
            const lastReset = seen.map((e) => e.event).lastIndexOf('reset');
            if (lastReset < 0) {
              // No reset: exactly the published sequence.
              expect(events.map((e) => e.data)).toEqual(wanted.map((w) => w.data));
            } else {
              // After a reset: exactly what followed the reset's id (its head).
              const resetId = seen[lastReset]?.id;
              const from = resetId === undefined ? 0 : ids.indexOf(resetId) + 1;
              const after = seen.slice(lastReset + 1).map((e) => e.data);
              const tail = wanted.filter((w) => ids.indexOf(w.id) >= from).map((w) => w.data);
              expect(after).toEqual(tail);
            }
            if (maxEvents === 10_000) expect(lastReset).toBe(-1);
          }
          await hub.close();
        },
      ),
      { numRuns: 200 },
    );
  });
});
