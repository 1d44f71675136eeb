/**
 * A reference model of a resumable store's lifecycle, and fast-check commands that run
 * any `ResumableStore` against it: create, append (with the producer's seq), finish,
 * stop, renew, read from any cursor, watchers that must see entries equal to the model's,
 * plus the faults a store is given (`faults`): expiry, a lapsed lease.
 */
import fc from 'fast-check';
import { expect } from 'vitest';
import type { FinalState, ResumableStore, StreamEntry, StreamState } from '../src/index';

/** One stream in the model. */
interface ModelStream {
  state: StreamState;
  entries: StreamEntry[];
  /** The producer's lease lapsed (a fault); the next read ends it as failed. */
  lapsed: boolean;
}

export interface Model {
  streams: Map<string, ModelStream>;
  /** Expired ids not to be created again (stores whose late notifications could reach a new stream of the same id). */
  retired?: Set<string>;
}

/** The store under test, the watchers' observations, and how its faults are applied. */
export interface Real {
  store: ResumableStore;
  /** Everything each watcher saw, per stream id (watchers are added at create). */
  seen: Map<string, StreamEntry[]>;
  unwatch: (() => void)[];
}

/** Faults a store can be given; each store's suite says which ones it supports. */
export interface Faults {
  /** Expire every finished stream (memory: the TTL timers fire). */
  expireFinished?: (real: Real) => Promise<void>;
  /** The producer of `id` stops renewing and its lease is gone (Redis: the lease key is deleted). */
  lapse?: (real: Real, id: string) => Promise<void>;
  /** The lapsed-lease reason the store writes. */
  lapseReason?: string;
}

const IDS = ['a', 'b', 'c'];
const STATES: FinalState[] = ['ended', 'failed', 'stopped'];
const text = fc.string({ maxLength: 6 }).filter((s) => !/[\r\n]/.test(s));

const endOf = (seq: number, state: FinalState, reason?: string): StreamEntry =>
  reason === undefined ? { seq, kind: 'end', state } : { seq, kind: 'end', state, reason };

function endIn(m: ModelStream, state: FinalState, reason?: string): void {
  m.entries.push(endOf(m.entries.length + 1, state, reason));
  m.state = state;
  m.lapsed = false;
}

type Cmd = fc.AsyncCommand<Model, Real>;

class Create implements Cmd {
  constructor(readonly id: string) {}
  check = (model: Readonly<Model>) => !model.retired?.has(this.id);
  async run(model: Model, real: Real) {
    const created = await real.store.create(this.id);
    expect(created).toBe(!model.streams.has(this.id));
    if (created) {
      model.streams.set(this.id, { state: 'running', entries: [], lapsed: false });
      const seen: StreamEntry[] = [];
      real.seen.set(this.id, seen);
      real.unwatch.push(await real.store.watch(this.id, (entry) => seen.push(entry)));
    }
  }
  toString = () => `create(${this.id})`;
}

class Append implements Cmd {
  constructor(
    readonly id: string,
    readonly data: string[],
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = model.streams.get(this.id);
    const first = (m?.entries.length ?? 0) + 1;
    const messages = this.data.map((data) => ({ data }));
    if (m?.state === 'running') {
      await real.store.append(this.id, first, messages);
      messages.forEach((message, i) => {
        m.entries.push({ seq: first + i, kind: 'event', message });
      });
      m.lapsed = false; // an append renews the lease
    } else {
      await expect(real.store.append(this.id, first, messages)).rejects.toMatchObject({
        code: 'STREAM_FINISHED',
      });
    }
  }
  toString = () => `append(${this.id}, ${JSON.stringify(this.data)})`;
}

class Finish implements Cmd {
  constructor(
    readonly id: string,
    readonly state: FinalState,
    readonly reason: string | undefined,
    readonly viaStop: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = model.streams.get(this.id);
    const got = this.viaStop
      ? await real.store.stop(this.id, this.reason)
      : await real.store.finish(this.id, this.state, this.reason);
    if (m === undefined) return void expect(got).toBeUndefined();
    if (m.state === 'running') endIn(m, this.viaStop ? 'stopped' : this.state, this.reason);
    expect(got).toBe(m.state);
  }
  toString = () =>
    this.viaStop ? `stop(${this.id})` : `finish(${this.id}, ${this.state}, ${this.reason})`;
}

class Renew implements Cmd {
  constructor(readonly id: string) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = model.streams.get(this.id);
    expect(await real.store.renew(this.id)).toBe(m?.state === 'running');
    if (m) m.lapsed = false;
  }
  toString = () => `renew(${this.id})`;
}

class Read implements Cmd {
  constructor(
    readonly id: string,
    readonly after: number,
    readonly limit: number,
    readonly reason: string | undefined,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    const m = model.streams.get(this.id);
    const got = await real.store.read(this.id, this.after, this.limit);
    if (m === undefined) return void expect(got).toEqual({ found: false });
    if (m.state === 'running' && m.lapsed) endIn(m, 'failed', this.reason);
    expect(got).toEqual({
      found: true,
      state: m.state,
      entries: m.entries.slice(this.after, this.after + this.limit),
    });
  }
  toString = () => `read(${this.id}, ${this.after}, ${this.limit})`;
}

class ExpireFinished implements Cmd {
  constructor(readonly expire: (real: Real) => Promise<void>) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await this.expire(real);
    for (const [id, m] of model.streams) {
      if (m.state === 'running') continue;
      model.streams.delete(id);
      model.retired?.add(id);
    }
  }
  toString = () => 'expireFinished()';
}

class Lapse implements Cmd {
  constructor(
    readonly id: string,
    readonly lapse: (real: Real, id: string) => Promise<void>,
  ) {}
  check = () => true;
  async run(model: Model, real: Real) {
    await this.lapse(real, this.id);
    const m = model.streams.get(this.id);
    if (m?.state === 'running') m.lapsed = true;
  }
  toString = () => `lapse(${this.id})`;
}

/** The command arbitrary for a store with the given faults. */
export function storeCommands(faults: Faults): fc.Arbitrary<Iterable<Cmd>> {
  const id = fc.constantFrom(...IDS);
  const arbs: fc.Arbitrary<Cmd>[] = [
    id.map((i) => new Create(i)),
    fc.tuple(id, fc.array(text, { minLength: 1, maxLength: 6 })).map(([i, d]) => new Append(i, d)),
    fc
      .tuple(
        id,
        fc.constantFrom(...STATES),
        fc.option(
          text.filter((r) => r !== ''),
          { nil: undefined },
        ),
        fc.boolean(),
      )
      .map(([i, s, r, stop]) => new Finish(i, s, r, stop)),
    id.map((i) => new Renew(i)),
    fc
      .tuple(id, fc.nat({ max: 12 }), fc.integer({ min: 1, max: 5 }))
      .map(([i, after, limit]) => new Read(i, after, limit, faults.lapseReason)),
  ];
  const { expireFinished, lapse } = faults;
  if (expireFinished) arbs.push(fc.constant(new ExpireFinished(expireFinished)));
  if (lapse) arbs.push(id.map((i) => new Lapse(i, lapse)));
  return fc.commands(arbs, { maxCommands: 40 });
}

/**
 * After a run: every watcher saw, in order, entries equal to the model's at their seq
 * (a store may skip some, never invent, repeat out of order or change one).
 */
export function checkWatchers(model: Model, real: Real, exact: boolean): void {
  for (const [id, seen] of real.seen) {
    const m = model.streams.get(id);
    if (m === undefined) continue; // expired: its entries are gone from the model
    for (let i = 1; i < seen.length; i++) {
      expect((seen[i] as StreamEntry).seq).toBeGreaterThan((seen[i - 1] as StreamEntry).seq);
    }
    for (const entry of seen) expect(entry).toEqual(m.entries[entry.seq - 1]);
    if (exact) expect(seen).toEqual(m.entries);
  }
}
