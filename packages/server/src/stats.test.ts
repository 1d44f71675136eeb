import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createSessionFactory, type SessionFactory } from './factory';
import type { ServerSession } from './session';
import type { SessionSink } from './sink';
import type { SlowClientPolicy } from './types';

/** A transport the test steers: it refuses bytes while `blocked`, and throws when `broken`. */
class Transport implements SessionSink {
  bytes = 0;
  blocked = false;
  broken = false;
  write(chunk: Uint8Array): boolean {
    if (this.broken) throw new Error('transport broke');
    this.bytes += chunk.byteLength;
    return !this.blocked;
  }
  end(): void {}
  abort(): void {}
}

interface Real {
  factory: SessionFactory;
  sessions: { session: ServerSession; transport: Transport }[];
}

/** What the counters must say, kept by the test from the commands alone. */
interface Model {
  opened: number;
  busy: number;
  events: number;
  heartbeats: number;
  maxSessions: number;
}

const request = { method: 'GET', url: '/e', httpVersionMajor: 1 };

/** Compares every counter with the model and with what the sessions and transports say. */
function check(model: Model, real: Real): void {
  const { stats } = real.factory;
  const open = real.sessions.filter((s) => s.session.isOpen).length;
  expect(stats.open).toBe(open);
  expect(stats.openByEncoding.identity).toBe(open);
  expect(stats.opened).toBe(model.opened);
  expect(stats.busy).toBe(model.busy);
  expect(stats.events).toBe(model.events);
  expect(stats.heartbeats).toBe(model.heartbeats);
  for (const reason of ['closed', 'peer', 'error', 'slow', 'max-age'] as const) {
    const ended = real.sessions.filter((s) => s.session.endReason === reason).length;
    expect(stats.ended[reason]).toBe(ended);
  }
  const dropped = real.sessions.reduce((sum, s) => sum + s.session.droppedCount, 0);
  expect(stats.dropped).toBe(dropped);
  const bytes = real.sessions.reduce((sum, s) => sum + s.transport.bytes, 0);
  expect(stats.bytes).toBe(bytes);
  expect(stats.queue.buckets.reduce((a, b) => a + b, 0)).toBe(stats.queue.count);
}

const pick = (real: Real, i: number) => real.sessions[i % real.sessions.length];

class Open implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    const negotiation = real.factory.negotiate(request);
    if (real.sessions.filter((s) => s.session.isOpen).length >= model.maxSessions) {
      expect(negotiation.kind).toBe('busy');
      model.busy++;
    } else {
      expect(negotiation.kind).toBe('open');
      const transport = new Transport();
      real.sessions.push({ session: real.factory.open(transport, { lastEventId: '' }), transport });
      model.opened++;
    }
    check(model, real);
  }
  toString = () => 'open';
}

class Send implements fc.Command<Model, Real> {
  constructor(
    readonly i: number,
    readonly size: number,
    readonly encoded: boolean,
  ) {}
  check = (model: Model) => model.opened > 0;
  run(model: Model, real: Real): void {
    const { session } = pick(real, this.i)!;
    if (session.isOpen) model.events++;
    const data = 'x'.repeat(this.size);
    if (this.encoded) session.sendEncoded(new TextEncoder().encode(`data: ${data}\n\n`));
    else void session.send({ data });
    check(model, real);
  }
  toString = () => `send(${this.i}, ${this.size}${this.encoded ? ', encoded' : ''})`;
}

class Heartbeat implements fc.Command<Model, Real> {
  constructor(readonly i: number) {}
  check = (model: Model) => model.opened > 0;
  run(model: Model, real: Real): void {
    const { session } = pick(real, this.i)!;
    if (session.isOpen && session.queuedBytes === 0) model.heartbeats++;
    session.heartbeat();
    check(model, real);
  }
  toString = () => `heartbeat(${this.i})`;
}

/** Flushes pending writes now (what the end-of-tick microtask does). */
class Flush implements fc.Command<Model, Real> {
  constructor(readonly i: number) {}
  check = (model: Model) => model.opened > 0;
  run(model: Model, real: Real): void {
    pick(real, this.i)!.session.flush();
    check(model, real);
  }
  toString = () => `flush(${this.i})`;
}

class Steer implements fc.Command<Model, Real> {
  constructor(
    readonly i: number,
    readonly what: 'block' | 'unblock' | 'break',
  ) {}
  check = (model: Model) => model.opened > 0;
  run(model: Model, real: Real): void {
    const { session, transport } = pick(real, this.i)!;
    if (this.what === 'block') transport.blocked = true;
    else if (this.what === 'break') transport.broken = true;
    else {
      transport.blocked = false;
      session.drain();
    }
    check(model, real);
  }
  toString = () => `${this.what}(${this.i})`;
}

class End implements fc.Command<Model, Real> {
  constructor(
    readonly i: number,
    readonly how: 'close' | 'peer' | 'fail',
  ) {}
  check = (model: Model) => model.opened > 0;
  run(model: Model, real: Real): void {
    const { session } = pick(real, this.i)!;
    if (this.how === 'close') session.close();
    else if (this.how === 'peer') session.peerGone();
    else session.fail(new Error('handler failed'));
    check(model, real);
  }
  toString = () => `${this.how}(${this.i})`;
}

const commands = [
  fc.constant(new Open()),
  fc
    .tuple(fc.nat(), fc.integer({ min: 0, max: 700 }), fc.boolean())
    .map(([i, size, encoded]) => new Send(i, size, encoded)),
  fc.nat().map((i) => new Heartbeat(i)),
  fc.nat().map((i) => new Flush(i)),
  fc
    .tuple(fc.nat(), fc.constantFrom('block' as const, 'unblock' as const, 'break' as const))
    .map(([i, what]) => new Steer(i, what)),
  fc
    .tuple(fc.nat(), fc.constantFrom('close' as const, 'peer' as const, 'fail' as const))
    .map(([i, how]) => new End(i, how)),
];

describe('SessionFactory.stats', () => {
  it('counts sessions, ends by reason, events, bytes, drops, heartbeats and 503s exactly (model-based, with faults)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<SlowClientPolicy>('disconnect', 'drop-oldest', 'wait'),
        fc.integer({ min: 1, max: 4 }),
        fc.commands(commands, { maxCommands: 60 }),
        async (slowClient, maxSessions, cmds) => {
          const factory = createSessionFactory({
            slowClient,
            maxSessions,
            maxQueueBytes: 2048,
            waitLimitBytes: 3072,
            heartbeat: false,
          });
          const real: Real = { factory, sessions: [] };
          const model: Model = { opened: 0, busy: 0, events: 0, heartbeats: 0, maxSessions };
          fc.modelRun(() => ({ model, real }), cmds);
          // Let the end-of-tick flush run, then settle every session.
          await Promise.resolve();
          check(model, real);
          factory.closeAll();
          check(model, real);
          expect(factory.stats.open).toBe(0);
          // `wait` promises of sessions that ended settle to false; none may reject.
        },
      ),
      { numRuns: 150 },
    );
  });

  it('does not count the first frame of a stream as an event, and observes the queue at backpressure', () => {
    const factory = createSessionFactory({ heartbeat: false, retry: 1000 });
    const transport = new Transport();
    transport.blocked = true;
    const session = factory.open(transport, { lastEventId: '' });
    expect(factory.stats.events).toBe(0);
    session.send({ data: 'a' });
    session.flush(); // the first write is refused at once: what waits is observed
    session.send({ data: 'b'.repeat(5000) });
    session.flush();
    expect(factory.stats.events).toBe(2);
    expect(factory.stats.queue.count).toBe(1);
    expect(factory.stats.bytes).toBe(transport.bytes);
    session.close();
    expect(factory.stats.ended.closed).toBe(1);
    expect(factory.stats.bytes).toBe(transport.bytes);
  });
});
