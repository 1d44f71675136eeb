import type { Message } from '@sse/core';

/**
 * What a session does when its write queue is full because the peer reads slowly:
 * - `disconnect` (default): close the session; the client reconnects with
 *   Last-Event-ID and catches up from history, instead of holding server memory.
 * - `drop-oldest`: discard the oldest whole queued frames to make room (counted in
 *   `droppedCount`), for feeds where only the latest state matters.
 * - `wait`: keep the frame and return a promise from `send` that resolves when the
 *   queue has drained below its limit; a producer that ignores it is still bounded
 *   (see the server README).
 */
export type SlowClientPolicy = 'disconnect' | 'drop-oldest' | 'wait';

/**
 * The result of a send: `true` when the frame was accepted (written or queued),
 * `false` when it was not (session closed, or dropped by policy); a promise of the
 * same under the `wait` policy while the queue is full.
 */
export type SendResult = boolean | Promise<boolean>;

/**
 * One server-side SSE connection, the same whatever the transport. Adapters create
 * it; applications and the hub only ever see this interface.
 */
export interface Session<State = Record<string, unknown>> {
  /** The Last-Event-ID the client sent (header, or `lastEventId` query parameter), or ''. */
  readonly lastEventId: string;
  /** Aborts exactly once when the session ends, for any reason. */
  readonly signal: AbortSignal;
  /** Resolves exactly once when the session ends, for any reason. */
  readonly closed: Promise<void>;
  /** False once the session has ended. */
  readonly isOpen: boolean;
  /** Per-session application state, typed by the caller. */
  readonly state: State;
  /** Bytes waiting in this session's write queue. */
  readonly queuedBytes: number;
  /** Frames discarded by the `drop-oldest` policy so far. */
  readonly droppedCount: number;
  /** Serialises (through @sse/core) and sends one message. */
  send(message: Message): SendResult;
  /**
   * Sends one or more frames that are already serialised, unchanged: the path for
   * encode-once broadcast, where one byte array goes to many sessions.
   */
  sendEncoded(frame: Uint8Array): SendResult;
  /**
   * Pacing for a producer with much to send (the hub's replay): `true` when `bytes`
   * more can be sent now without meeting the slow-client policy, `false` once the
   * session has ended, otherwise a promise that settles to `true` when the transport
   * has taken enough (half the queue free, or all of it for a larger frame) or to
   * `false` when the session ends first. Check again after it settles: other
   * writers share the queue. A producer that waits here is never ended as slow.
   */
  writable(bytes?: number): SendResult;
  /** Sends a comment line, ignored by clients (keeps proxies from timing out). */
  comment(text?: string): SendResult;
  /** Ends the session cleanly after flushing what is queued, within the queue limit. */
  close(): void;
}
