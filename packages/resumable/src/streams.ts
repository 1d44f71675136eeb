import { encode, type Message, SSEError } from '@sse/core';
import type { Session } from '@sse/server';
import { checkStreamId } from './errors';
import { createMemoryStore } from './memory-store';
import { type Producer, pump } from './producer';
import type { FinalState, ResumableStore, StreamEntry, StreamState } from './types';

/** The part of a `Session` a follower needs; every adapter's session has it. */
export type Follower = Pick<
  Session,
  'lastEventId' | 'signal' | 'isOpen' | 'sendEncoded' | 'close'
> &
  Partial<Pick<Session, 'writable'>>;

/** Options of {@link createResumableStreams}; every one has a default. */
export interface ResumableOptions {
  /** Where streams live. Default: a new in-memory store (one process). Closed by `close()`. */
  store?: ResumableStore;
  /** The event type of the end event every follower gets last. Default `'end'`. */
  endEvent?: string;
  /** Entries read from the store per call while a follower catches up. Default 256. */
  batch?: number;
  /**
   * Live entries held for one follower while it catches up; past it they are dropped and
   * read again from the store (nothing is lost, the store is the truth). Default 1,024.
   */
  maxHeld?: number;
  /**
   * Messages a producer may have waiting for the store before its next item is awaited
   * (the producer is paused, not dropped). Default 1,024.
   */
  maxPending?: number;
  /** Told about a producer's failure (its real error; followers only see `reason`). Default `console.error`. */
  onError?: (error: unknown, id: string) => void;
}

/** Per-start options. */
export interface StartOptions {
  /** Aborting it stops the stream, as `stop(id)` does. (The request's own signal must not go here: the answer outlives its connection.) */
  signal?: AbortSignal;
  /**
   * Called with the promise of the whole generation, for runtimes that end work when
   * the response is sent (Vercel/Cloudflare `waitUntil`): the generation continues after
   * the starting connection is gone.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/** A running stream, as its starter sees it. */
export interface Run {
  /** The stream id. */
  readonly id: string;
  /** Aborts when the stream is stopped (anywhere) or fails, so the generation can stop paying. */
  readonly signal: AbortSignal;
  /** Resolves with the state the stream ended in. Never rejects. */
  readonly done: Promise<FinalState>;
}

/** What the server should answer a follower's request, before opening a stream. */
export type Decision =
  | { readonly status: 200; readonly state: StreamState }
  /** The stream has ended and the cursor is at its end: "stop" (a native EventSource stops). */
  | { readonly status: 204; readonly state: FinalState }
  /** No such stream: never started, or expired after its TTL. */
  | { readonly status: 404 }
  /** The Last-Event-ID is not a cursor of this stream. */
  | { readonly status: 400; readonly error: SSEError };

/** Counters of this process, for dashboards and leak checks. */
export interface ResumableStats {
  /** Producers running in this process. */
  producers: number;
  /** Followers connected to this process. */
  followers: number;
}

/** Resumable streams: start an answer once, follow it from anywhere by `Last-Event-ID`. */
export interface ResumableStreams {
  /**
   * Starts stream `id` fed by `producer`. Rejects with `STREAM_EXISTS` when the id is
   * taken, `INVALID_STREAM_ID` for a bad id. The generation runs on its own: it does not
   * depend on any connection.
   */
  start(id: string, producer: Producer, options?: StartOptions): Promise<Run>;
  /**
   * Writes stream `id` to `follower` from its cursor (`lastEventId`, default the
   * session's): exactly the events after it, then the live ones, then the end event;
   * then closes the session. Resolves with the final state, or undefined when the
   * follower left first or the stream is unknown or expired (the session is closed).
   */
  follow(
    follower: Follower,
    id: string,
    options?: { lastEventId?: string },
  ): Promise<FinalState | undefined>;
  /** The status to answer a follower's request with (see {@link Decision}). */
  decide(id: string, lastEventId: string): Promise<Decision>;
  /** Stops stream `id` wherever its producer runs. Resolves with its final state (undefined: unknown). */
  stop(id: string, reason?: string): Promise<FinalState | undefined>;
  /** Live counters. */
  stats(): ResumableStats;
  /** Stops following (sessions are closed) and closes the store; running producers are stopped. */
  close(): Promise<void>;
}

/** The defaults of {@link ResumableOptions}. */
export const RESUMABLE_DEFAULTS = {
  endEvent: 'end',
  batch: 256,
  maxHeld: 1_024,
  maxPending: 1_024,
} as const;

/** Most bytes of frames joined into one write to a follower. */
const MAX_WRITE = 64 * 1024;

/** Entries of a follower's first read from the store. */
const FIRST_READ = 32;

/** The cursor a Last-Event-ID names: '' is the start, otherwise a seq of this stream. */
export function parseCursor(lastEventId: string): number | undefined {
  if (lastEventId === '') return 0;
  if (!/^(0|[1-9][0-9]{0,14})$/.test(lastEventId)) return undefined;
  return Number(lastEventId);
}

/**
 * Creates the resumable streams of one process. Followers wait for the store's watch
 * (no polling) and re-read the store whenever they see a gap, so every follower gets
 * every entry exactly once and in order, whatever the store's notifications do.
 */
export function createResumableStreams(options: ResumableOptions = {}): ResumableStreams {
  const o = { ...RESUMABLE_DEFAULTS, ...options };
  const store = options.store ?? createMemoryStore();
  const onError =
    options.onError ??
    ((error: unknown, id: string) => console.error(`[@sse/resumable] ${id}`, error));
  for (const name of ['batch', 'maxHeld', 'maxPending'] as const) {
    if (!(Number.isSafeInteger(o[name]) && o[name] >= 1)) {
      throw new RangeError(`${name} must be an integer >= 1, got ${o[name]}`);
    }
  }
  encode({ event: o.endEvent }); // throws INVALID_EVENT early for a bad name
  const encoder = new TextEncoder();
  /** Frames by entry object: one encode for every local follower of the same entry. */
  const frames = new WeakMap<StreamEntry, Uint8Array>();
  const producers = new Map<string, AbortController>();
  const followers = new Set<Follower>();
  let closing = false;

  const frameOf = (entry: StreamEntry): Uint8Array => {
    let frame = frames.get(entry);
    if (frame === undefined) {
      const message: Message =
        entry.kind === 'event'
          ? { ...entry.message, id: String(entry.seq) }
          : {
              event: o.endEvent,
              data: JSON.stringify(
                entry.reason === undefined
                  ? { state: entry.state }
                  : { state: entry.state, reason: entry.reason },
              ),
              id: String(entry.seq),
            };
      frame = encoder.encode(encode(message));
      frames.set(entry, frame);
    }
    return frame;
  };

  /** Writes one frame at the follower's pace; false when the follower is gone. */
  async function write(follower: Follower, frame: Uint8Array): Promise<boolean> {
    let room = follower.writable?.(frame.byteLength) ?? true;
    while (room !== true) {
      if (room === false) return false;
      await room;
      room = follower.writable?.(frame.byteLength) ?? true;
    }
    const sent = follower.sendEncoded(frame);
    return sent === true || (sent !== false && (await sent));
  }

  /**
   * Writes entries (contiguous, in order) at the follower's pace, their frames joined into
   * writes of up to {@link MAX_WRITE} bytes. Resolves null to go on, or the value `follow`
   * returns: undefined when the follower is gone, the final state after the end entry
   * (the session is then closed).
   */
  async function writeRun(
    follower: Follower,
    run: readonly StreamEntry[],
  ): Promise<FinalState | undefined | null> {
    let parts: Uint8Array[] = [];
    let size = 0;
    const send = async (): Promise<boolean> => {
      if (size === 0) return true;
      let chunk = parts[0] as Uint8Array;
      if (parts.length > 1) {
        chunk = new Uint8Array(size);
        let at = 0;
        for (const part of parts) {
          chunk.set(part, at);
          at += part.byteLength;
        }
      }
      parts = [];
      size = 0;
      return write(follower, chunk);
    };
    for (const entry of run) {
      const frame = frameOf(entry);
      if (size > 0 && size + frame.byteLength > MAX_WRITE && !(await send())) return undefined;
      parts.push(frame);
      size += frame.byteLength;
    }
    if (!(await send())) return undefined;
    const last = run.at(-1);
    if (last?.kind === 'end') {
      follower.close();
      return last.state;
    }
    return null;
  }

  async function follow(
    follower: Follower,
    id: string,
    options: { lastEventId?: string } = {},
  ): Promise<FinalState | undefined> {
    checkStreamId(id);
    const cursorText = options.lastEventId ?? follower.lastEventId;
    let cursor = parseCursor(cursorText);
    if (cursor === undefined) {
      follower.close();
      throw new SSEError(
        'INVALID_ID',
        `Last-Event-ID ${JSON.stringify(cursorText)} is not a cursor of stream ${id}.`,
      );
    }
    const held: StreamEntry[] = [];
    let head = 0;
    let overflow = false;
    let wake: (() => void) | undefined;
    const unwatch = await store.watch(id, (entry) => {
      if (held.length - head >= o.maxHeld) {
        overflow = true;
        held.length = head = 0;
      } else held.push(entry);
      wake?.();
    });
    const onAbort = () => wake?.();
    follower.signal.addEventListener('abort', onAbort);
    followers.add(follower);
    try {
      let needRead = true;
      let reads = 0;
      for (;;) {
        if (!follower.isOpen || closing) return undefined;
        if (needRead) {
          needRead = false;
          // The first read is small, so the first missed event goes out after little work.
          const limit = reads++ === 0 ? Math.min(o.batch, FIRST_READ) : o.batch;
          const result = await store.read(id, cursor, limit);
          if (!result.found) {
            follower.close();
            return undefined;
          }
          const run: StreamEntry[] = [];
          for (const entry of result.entries) {
            if (entry.seq !== cursor + 1) continue;
            run.push(entry);
            cursor = entry.seq;
          }
          const end = await writeRun(follower, run);
          if (end !== null) return end;
          if (result.entries.length === limit) needRead = true;
          continue;
        }
        while (head < held.length && (held[head] as StreamEntry).seq <= cursor) head++;
        if (head < held.length) {
          // Every contiguous held entry goes out in one write.
          const run: StreamEntry[] = [];
          while (head < held.length && (held[head] as StreamEntry).seq === cursor + 1) {
            const entry = held[head++] as StreamEntry;
            run.push(entry);
            cursor = entry.seq;
          }
          if (head < held.length) {
            // A gap (missed notification): the store has it.
            needRead = true;
          }
          held.length = head = 0;
          const end = await writeRun(follower, run);
          if (end !== null) return end;
          continue;
        }
        if (overflow) {
          overflow = false;
          needRead = true;
          continue;
        }
        // Wait for news; with a lease, also look again after it, so a dead producer is declared failed by a read.
        await new Promise<void>((resolve) => {
          wake = resolve;
          if (Number.isFinite(store.leaseMs)) {
            const timer = setTimeout(() => {
              needRead = true;
              resolve();
            }, store.leaseMs);
            (timer as { unref?: () => void }).unref?.();
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          }
        });
        wake = undefined;
      }
    } finally {
      unwatch();
      follower.signal.removeEventListener('abort', onAbort);
      followers.delete(follower);
    }
  }

  const streams: ResumableStreams = {
    async start(id, producer, startOptions = {}) {
      checkStreamId(id);
      if (closing) throw new SSEError('BACKEND_UNAVAILABLE', 'These resumable streams are closed.');
      if (!(await store.create(id))) {
        throw new SSEError(
          'STREAM_EXISTS',
          `A stream with id ${JSON.stringify(id)} exists (running, or kept after its end until its TTL); choose a new id.`,
        );
      }
      const controller = new AbortController();
      producers.set(id, controller);
      const done = pump({
        id,
        store,
        producer,
        controller,
        maxPending: o.maxPending,
        signal: startOptions.signal,
        onError,
      }).finally(() => producers.delete(id));
      startOptions.waitUntil?.(done);
      return { id, signal: controller.signal, done };
    },
    follow,
    async decide(id, lastEventId) {
      checkStreamId(id);
      const cursor = parseCursor(lastEventId);
      if (cursor === undefined) {
        return {
          status: 400,
          error: new SSEError(
            'INVALID_ID',
            `Last-Event-ID ${JSON.stringify(lastEventId)} is not a cursor of stream ${id}.`,
          ),
        };
      }
      const result = await store.read(id, cursor, 1);
      if (!result.found) return { status: 404 };
      if (result.state !== 'running' && result.entries.length === 0) {
        return { status: 204, state: result.state };
      }
      return { status: 200, state: result.state };
    },
    stop(id, reason) {
      checkStreamId(id);
      return store.stop(id, reason);
    },
    stats() {
      return { producers: producers.size, followers: followers.size };
    },
    async close() {
      closing = true;
      for (const follower of followers) follower.close();
      const running = [...producers.keys()];
      await Promise.all(running.map((id) => store.stop(id, 'server shutting down')));
      await store.close();
    },
  };
  return streams;
}
