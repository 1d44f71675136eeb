import { SSEError } from '@sse/core';
import { closedError, finishedError } from './errors';
import type {
  FinalState,
  ReadResult,
  ResumableStore,
  StreamEntry,
  StreamMessage,
  StreamState,
} from './types';

/** Limits of {@link createMemoryStore}; every one has a default. */
export interface MemoryStoreOptions {
  /** How long a finished stream stays replayable, in ms. Default 300,000 (5 minutes). */
  ttlMs?: number;
  /** Most streams kept at once (running and finished); `create` past it throws `BACKEND_BUFFER_FULL`. Default 10,000. */
  maxStreams?: number;
  /**
   * Most bytes of event data (UTF-16 code units of `data`, `event` and `comment`,
   * counted as 2 bytes each) one stream may hold. A producer that passes it is ended as
   * `failed`, so a runaway generation cannot take the process's memory. Default 8 MiB.
   */
  maxStreamBytes?: number;
}

/** The defaults of {@link MemoryStoreOptions}, exported so documentation and tests agree. */
export const MEMORY_STORE_DEFAULTS = {
  ttlMs: 300_000,
  maxStreams: 10_000,
  maxStreamBytes: 8 * 1024 * 1024,
} as const;

interface Stored {
  readonly entries: StreamEntry[];
  state: StreamState;
  bytes: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  readonly watchers: Set<(entry: StreamEntry) => void>;
  readonly stoppers: Set<() => void>;
}

/** Bytes a message costs in memory, roughly: two per UTF-16 unit of its strings. */
const sizeOf = (m: StreamMessage): number =>
  2 * ((m.data?.length ?? 0) + (m.event?.length ?? 0) + (m.comment?.length ?? 0)) + 64;

/** A store with the entries, states and an expiry timer per stream in this process's memory. */
export interface MemoryStore extends ResumableStore {
  /** Streams kept now (running and finished, until they expire), for tests and dashboards. */
  readonly size: number;
}

/**
 * The embedded default: every stream of one process in memory. A finished stream is
 * dropped `ttlMs` after its end by one unref'd timer; nothing else needs cleaning.
 * There is no lease: the producer lives in this process, and so does its stream.
 */
export function createMemoryStore(options: MemoryStoreOptions = {}): MemoryStore {
  const o = { ...MEMORY_STORE_DEFAULTS, ...options };
  for (const name of ['ttlMs', 'maxStreams', 'maxStreamBytes'] as const) {
    if (!(Number.isSafeInteger(o[name]) && o[name] >= 0)) {
      throw new RangeError(`${name} must be an integer >= 0, got ${o[name]}`);
    }
  }
  const streams = new Map<string, Stored>();
  let closed = false;

  const notify = (stored: Stored, entry: StreamEntry) => {
    for (const watcher of [...stored.watchers]) watcher(entry);
  };

  const finishNow = (id: string, stored: Stored, state: FinalState, reason?: string) => {
    const entry: StreamEntry = { seq: stored.entries.length + 1, kind: 'end', state };
    if (reason !== undefined) (entry as { reason?: string }).reason = reason;
    stored.entries.push(entry);
    stored.state = state;
    stored.timer = setTimeout(() => {
      if (streams.get(id) === stored) streams.delete(id);
    }, o.ttlMs);
    (stored.timer as { unref?: () => void }).unref?.();
    notify(stored, entry);
  };

  const store: MemoryStore = {
    leaseMs: Number.POSITIVE_INFINITY,
    get size() {
      return streams.size;
    },
    async create(id) {
      if (closed) throw closedError();
      if (streams.has(id)) return false;
      if (streams.size >= o.maxStreams) {
        throw new SSEError(
          'BACKEND_BUFFER_FULL',
          `The memory store holds its maximum of ${o.maxStreams} streams (maxStreams); wait for finished ones to expire or raise the limit.`,
        );
      }
      streams.set(id, {
        entries: [],
        state: 'running',
        bytes: 0,
        timer: undefined,
        watchers: new Set(),
        stoppers: new Set(),
      });
      return true;
    },
    async append(id, first, messages) {
      const stored = streams.get(id);
      if (stored === undefined || stored.state !== 'running') throw finishedError(id);
      if (first !== stored.entries.length + 1) {
        throw new RangeError(
          `append to ${id} at ${first}, but the stream has ${stored.entries.length} entries`,
        );
      }
      for (const message of messages) {
        stored.bytes += sizeOf(message);
        if (stored.bytes > o.maxStreamBytes) {
          finishNow(id, stored, 'failed', `the stream passed maxStreamBytes (${o.maxStreamBytes})`);
          throw finishedError(id);
        }
        const entry: StreamEntry = { seq: stored.entries.length + 1, kind: 'event', message };
        stored.entries.push(entry);
        notify(stored, entry);
      }
    },
    async finish(id, state, reason) {
      const stored = streams.get(id);
      if (stored === undefined) return undefined;
      if (stored.state === 'running') finishNow(id, stored, state, reason);
      return stored.state as FinalState;
    },
    async renew(id) {
      return streams.get(id)?.state === 'running';
    },
    async read(id, after, limit): Promise<ReadResult> {
      const stored = streams.get(id);
      if (stored === undefined) return { found: false };
      const start = Math.max(0, Math.min(after, stored.entries.length));
      return {
        found: true,
        state: stored.state,
        entries: stored.entries.slice(start, start + limit),
      };
    },
    async watch(id, listener) {
      const stored = streams.get(id);
      if (stored === undefined) return () => {};
      stored.watchers.add(listener);
      return () => stored.watchers.delete(listener);
    },
    onStop(id, listener) {
      const stored = streams.get(id);
      if (stored === undefined) return () => {};
      stored.stoppers.add(listener);
      return () => stored.stoppers.delete(listener);
    },
    async stop(id, reason) {
      const state = await store.finish(id, 'stopped', reason);
      const stored = streams.get(id);
      if (stored !== undefined) {
        for (const stopper of [...stored.stoppers]) stopper();
        stored.stoppers.clear();
      }
      return state;
    },
    async close() {
      closed = true;
      for (const stored of streams.values()) clearTimeout(stored.timer);
      streams.clear();
    },
  };
  return store;
}
