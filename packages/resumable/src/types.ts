import type { Message } from '@sse/core';

/**
 * Where a resumable stream is in its life. It starts `running` and ends exactly once:
 * `ended` (the producer finished), `failed` (it threw, or its process stopped renewing
 * its lease) or `stopped` (someone called `stop(id)`). Followers are told which.
 */
export type StreamState = 'running' | 'ended' | 'failed' | 'stopped';

/** The states a stream can end in. */
export type FinalState = Exclude<StreamState, 'running'>;

/** A message of the answer as the producer gives it (the stream assigns ids). */
export type StreamMessage = Readonly<Omit<Message, 'id' | 'retry'>>;

/**
 * One stored entry of a stream. `seq` counts from 1 without gaps, so it is the event id
 * followers resume from, and a reader can see at once whether it missed one. The last
 * entry of a finished stream is its `end` entry; nothing follows it.
 */
export type StreamEntry =
  | { readonly seq: number; readonly kind: 'event'; readonly message: StreamMessage }
  | {
      readonly seq: number;
      readonly kind: 'end';
      readonly state: FinalState;
      /** Why it failed or was stopped, for people (never the producer's stack). */
      readonly reason?: string;
    };

/** What a read of a stream finds. */
export type ReadResult =
  | {
      /** The stream exists: its state and the entries after the cursor (at most the limit asked). */
      readonly found: true;
      readonly state: StreamState;
      readonly entries: readonly StreamEntry[];
    }
  | {
      /** No such stream: never created, or expired after its TTL. */
      readonly found: false;
    };

/**
 * Where resumable streams live. The in-memory store serves one process; the Redis one
 * (`@sse/redis`) serves many, so a follower may be on another process than the
 * producer. Each stream has exactly one writer (its producer), except for the end entry,
 * which `finish` writes at most once whoever calls it first.
 */
export interface ResumableStore {
  /** Creates a running stream; `false` when the id is taken (running or still kept after its end). */
  create(id: string): Promise<boolean>;
  /**
   * Appends events as seq `first`, `first + 1`, ... Rejects with `STREAM_FINISHED`
   * when the stream is no longer running (stopped from elsewhere, or declared failed
   * after a lost lease): the producer must stop.
   */
  append(id: string, first: number, messages: readonly StreamMessage[]): Promise<void>;
  /**
   * Writes the end entry unless the stream already has one, and starts the TTL after
   * which it expires. Resolves to the state the stream ended in (the earlier one when
   * it had ended already), or undefined when the stream does not exist.
   */
  finish(id: string, state: FinalState, reason?: string): Promise<FinalState | undefined>;
  /** The producer's keepalive: renews its lease. Resolves `false` once the stream is no longer running. */
  renew(id: string): Promise<boolean>;
  /**
   * The entries after seq `after`, at most `limit` of them. A running stream whose
   * producer's lease has lapsed is ended as `failed` here first, so nobody waits for a
   * dead producer.
   */
  read(id: string, after: number, limit: number): Promise<ReadResult>;
  /**
   * Calls `listener` with entries of `id` appended from now on, as they come; it may miss
   * some (a reconnecting network store) or see one twice, so followers check `seq` and
   * fill a gap with `read`. Resolves, once entries are being watched, to a stop function.
   */
  watch(id: string, listener: (entry: StreamEntry) => void): Promise<() => void>;
  /** Calls `listener` once when `stop(id)` is requested anywhere. Returns a stop function. */
  onStop(id: string, listener: () => void): () => void;
  /** Ends the stream as `stopped` (through `finish`) and tells its producer, wherever it runs. */
  stop(id: string, reason?: string): Promise<FinalState | undefined>;
  /** How long a producer's lease lasts, in ms: a producer silent this long is declared `failed`. */
  readonly leaseMs: number;
  /** Releases connections and timers; live streams are left as they are in the store. */
  close(): Promise<void>;
}
