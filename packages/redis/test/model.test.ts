import { isSSEError } from '@sse/core';
import { createHub, type Hub } from '@sse/hub';
import fc from 'fast-check';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseFrame, RecordingSession } from '../../hub/src/fake-session.test-helper';
import { compareStreamIds, createRedisBackend, type RedisBackend } from '../src/index';
import { RedisProxy } from './proxy';
import { RedisServer, SKIP_REASON } from './redis-server';
import { until } from './wait';

/**
 * Model-based test of two hubs (two "processes") on one real redis-server: random
 * publishes, subscribes at random cursors and unsubscribes, with faults injected
 * between them (reader lag, dropped and killed connections, Redis restarts with AOF).
 * The reference model is the list of stored events, in id order. Every subscriber
 * must receive exactly the model's events of its topics after its cursor (or a reset,
 * then exactly those after the reset's id), each once, in order; a hub whose reader
 * fell behind the history must have said so (`EVENTS_LOST`). `FC_RUNS` sets the
 * number of runs (default 200); `FC_SEED` replays one; `FC_SHRINK=1` shrinks a
 * failure (slow: real I/O).
 */

const TOPICS = ['a', 'b', 'c'] as const;
const SLOTS = 4;
const RUNS = Number(process.env.FC_RUNS ?? 200);
/** Far ahead of any id this test makes: a cursor from a Redis that lost its data. */
const FUTURE = '99999999999999-0';
const MALFORMED = 'not-an-id';

type Cursor = 'valid' | 'other-topic' | 'origin' | 'empty' | 'stale' | 'malformed' | 'resume';

/** The reference: every event Redis stored, in id order. */
interface Model {
  events: { id: string; topic: string }[];
}

/** One subscription made during a run, kept for the final check. */
interface Made {
  topics: string[];
  /** The hub it subscribed through. */
  via: number;
  cursor: string;
  session: RecordingSession;
}

/** The real system of one run. */
interface Real {
  raw: Redis;
  key: string;
  backends: RedisBackend[];
  hubs: Hub[];
  slots: (Made | undefined)[];
  made: Made[];
  next: number;
}

let redis: RedisServer;
let proxy: RedisProxy;

/** Adds a stored event to the model, keeping id order. */
function record(m: Model, id: string, topic: string): void {
  m.events.push({ id, topic });
  m.events.sort((x, y) => compareStreamIds(x.id, y.id));
}

/** Publishes through hub `via` and keeps the model truthful whatever the outcome. */
async function publish(m: Model, r: Real, via: number, topic: string): Promise<void> {
  const data = `d${r.next++}`;
  try {
    record(m, await (r.hubs[via] as Hub).publish(topic, { data }), topic);
  } catch (error) {
    if (isSSEError(error, 'BACKEND_UNAVAILABLE')) return; // not stored: nothing to model
    if (!isSSEError(error, 'PUBLISH_OUTCOME_UNKNOWN')) throw error;
    // Sent on a connection that then dropped: Redis knows whether it ran it.
    const entries = (await r.raw.xrange(r.key, '-', '+')) as [string, string[]][];
    const found = entries.find(([, fields]) => fields.includes(JSON.stringify({ data })));
    if (found) record(m, found[0], topic);
  }
}

class Publish implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly topic: number,
    readonly via: number,
    readonly count: number,
  ) {}
  check = () => true;
  async run(m: Model, r: Real): Promise<void> {
    for (let i = 0; i < this.count; i++) {
      await publish(m, r, this.via, TOPICS[this.topic] as string);
    }
  }
  toString = () => `publish(${TOPICS[this.topic]} x${this.count} via ${this.via})`;
}

class Subscribe implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly slot: number,
    readonly topics: string[],
    readonly via: number,
    readonly kind: Cursor,
    readonly pick: number,
  ) {}
  check = () => true;
  cursor(m: Model, r: Real): string {
    const valid = (events: Model['events']) =>
      events.length === 0 ? '0-0' : (events[this.pick % events.length] as { id: string }).id;
    switch (this.kind) {
      case 'valid':
        return valid(m.events);
      case 'other-topic':
        return valid(m.events.filter((e) => !this.topics.includes(e.topic)));
      case 'origin':
        return '0-0';
      case 'empty':
        return '';
      case 'stale':
        return FUTURE;
      case 'malformed':
        return MALFORMED;
      case 'resume':
        return r.slots[this.slot]?.session.cursor ?? '';
    }
  }
  async run(m: Model, r: Real): Promise<void> {
    const cursor = this.cursor(m, r);
    r.slots[this.slot]?.session.close();
    const session = new RecordingSession(cursor);
    const made: Made = { topics: this.topics, via: this.via, cursor, session };
    r.slots[this.slot] = made;
    try {
      await (r.hubs[this.via] as Hub).subscribe(session, this.topics);
      r.made.push(made);
    } catch (error) {
      // Redis was still coming back from a fault: the client would reconnect later.
      if (!isSSEError(error, 'BACKEND_UNAVAILABLE')) throw error;
      session.close();
    }
  }
  toString = () =>
    `subscribe(slot ${this.slot}, [${this.topics}] via ${this.via}, ${this.kind}#${this.pick})`;
}

class Unsubscribe implements fc.AsyncCommand<Model, Real> {
  constructor(readonly slot: number) {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    r.slots[this.slot]?.session.close();
  }
  toString = () => `unsubscribe(slot ${this.slot})`;
}

/** Faults: the proxy's aim at hub 1 (whose connections go through it), the others at every connection or Redis itself. */
class Fault implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: 'lag' | 'catch-up' | 'drop-reader' | 'kill-clients' | 'restart') {}
  check = () => true;
  async run(_m: Model, r: Real): Promise<void> {
    if (this.kind === 'lag') proxy.hold(':reader');
    else if (this.kind === 'catch-up') proxy.release(':reader');
    else if (this.kind === 'drop-reader') proxy.drop(':reader');
    else if (this.kind === 'kill-clients') await r.raw.client('KILL', 'TYPE', 'normal');
    else {
      await redis.kill();
      await redis.restart();
    }
  }
  toString = () => this.kind;
}

const command = fc.oneof(
  {
    weight: 6,
    arbitrary: fc
      .tuple(fc.nat(TOPICS.length - 1), fc.nat(1), fc.constantFrom(1, 1, 1, 6))
      .map(([t, v, n]) => new Publish(t, v, n)),
  },
  {
    weight: 4,
    arbitrary: fc
      .tuple(
        fc.nat(SLOTS - 1),
        fc.subarray([...TOPICS], { minLength: 1 }),
        fc.nat(1),
        fc.constantFrom<Cursor>(
          'valid',
          'other-topic',
          'origin',
          'empty',
          'stale',
          'malformed',
          'resume',
          'resume',
        ),
        fc.nat(20),
      )
      .map(([slot, topics, via, kind, pick]) => new Subscribe(slot, topics, via, kind, pick)),
  },
  { weight: 1, arbitrary: fc.nat(SLOTS - 1).map((slot) => new Unsubscribe(slot)) },
  {
    weight: 3,
    arbitrary: fc
      .constantFrom('lag', 'catch-up', 'drop-reader', 'kill-clients', 'restart' as const)
      .map((kind) => new Fault(kind)),
  },
);

/**
 * Checks one subscriber against the model: exactly its events after its cursor (or
 * after a reset's id), or a prefix of them if it ended early. A reset must have a
 * cause: a malformed or future cursor, or history trimmed past it (`present` holds
 * the ids Redis still has at the end; trimming only ever removes the oldest). When
 * the subscriber's hub reported that its reader fell behind the history
 * (`EVENTS_LOST`, `gapped`), it may miss events, but still gets each once, in order.
 */
function check(m: Model, made: Made, present: ReadonlySet<string>, gapped: boolean): void {
  const frames = made.session.frames.map(parseFrame);
  const cursor = made.cursor;
  const bad = cursor === MALFORMED || cursor === FUTURE;
  let after = cursor;
  let rest = frames;
  const head = frames[0];
  if (head?.event === 'reset') {
    const trimmed =
      cursor === '0-0' ? m.events.some((e) => !present.has(e.id)) : !present.has(cursor);
    expect(bad || (cursor !== '' && trimmed), `reset without cause for ${cursor}`).toBe(true);
    after = head.id ?? '0-0';
    rest = frames.slice(1);
  } else {
    expect(bad && head !== undefined, `no reset for ${cursor}`).toBe(false);
    if (head !== undefined && head.data === undefined && head.event === undefined) {
      after = head.id ?? ''; // the id-only frame a subscriber without a cursor starts with
      rest = frames.slice(1);
    }
  }
  const got = rest.map((f) => f.id);
  const want = m.events
    .filter((e) => made.topics.includes(e.topic) && compareStreamIds(e.id, after) > 0)
    .map((e) => e.id);
  const who = `[${made.topics}] via ${made.via} after ${cursor}${made.session.isOpen ? '' : ' (ended)'}`;
  if (gapped) {
    let at = 0;
    for (const id of got) {
      while (at < want.length && want[at] !== id) at++;
      expect(at < want.length, `${who}: ${id} out of order, twice or unknown`).toBe(true);
      at++;
    }
  } else if (made.session.isOpen) expect(got, who).toEqual(want);
  else expect(got, who).toEqual(want.slice(0, got.length));
}

describe.skipIf(SKIP_REASON !== '')(
  `hub + redis backend against a model${SKIP_REASON ? ` (skipped: ${SKIP_REASON})` : ''}`,
  () => {
    beforeAll(async () => {
      // Small stream nodes, so that MAXLEN ~ trims within a run and cursors expire.
      redis = await RedisServer.start(true, ['--stream-node-max-entries', '4']);
      proxy = await RedisProxy.start(redis.port);
    });
    afterAll(async () => {
      await proxy?.close();
      await redis?.stop();
    });

    let run = 0;
    it(
      `${RUNS} runs: each subscriber gets exactly its events after its cursor, once, in order`,
      async () => {
        await fc.assert(
          fc.asyncProperty(fc.commands([command], { maxCommands: 12 }), async (commands) => {
            const key = `model:${run++}`;
            // Fast reconnects: the faults are many and the test waits on conditions.
            const connection = (port: number) => ({
              host: '127.0.0.1',
              port,
              retryStrategy: () => 10,
            });
            const options = {
              key,
              maxLen: 6,
              blockMs: 500,
              unavailableAfterMs: 1_000,
              commandTimeoutMs: 2_000,
              maxRetryDelayMs: 20,
              onError: () => {}, // counted in stats() and checked below
            };
            const backends = [
              createRedisBackend({ ...options, connection: connection(redis.port) }),
              createRedisBackend({ ...options, connection: connection(proxy.port) }),
            ];
            const real: Real = {
              raw: new Redis({ ...connection(redis.port), maxRetriesPerRequest: null }).on(
                'error',
                () => {}, // Redis restarts on purpose; its commands wait and retry
              ),
              key,
              backends,
              hubs: backends.map((backend) => createHub({ backend })),
              slots: [],
              made: [],
              next: 0,
            };
            const model: Model = { events: [] };
            try {
              await fc.asyncModelRun(() => ({ model, real }), commands);
              // Settle: the reader catches up, then one more event per topic reaches everyone.
              proxy.release(':reader');
              for (const topic of TOPICS) {
                const before = model.events.length;
                while (model.events.length === before) await publish(model, real, 0, topic);
              }
              const last = (model.events[model.events.length - 1] as { id: string }).id;
              await until(() =>
                backends.every((b) => compareStreamIds(b.position() ?? '0-0', last) >= 0),
              );
              const stored = (await real.raw.xrange(key, '-', '+')) as [string, string[]][];
              const present = new Set(stored.map(([id]) => id));
              for (const made of real.made) {
                const gapped = (backends[made.via] as RedisBackend).stats().gaps > 0;
                check(model, made, present, gapped);
              }
            } finally {
              proxy.release(':reader');
              for (const made of real.made) made.session.close();
              await Promise.all(real.hubs.map((hub) => hub.close()));
              real.raw.disconnect();
            }
          }),
          {
            numRuns: RUNS,
            endOnFailure: process.env.FC_SHRINK !== '1',
            ...(process.env.FC_SEED ? { seed: Number(process.env.FC_SEED) } : {}),
          },
        );
        // About 0.25 s a run under load: 600 s covers the default 200 with room; FC_RUNS scales it.
      },
      Math.max(600_000, RUNS * 1_000),
    );
  },
);
