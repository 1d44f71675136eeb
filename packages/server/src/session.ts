import { encode, encodeComment, type Message, SSEError } from '@sse/core';
import { type HeartbeatClock, unrefTimer } from './clock';
import { counters } from './debug';
import type { SessionSink } from './sink';
import { type FactoryStats, observeQueue } from './stats';
import type { SendResult, Session, SlowClientPolicy } from './types';

/** Why a session ended; see `ServerSession.endReason`. */
export type EndReason =
  /** `close()` was called: the stream ended gracefully. */
  | 'closed'
  /** The peer went away (request aborted, response closed, stream cancelled). */
  | 'peer'
  /** A write to the transport threw. */
  | 'error'
  /** The write queue overflowed under the `disconnect` or `wait` policy. */
  | 'slow'
  /** The session reached its maximum age and was closed gracefully. */
  | 'max-age';

/** The limits one session applies; resolved once per factory and shared. */
export interface SessionLimits {
  readonly maxQueueBytes: number;
  readonly waitLimitBytes: number;
  readonly maxBatchBytes: number;
  readonly slowClient: SlowClientPolicy;
  /** The largest frame `send`, `sendEncoded` and `comment` accept, in bytes. */
  readonly maxEventBytes: number;
  /** The owning factory's counters (metrics), when there is a factory. */
  readonly stats?: FactoryStats;
}

/** Callbacks the owning factory gets, so it can count its sessions without closures per session. */
export interface SessionOwner {
  released(session: object): void;
}

/** Fills consumed queue slots so their bytes can be collected. */
const EMPTY = new Uint8Array(0);
/** The queue of every session with nothing waiting: never written to. */
const EMPTY_QUEUE: Uint8Array[] = [];

/** One TextEncoder for the whole process: strings are encoded once, here. */
const utf8 = new TextEncoder();
/** The heartbeat frame, encoded once. */
const HEARTBEAT = utf8.encode(encodeComment());

/**
 * The last message `send` encoded and its bytes, process-wide: a loop that sends one
 * message to many sessions (a broadcast) encodes it once instead of once per session.
 * Only strings and a number are ever remembered (encode refuses anything else), so a
 * hit always means the same wire bytes. One record, overwritten on each miss: nothing
 * is allocated for it per send.
 */
const last: Message = {};
let lastFrame: Uint8Array | undefined;

/**
 * The frame for `message`, from the one-entry cache when it matches field by field.
 * Each field is read once: what is compared, encoded and remembered is the same value,
 * so a getter that answers differently on each read cannot pair a frame with fields it
 * was not made from.
 */
function frameOf(message: Message): Uint8Array {
  const { data, event, id, retry, comment } = message;
  if (
    lastFrame !== undefined &&
    data === last.data &&
    id === last.id &&
    event === last.event &&
    retry === last.retry &&
    comment === last.comment
  ) {
    return lastFrame;
  }
  // Encoded from the values read above, never from `message` again.
  const frame = utf8.encode(encode({ data, event, id, retry, comment }));
  last.data = data;
  last.id = id;
  last.event = event;
  last.retry = retry;
  last.comment = comment;
  lastFrame = frame;
  return frame;
}

/** Batches waiting for the end of the current tick; one microtask flushes them all. */
let dirty: { flush(): void }[] = [];
let flushScheduled = false;

function flushDirty(): void {
  const list = dirty;
  dirty = [];
  flushScheduled = false;
  for (const session of list) session.flush();
}

/**
 * What few sessions ever use (state, drops, timers, waiters, linked signals), in one
 * object made on first need, so an idle session carries a single empty slot for it.
 */
interface SessionExtras<State> {
  state: State | undefined;
  droppedCount: number;
  ageTimer: ReturnType<typeof setTimeout> | number | undefined;
  closedPromise: Promise<void> | undefined;
  resolveClosed: (() => void) | undefined;
  drainPromise: Promise<boolean> | undefined;
  resolveDrain: ((value: boolean) => void) | undefined;
  roomPromise: Promise<boolean> | undefined;
  resolveRoom: ((value: boolean) => void) | undefined;
  cause: unknown;
  peerSignal: AbortSignal | undefined;
  closeSignal: AbortSignal | undefined;
}

function newExtras<State>(): SessionExtras<State> {
  return {
    state: undefined,
    droppedCount: 0,
    ageTimer: undefined,
    closedPromise: undefined,
    resolveClosed: undefined,
    drainPromise: undefined,
    resolveDrain: undefined,
    roomPromise: undefined,
    resolveRoom: undefined,
    cause: undefined,
    peerSignal: undefined,
    closeSignal: undefined,
  };
}

function expire(session: ServerSession<unknown>): void {
  session.extras().ageTimer = undefined;
  counters.ageTimers--;
  session.finish('max-age');
}

/**
 * The typed error for a frame over `maxEventBytes`: refused when sent, because a client
 * whose decoder limits it exceeds would fail the whole stream for good on it.
 */
function eventTooLarge(size: number, limit: number): SSEError {
  return new SSEError(
    'EVENT_TOO_LARGE',
    `An event of ${size} bytes exceeds maxEventBytes (${limit}); clients with the default decoder limits would fail the stream on it. Split it into smaller events, or raise maxEventBytes together with the clients' maxLineLength and maxEventSize.`,
  );
}

function reasonError(reason: EndReason, cause: unknown): SSEError {
  if (reason === 'slow') {
    return new SSEError(
      'QUEUE_FULL',
      'The session ended because its client read too slowly and the write queue filled up (raise maxQueueBytes or pick another slowClient policy).',
    );
  }
  if (reason === 'error') {
    const detail = cause instanceof Error ? `: ${cause.message}` : '';
    return new SSEError(
      'WRITE_FAILED',
      `The session ended after a failure (a transport write or the session handler)${detail}.`,
      { cause },
    );
  }
  return new SSEError('SESSION_CLOSED', `The session ended (${reason}).`);
}

/**
 * The one `Session` implementation, bound to any transport through a `SessionSink`.
 * Frames sent in the same tick are coalesced into one write (up to `maxBatchBytes`);
 * while the transport pushes back, frames wait in a queue bounded by
 * `maxQueueBytes`, and the slow-client policy decides what happens past it.
 * The abort signal, the closed promise and the state object are created only
 * when first asked for, so an idle session costs little memory.
 */
export class ServerSession<State = Record<string, unknown>> implements Session<State> {
  readonly lastEventId: string;
  /** Why the session ended, or undefined while it is open. */
  endReason: EndReason | undefined;
  /** @internal The clock tick of the last write (read by the shared heartbeat clock). */
  lastWriteTick = 0;

  private _queuedBytes = 0;
  /** Frames not yet handed to the transport; `head` is the index of the oldest. */
  private queue: Uint8Array[] = EMPTY_QUEUE;
  private head = 0;
  /** Whether the transport takes bytes now (false after a refused write, until `drain()`). */
  private sinkReady: boolean;
  private scheduled = false;
  private controller: AbortController | undefined;
  private extra: SessionExtras<State> | undefined;

  /**
   * Adapters call this (through a factory's `open`). `writable` says whether the
   * transport accepts bytes right now: false for a web stream until its first pull.
   */
  constructor(
    private readonly sink: SessionSink,
    private readonly limits: SessionLimits,
    lastEventId: string,
    writable: boolean,
    private readonly owner?: SessionOwner,
    private readonly clock?: HeartbeatClock,
    private readonly makeState?: () => State,
  ) {
    this.lastEventId = lastEventId;
    this.sinkReady = writable;
    counters.sessions++;
    if (clock) clock.add(this);
  }

  get isOpen(): boolean {
    return this.endReason === undefined;
  }

  get queuedBytes(): number {
    return this._queuedBytes;
  }

  get droppedCount(): number {
    return this.extra === undefined ? 0 : this.extra.droppedCount;
  }

  get state(): State {
    const extra = this.extras();
    if (extra.state === undefined) {
      extra.state = this.makeState ? this.makeState() : ({} as State);
    }
    return extra.state;
  }

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      if (this.endReason !== undefined) return AbortSignal.abort(this.reason());
      this.controller = new AbortController();
    }
    return this.controller.signal;
  }

  get closed(): Promise<void> {
    if (this.endReason !== undefined && this.extra?.closedPromise === undefined) {
      return Promise.resolve();
    }
    const extra = this.extras();
    if (extra.closedPromise === undefined) {
      extra.closedPromise = new Promise((resolve) => {
        extra.resolveClosed = resolve;
      });
    }
    return extra.closedPromise;
  }

  send(message: Message): SendResult {
    if (this.endReason !== undefined) return false;
    const frame = this.sized(frameOf(message));
    if (this.limits.stats) this.limits.stats.events++;
    return this.enqueue(frame);
  }

  sendEncoded(frame: Uint8Array): SendResult {
    if (this.endReason !== undefined) return false;
    this.sized(frame);
    if (this.limits.stats) this.limits.stats.events++;
    return this.enqueue(frame);
  }

  comment(text?: string): SendResult {
    if (this.endReason !== undefined) return false;
    return this.enqueue(text ? this.sized(utf8.encode(encodeComment(text))) : HEARTBEAT);
  }

  /** @internal The factory queues the stream's first frame here: not an event, not counted. */
  start(frame: Uint8Array): void {
    this.enqueue(frame);
  }

  /** `frame`, or the `EVENT_TOO_LARGE` error thrown when it passes `maxEventBytes`. */
  private sized(frame: Uint8Array): Uint8Array {
    if (frame.byteLength > this.limits.maxEventBytes) {
      throw eventTooLarge(frame.byteLength, this.limits.maxEventBytes);
    }
    return frame;
  }

  /**
   * Ends the session gracefully: what is queued is handed to the transport (at most
   * `maxQueueBytes`, already counted) and the response ends.
   */
  close(): void {
    this.finish('closed');
  }

  writable(bytes = 0): SendResult {
    if (this.endReason !== undefined) return false;
    if (this.fits(bytes)) return true;
    const extra = this.extras();
    if (extra.roomPromise === undefined) {
      extra.roomPromise = new Promise((resolve) => {
        extra.resolveRoom = resolve;
      });
    }
    return extra.roomPromise;
  }

  /** Whether `bytes` more would be accepted now without meeting the slow-client policy. */
  private fits(bytes: number): boolean {
    return (
      this._queuedBytes + bytes <= this.limits.maxQueueBytes ||
      (this.sinkReady && this._queuedBytes === 0)
    );
  }

  /** @internal Called by the heartbeat clock; skipped while bytes are still waiting. */
  heartbeat(): void {
    if (this._queuedBytes !== 0 || this.endReason !== undefined) return;
    if (this.limits.stats) this.limits.stats.heartbeats++;
    this.enqueue(HEARTBEAT);
  }

  /** For adapters: the transport can take bytes again (socket 'drain', stream pull). */
  drain(): void {
    if (this.endReason !== undefined) return;
    this.sinkReady = true;
    this.flush();
  }

  /** For adapters: the peer is gone (closed connection, aborted request, cancelled stream). */
  peerGone(): void {
    this.finish('peer');
  }

  /** For adapters: the transport failed; ends the session with reason `'error'`. */
  fail(cause: unknown): void {
    this.extras().cause = cause;
    this.finish('error');
  }

  private enqueue(frame: Uint8Array): SendResult {
    const size = frame.byteLength;
    const { maxQueueBytes } = this.limits;
    if (this._queuedBytes + size > maxQueueBytes) {
      // What waits for the end of the tick is not yet the peer's fault: write it first.
      if (this.sinkReady) this.flush();
      if (this.endReason !== undefined) return false;
      if (this.sinkReady && this._queuedBytes === 0) {
        // The transport still accepts bytes: a frame larger than the queue goes straight out.
        this.push(frame);
        this.flush();
        return this.endReason === undefined;
      }
      if (this._queuedBytes + size > maxQueueBytes) return this.overflow(frame);
    }
    this.push(frame);
    return true;
  }

  private push(frame: Uint8Array): void {
    // Idle sessions share one empty array; a session holds its own only while frames wait.
    if (this.queue === EMPTY_QUEUE) this.queue = [frame];
    else this.queue.push(frame);
    this._queuedBytes += frame.byteLength;
    if (!this.scheduled && this.sinkReady) {
      this.scheduled = true;
      dirty.push(this);
      if (!flushScheduled) {
        flushScheduled = true;
        queueMicrotask(flushDirty);
      }
    }
  }

  private overflow(frame: Uint8Array): SendResult {
    const { slowClient, maxQueueBytes, waitLimitBytes } = this.limits;
    if (slowClient === 'drop-oldest') {
      const queue = this.queue;
      while (this.head < queue.length && this._queuedBytes + frame.byteLength > maxQueueBytes) {
        this._queuedBytes -= queue[this.head]!.byteLength;
        queue[this.head++] = EMPTY;
        this.extras().droppedCount++;
        if (this.limits.stats) this.limits.stats.dropped++;
      }
      this.compact();
      if (this._queuedBytes + frame.byteLength > maxQueueBytes) {
        this.extras().droppedCount++;
        if (this.limits.stats) this.limits.stats.dropped++;
        return false;
      }
      this.push(frame);
      return true;
    }
    if (slowClient === 'wait' && this._queuedBytes + frame.byteLength <= waitLimitBytes) {
      this.push(frame);
      const extra = this.extras();
      if (extra.drainPromise === undefined) {
        extra.drainPromise = new Promise((resolve) => {
          extra.resolveDrain = resolve;
        });
      }
      return extra.drainPromise;
    }
    this.finish('slow');
    return false;
  }

  /** Drops consumed slots at the front once they are the larger part of the array. */
  private compact(): void {
    if (this.head === this.queue.length) {
      this.queue = EMPTY_QUEUE;
      this.head = 0;
    } else if (this.head > 64 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
  }

  /** Takes up to `maxBatchBytes` of whole frames off the queue as one chunk. */
  private takeBatch(limit: number): Uint8Array {
    const queue = this.queue;
    const first = queue[this.head]!;
    let end = this.head + 1;
    let total = first.byteLength;
    while (end < queue.length && total + queue[end]!.byteLength <= limit) {
      total += queue[end]!.byteLength;
      end++;
    }
    let chunk = first;
    if (end > this.head + 1) {
      chunk = new Uint8Array(total);
      let offset = 0;
      for (let i = this.head; i < end; i++) {
        chunk.set(queue[i]!, offset);
        offset += queue[i]!.byteLength;
        queue[i] = EMPTY;
      }
    } else {
      queue[this.head] = EMPTY;
    }
    this.head = end;
    this._queuedBytes -= total;
    this.compact();
    return chunk;
  }

  /** @internal Writes queued frames while the transport accepts them. */
  flush(): void {
    this.scheduled = false;
    while (this.sinkReady && this.endReason === undefined && this.head < this.queue.length) {
      const chunk = this.takeBatch(this.limits.maxBatchBytes);
      if (this.clock) this.lastWriteTick = this.clock.ticks;
      let accepted: boolean;
      try {
        accepted = this.sink.write(chunk);
      } catch (error) {
        this.fail(error);
        return;
      }
      const stats = this.limits.stats;
      if (stats) stats.bytes += chunk.byteLength;
      if (!accepted) {
        this.sinkReady = false;
        if (stats) observeQueue(stats, this._queuedBytes);
      }
    }
    if (this.extra?.resolveDrain !== undefined && this._queuedBytes <= this.limits.maxQueueBytes) {
      this.settleDrain(true);
    }
    // Writers paced by `writable()` go on once half the queue is free (or it is empty and
    // the transport takes bytes), so they write in batches rather than one frame per drain.
    if (
      this.extra?.resolveRoom !== undefined &&
      (this._queuedBytes <= this.limits.maxQueueBytes / 2 ||
        (this.sinkReady && this._queuedBytes === 0))
    ) {
      this.settleRoom(true);
    }
  }

  private settleRoom(value: boolean): void {
    const extra = this.extra;
    if (extra === undefined) return;
    const resolve = extra.resolveRoom;
    extra.roomPromise = undefined;
    extra.resolveRoom = undefined;
    resolve?.(value);
  }

  private settleDrain(value: boolean): void {
    const extra = this.extra;
    if (extra === undefined) return;
    const resolve = extra.resolveDrain;
    extra.drainPromise = undefined;
    extra.resolveDrain = undefined;
    resolve?.(value);
  }

  private reason(): SSEError {
    return reasonError(this.endReason ?? 'closed', this.extra?.cause);
  }

  /** @internal Ends the session exactly once and releases everything it holds. */
  finish(reason: EndReason): void {
    if (this.endReason !== undefined) return;
    this.endReason = reason;
    const graceful = reason === 'closed' || reason === 'max-age';
    if (graceful) {
      // Hand over what is queued (bounded by the queue limit), ignoring backpressure.
      try {
        while (this.head < this.queue.length) {
          const chunk = this.takeBatch(Infinity);
          this.sink.write(chunk);
          if (this.limits.stats) this.limits.stats.bytes += chunk.byteLength;
        }
      } catch {
        // The peer is already gone: nothing left to deliver.
      }
    }
    this.queue = EMPTY_QUEUE;
    this.head = 0;
    this._queuedBytes = 0;
    if (this.clock) this.clock.delete(this);
    const extra = this.extra;
    if (extra !== undefined) {
      if (extra.ageTimer !== undefined) {
        clearTimeout(extra.ageTimer);
        extra.ageTimer = undefined;
        counters.ageTimers--;
      }
      if (extra.peerSignal !== undefined) {
        extra.peerSignal.removeEventListener('abort', this);
        extra.peerSignal = undefined;
      }
      if (extra.closeSignal !== undefined) {
        extra.closeSignal.removeEventListener('abort', this);
        extra.closeSignal = undefined;
      }
    }
    counters.sessions--;
    this.owner?.released(this);
    // One error for the transport and the signal (made only when one of them needs it).
    const error = graceful && this.controller === undefined ? undefined : this.reason();
    try {
      if (graceful) this.sink.end();
      else this.sink.abort(error!);
    } catch {
      // Ending a transport that already failed is not an error of this session.
    }
    this.settleDrain(false);
    this.settleRoom(false);
    this.controller?.abort(error);
    this.extra?.resolveClosed?.();
  }

  /**
   * Ends the session when `signal` aborts: a request's signal with reason
   * `'peer'`, an application's shutdown signal with reason `'closed'` (one of
   * each). The listener is the session itself (`handleEvent`), removed at the end.
   */
  linkSignal(signal: AbortSignal, reason: 'peer' | 'closed' = 'peer'): void {
    if (this.endReason !== undefined) return;
    if (signal.aborted) {
      this.finish(reason);
      return;
    }
    if (reason === 'peer') this.extras().peerSignal = signal;
    else this.extras().closeSignal = signal;
    signal.addEventListener('abort', this);
  }

  /** @internal The abort listener of `linkSignal`. */
  handleEvent(event: Event): void {
    this.finish(event.target === this.extra?.closeSignal ? 'closed' : 'peer');
  }

  /** @internal The rarely used fields, created on first need. */
  extras(): SessionExtras<State> {
    if (this.extra === undefined) this.extra = newExtras<State>();
    return this.extra;
  }

  /** @internal Schedules the graceful close at maximum age (set by the factory). */
  expireAfter(ms: number): void {
    const extra = this.extras();
    extra.ageTimer = setTimeout(expire, ms, this);
    unrefTimer(extra.ageTimer);
    counters.ageTimers++;
  }
}
