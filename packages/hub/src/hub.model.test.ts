// Model-based test of the hub (fast-check `fc.commands`) on the in-memory backend,
// against a reference that is just the list of published events. Faults: a backend
// whose listener runs late (events delivered after a history read already returned
// them), history reads answered late (after trims), tiny histories, subscribers whose
// transport is read slowly, in bursts or not at all, cursors of every kind, entries
// that cannot be encoded. Invariant per subscriber: what it read is exactly the
// reference's events of its topics after its cursor (or after a reset's id), in
// order, never twice; a subscriber still open at the end has all of them.
// FC_RUNS=10000 runs more (default 200).
import { isSSEError } from '@sse/core';
import type { SlowClientPolicy } from '@sse/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Seen } from './fake-session.test-helper';
import { createHub, type Hub, type Subscription } from './hub';
import { LaggingBackend } from './lagging-backend.test-helper';
import { createMemoryBackend } from './memory';
import { PacedSession } from './paced-session.test-helper';

const TOPICS = ['a', 'b', 'c'];
const EPOCH = 'm';
const RUNS = Number(process.env.FC_RUNS ?? 200);

type CursorKind =
  | 'none'
  | 'event' // the id of some published event (any topic: maybe another topic, maybe expired)
  | 'head'
  | 'origin'
  | 'stale' // another epoch (a restart)
  | 'garbage'
  | 'future'; // this epoch, but not yet published

/** The reference: every event the backend stored, in id order. */
interface Stored {
  readonly id: string;
  readonly seq: number;
  readonly topic: string;
  readonly poison: boolean;
}

interface Client {
  readonly paced: PacedSession;
  readonly topics: readonly string[];
  readonly cursor: string;
  readonly kind: CursorKind;
  subscription: Subscription | undefined;
  unsubscribed: boolean;
  /** Never reads until the end of the run (then everything, to check what it got). */
  readonly stuck: boolean;
}

interface Real {
  readonly backend: LaggingBackend;
  readonly hub: Hub;
  readonly stored: Stored[];
  readonly clients: Client[];
  readonly pending: Promise<unknown>[];
  readonly reports: string[];
}

type Model = Record<string, never>;
type Command = fc.AsyncCommand<Model, Real>;

const seqOf = (id: string) => Number(id.slice(id.lastIndexOf('-') + 1));
const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Base for the commands: always applicable (indexes wrap around what exists). */
abstract class Step implements Command {
  check(): boolean {
    return true;
  }
  abstract run(model: Model, real: Real): Promise<void>;
  abstract toString(): string;
}

class Publish extends Step {
  constructor(
    readonly topic: number,
    readonly poison: boolean,
  ) {
    super();
  }
  async run(_: Model, real: Real) {
    const topic = TOPICS[this.topic] as string;
    let id: string;
    if (this.poison) {
      // Written by something else than the hub: the backend stores what the hub would refuse.
      id = await real.backend.append(topic, { data: 5 } as never);
    } else {
      id = await real.hub.publish(topic, { data: `${real.stored.length}` });
    }
    real.stored.push({ id, seq: seqOf(id), topic, poison: this.poison });
  }
  toString() {
    return `publish(${TOPICS[this.topic]}${this.poison ? ', poison' : ''})`;
  }
}

class Deliver extends Step {
  constructor(readonly count: number) {
    super();
  }
  async run(_: Model, real: Real) {
    real.backend.deliver(this.count);
  }
  toString() {
    return `deliver(${this.count})`;
  }
}

class Answer extends Step {
  async run(_: Model, real: Real) {
    real.backend.answer(1);
  }
  toString() {
    return 'answer';
  }
}

class Subscribe extends Step {
  constructor(
    readonly topics: string[],
    readonly kind: CursorKind,
    readonly pick: number,
    readonly policy: SlowClientPolicy,
    readonly stuck: boolean,
  ) {
    super();
  }
  async run(_: Model, real: Real) {
    const { stored } = real;
    const head = real.backend.inner.position() ?? `${EPOCH}-0`;
    const cursor = {
      none: '',
      event: stored.length > 0 ? (stored[this.pick % stored.length] as Stored).id : head,
      head,
      origin: `${EPOCH}-0`,
      stale: `other-${seqOf(head)}`,
      garbage: 'not an id',
      future: `${EPOCH}-${seqOf(head) + 1000}`,
    }[this.kind];
    const paced = new PacedSession(cursor, this.policy);
    const client: Client = {
      paced,
      topics: this.topics,
      cursor,
      kind: this.kind,
      subscription: undefined,
      unsubscribed: false,
      stuck: this.stuck,
    };
    real.clients.push(client);
    real.pending.push(
      real.hub.subscribe(paced.session, this.topics).then(
        (subscription) => {
          client.subscription = subscription;
          if (client.unsubscribed) subscription.unsubscribe();
        },
        (error) => {
          // Only a session that ended before the subscription started may refuse it.
          if (!isSSEError(error, 'SESSION_CLOSED')) throw error;
        },
      ),
    );
  }
  toString() {
    return `subscribe([${this.topics}], ${this.kind}#${this.pick}, ${this.policy}${this.stuck ? ', stuck' : ''})`;
  }
}

class Read extends Step {
  constructor(
    readonly client: number,
    readonly bytes: number,
  ) {
    super();
  }
  async run(_: Model, real: Real) {
    const readers = real.clients.filter((c) => !c.stuck);
    if (readers.length === 0) return;
    (readers[this.client % readers.length] as Client).paced.read(this.bytes);
  }
  toString() {
    return `read(#${this.client}, ${this.bytes})`;
  }
}

class Leave extends Step {
  constructor(
    readonly client: number,
    readonly how: 'unsubscribe' | 'disconnect',
  ) {
    super();
  }
  async run(_: Model, real: Real) {
    if (real.clients.length === 0) return;
    const client = real.clients[this.client % real.clients.length] as Client;
    if (this.how === 'disconnect') client.paced.session.peerGone();
    else {
      client.unsubscribed = true;
      client.subscription?.unsubscribe();
    }
  }
  toString() {
    return `${this.how}(#${this.client})`;
  }
}

class Turn extends Step {
  async run() {
    await turn();
  }
  toString() {
    return 'turn';
  }
}

const commands = fc.commands(
  [
    fc.tuple(fc.nat(TOPICS.length - 1), fc.boolean()).map(([t, p]) => new Publish(t, p)),
    fc.nat(TOPICS.length - 1).map((t) => new Publish(t, false)),
    fc.nat(TOPICS.length - 1).map((t) => new Publish(t, false)),
    fc.integer({ min: 1, max: 5 }).map((n) => new Deliver(n)),
    fc.constant(new Answer()),
    fc
      .record({
        topics: fc.subarray(TOPICS, { minLength: 1 }),
        kind: fc.constantFrom<CursorKind>(
          'none',
          'event',
          'event',
          'head',
          'origin',
          'stale',
          'garbage',
          'future',
        ),
        pick: fc.nat(),
        policy: fc.constantFrom<SlowClientPolicy>('disconnect', 'wait'),
        stuck: fc.nat(3).map((n) => n === 0),
      })
      .map((r) => new Subscribe(r.topics, r.kind, r.pick, r.policy, r.stuck)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 200 })).map(([c, b]) => new Read(c, b)),
    fc.tuple(fc.nat(), fc.integer({ min: 1, max: 200 })).map(([c, b]) => new Read(c, b)),
    fc
      .tuple(fc.nat(), fc.constantFrom<'unsubscribe' | 'disconnect'>('unsubscribe', 'disconnect'))
      .map(([c, how]) => new Leave(c, how)),
    fc.constant(new Turn()),
  ],
  { maxCommands: 80, size: 'max' },
);

/** Lets everything settle: the backend catches up, history reads are answered, every client reads all. */
async function settle(real: Real): Promise<void> {
  for (let round = 0; round < 10_000; round++) {
    real.backend.holdRanges = false;
    real.backend.deliver();
    real.backend.answer();
    for (const client of real.clients) client.paced.read(Number.POSITIVE_INFINITY);
    await turn();
    const quiet =
      real.backend.undelivered.length === 0 &&
      real.backend.heldRanges === 0 &&
      real.clients.every((c) => c.paced.pending === 0);
    if (quiet) {
      const settled = await Promise.race([
        Promise.all(real.pending).then(() => true),
        turn().then(() => false),
      ]);
      if (settled) return;
    }
  }
  throw new Error('the hub did not settle');
}

/** Checks one client against the reference; returns a description of the first violation. */
function verify(
  real: Real,
  client: Client,
  maxHeld: number,
  maxEvents: number,
): string | undefined {
  const wanted = real.stored.filter((e) => !e.poison && client.topics.includes(e.topic));
  const frames = client.paced.frames.filter(
    (f: Seen) => f.id !== undefined || f.data !== undefined || f.event !== undefined,
  );
  // Sequences are consecutive from 1 and only `maxEvents` are kept: the oldest retained now.
  const firstSeq = Math.max(1, real.stored.length - maxEvents + 1);
  let pos: number | undefined = client.kind === 'none' ? undefined : seqOf(client.cursor);
  const validCursor = ['event', 'head', 'origin'].includes(client.kind);
  for (let i = 0; i < frames.length; i++) {
    const frame = frames[i] as Seen;
    if (frame.event === 'reset') {
      const reason = JSON.parse(frame.data ?? '{}').reason as string;
      const at = frame.id === undefined ? undefined : seqOf(frame.id);
      if (at === undefined) return `reset without id at ${i}`;
      if (i === 0 && client.kind !== 'none') {
        if (reason === 'stale' && validCursor) return `stale reset for a valid cursor`;
        if (reason === 'expired' && !validCursor) return `expired reset for ${client.kind}`;
        // Trims only move forward: expired then means expired now.
        if (reason === 'expired' && seqOf(client.cursor) >= firstSeq - 1)
          return 'expired too early';
        if (reason === 'overflow' && maxHeld > 1_000) return 'overflow with a large hold';
      } else if (reason !== 'overflow' || maxHeld > 1_000) {
        return `unexpected ${reason} reset at ${i}`;
      }
      // A later reset never goes back; a first one starts afresh (the client reloads).
      if (pos !== undefined && at < pos && i !== 0) {
        return `reset at ${at} goes back from ${pos}`;
      }
      pos = at;
    } else if (frame.data === undefined) {
      // The id-only frame that gives a live-only client its cursor: first, and only then.
      if (i !== 0 || client.kind !== 'none') return `id-only frame at ${i}`;
      pos = seqOf(frame.id as string);
    } else {
      if (pos === undefined) return `event before any cursor at ${i}`;
      if (!validCursor && i === 0) return `event for ${client.kind} cursor without reset`;
      const from = pos;
      const next = wanted.find((e) => e.seq > from);
      if (next === undefined || next.id !== frame.id) {
        return `at ${i}: got ${frame.id}, wanted ${next?.id ?? 'nothing'} after seq ${from}`;
      }
      pos = next.seq;
    }
  }
  const open = client.paced.session.isOpen && !client.unsubscribed;
  if (open) {
    if (pos === undefined) return 'open, but never given a cursor';
    const from = pos;
    const missing = wanted.filter((e) => e.seq > from);
    if (missing.length > 0) return `open, but missing ${missing.map((e) => e.id)}`;
  }
  return undefined;
}

describe('hub model', () => {
  it('every subscriber reads exactly the reference sequence after its cursor, once, in order', async () => {
    await fc.assert(
      fc.asyncProperty(
        commands,
        fc.constantFrom(3, 1_000),
        fc.constantFrom(2, 10_000),
        fc.boolean(),
        async (steps, maxEvents, maxHeld, holdRanges) => {
          const backend = new LaggingBackend(
            createMemoryBackend({ epoch: EPOCH, history: { maxEvents } }),
          );
          backend.holdRanges = holdRanges;
          const reports: string[] = [];
          const hub = createHub({
            backend,
            maxHeldEvents: maxHeld,
            onError: (_, event) => reports.push(event.id),
          });
          const real: Real = { backend, hub, stored: [], clients: [], pending: [], reports };
          await fc.asyncModelRun(() => ({ model: {}, real }), steps);
          await settle(real);
          for (const [index, client] of real.clients.entries()) {
            const problem = verify(real, client, maxHeld, maxEvents);
            if (problem !== undefined) {
              throw new Error(
                `client #${index} [${client.topics}] ${client.kind} ${client.cursor}: ${problem}`,
              );
            }
          }
          // Each poisoned entry that anyone came across is reported once, and counted.
          expect(new Set(reports).size).toBe(reports.length);
          const poisoned = new Set(real.stored.filter((e) => e.poison).map((e) => e.id));
          for (const id of reports) expect(poisoned.has(id)).toBe(true);
          expect(hub.stats().skipped).toBe(reports.length);
          await hub.close();
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
