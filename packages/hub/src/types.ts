import type { Message } from '@sse/core';
import type { Session } from '@sse/server';

/**
 * What a backend stores and fans out for one published event. The hub encodes it
 * once per process and caches the bytes by object identity, so every subscriber
 * (live or replaying from the in-memory history) gets the same bytes.
 */
export interface HubEvent {
  /** The event id the backend assigned: ordered across every topic of one backend. */
  readonly id: string;
  /** The topic the event was published to. */
  readonly topic: string;
  /** The message as published, without `id` (the backend assigns it). */
  readonly message: Readonly<Omit<Message, 'id'>>;
}

/** The answer to a replay query: what came after a cursor, or a reset when that cannot be known. */
export type RangeResult =
  | {
      /** The cursor is still covered by history: these events follow it, in id order. */
      readonly reset: false;
      readonly events: readonly HubEvent[];
    }
  | {
      /** The cursor is older than the retained history, or from another epoch (stale). */
      readonly reset: true;
      /** Why: `expired` (trimmed by the history limits), `stale` (unknown to this backend). */
      readonly reason: 'expired' | 'stale';
    };

/**
 * Where a hub stores events and learns about them. The in-memory backend serves one
 * process; `@sse/redis` serves many. Every event appended anywhere reaches every
 * listener of every hub on the backend, exactly once and in id order.
 */
export interface Backend {
  /** Stores one event and returns its id; listeners learn of it through `listen`. */
  append(topic: string, message: Omit<Message, 'id'>): Promise<string>;
  /**
   * The events after `cursor` (exclusive) whose topic is in `topics`, in id order,
   * or a reset when the cursor is no longer covered by the retained history.
   */
  range(cursor: string, topics: ReadonlySet<string>): Promise<RangeResult>;
  /**
   * Resolves once `position()` is known (at once for the in-memory backend; after
   * the first read of a network backend), or rejects with `BACKEND_UNAVAILABLE`.
   */
  ready(): Promise<void>;
  /**
   * The id of the newest event already handed to listeners (an origin id before the
   * first), read synchronously: every event after it reaches the listeners later. A
   * subscriber registered at the same moment starts exactly there. Undefined until
   * `ready()` has resolved.
   */
  position(): string | undefined;
  /** Calls `listener` for every event appended from now on, in id order. Returns a stop function. */
  listen(listener: (event: HubEvent) => void): () => void;
  /** Orders two ids of this backend: negative, zero or positive. */
  compare(a: string, b: string): number;
  /** Releases connections and timers. */
  close(): Promise<void>;
}

/**
 * The part of a `Session` the hub uses. Every adapter's session satisfies it; a
 * benchmark or test can pass a lighter object to subscribe without HTTP. Without
 * `writable`, a replay is handed over in one go instead of at the transport's pace.
 */
export type Subscriber = Pick<Session, 'lastEventId' | 'signal' | 'isOpen' | 'sendEncoded'> &
  Partial<Pick<Session, 'writable'>>;
