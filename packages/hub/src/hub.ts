import { checkMessage, DEFAULT_MAX_LINE_LENGTH, encode, type Message, SSEError } from '@sse/core';
import { FrameCache, type HubErrorHandler, logSkipped } from './frames';
import type { HistoryLimits } from './history';
import { createMemoryBackend } from './memory';
import type { Backend, HubEvent, Subscriber } from './types';
import { utf8Length } from './utf8';

/** What the authorisation hook is asked: may this subscriber receive this topic? */
export interface AuthorizeContext {
  /** The session (or other subscriber) that wants the topic. */
  readonly subscriber: Subscriber;
  /** One topic of the subscription; the hook is asked once per topic. */
  readonly topic: string;
  /** Whatever the caller passed as `context` to `subscribe` (a user, a token...). */
  readonly context: unknown;
}

/** Options of {@link createHub}; every one has a default. */
export interface HubOptions {
  /** Where events are stored and fanned out. Default: a new in-memory backend. The hub owns it and closes it in `close()`. */
  backend?: Backend;
  /** History limits of the default in-memory backend. Give a custom backend its own limits instead. */
  history?: HistoryLimits;
  /** The event type of the in-band reset sent when a cursor cannot be resumed. Default `'reset'`. */
  resetEvent?: string;
  /**
   * How a client tells topics apart on one connection. `'event'` (default): a message
   * published without an `event` field is sent with the topic as its event type.
   * `'none'`: messages are sent as published.
   */
  topicField?: 'event' | 'none';
  /** Asked once per topic of every subscription; `false` refuses it with `UNAUTHORIZED`. Default: allow all. */
  authorize?: (ctx: AuthorizeContext) => boolean | Promise<boolean>;
  /**
   * Most live events held for one subscriber while its replay is read. Beyond it the
   * held events are discarded and the subscriber gets a reset instead. Default 10,000.
   */
  maxHeldEvents?: number;
  /**
   * Told about each event the hub skips, once per event id: one that cannot be encoded
   * (a bad entry written to the backend by something else), or one the backend
   * delivered out of id order. It is skipped for every subscriber and counted in
   * `skipped`. Default: one line on `console.error`.
   */
  onError?: HubErrorHandler;
  /**
   * Largest event `publish` accepts, in bytes of its encoded frame (with the topic as
   * event type and an id line of up to {@link ID_RESERVE} bytes). Larger events are
   * refused with `EVENT_TOO_LARGE` before they are stored: a session would refuse them
   * for every subscriber, and a client with default limits would fail its stream on
   * them. Default 8 MiB, the same as the server's `maxEventBytes` and the core
   * decoder's default line limit.
   */
  maxEventBytes?: number;
}

/** Bytes reserved for the `id:` line when `publish` checks an event's size; backend ids are far shorter. */
export const ID_RESERVE = 256;

/** Options of one subscription. */
export interface SubscribeOptions {
  /** The cursor to resume after. Default: the session's `lastEventId`; '' means live only. */
  lastEventId?: string;
  /** Passed to the `authorize` hook unchanged. */
  context?: unknown;
}

/** One subscriber's interest in some topics; ends by itself when its session ends. */
export interface Subscription {
  /** The topics this subscription receives. */
  readonly topics: readonly string[];
  /** True once unsubscribed (explicitly, by the session ending, or by `hub.close()`). */
  readonly closed: boolean;
  /** Stops delivery to this subscriber. Idempotent. */
  unsubscribe(): void;
}

/** Counters since the hub was created, for dashboards and benchmarks. */
export interface HubStats {
  /** Live subscriptions per topic (topics without subscribers are left out). */
  topics: Record<string, { subscribers: number }>;
  /** Live subscriptions. */
  subscriptions: number;
  /** Successful `publish` calls on this hub. */
  published: number;
  /** Live frames accepted by sessions (written or queued). */
  delivered: number;
  /** Frames (live or replayed) refused by sessions: closed, or discarded by their slow-client policy. */
  dropped: number;
  /** Frames sent from history to resuming subscribers. */
  replayed: number;
  /** Reset events sent because a cursor could not be resumed. */
  resets: number;
  /** Events skipped (cannot be encoded, or delivered out of id order), once per event id (see `onError`). */
  skipped: number;
}

/** Broadcast to many sessions: encode once, write N, with lossless Last-Event-ID replay. */
export interface Hub {
  /** Stores and fans out one message (without `id`: the backend assigns it). Resolves to the event id. */
  publish(topic: string, message: Omit<Message, 'id'>): Promise<string>;
  /** Subscribes a session to one or more topics, replaying from its cursor first. */
  subscribe(
    subscriber: Subscriber,
    topics: string | readonly string[],
    options?: SubscribeOptions,
  ): Promise<Subscription>;
  /** A snapshot of the counters. */
  stats(): HubStats;
  /** Ends every subscription (sessions stay open) and closes the backend. */
  close(): Promise<void>;
}

/** A plain copy of the message's fields, each read once (no `id`: the backend assigns it). */
function snapshot(message: Omit<Message, 'id'>): Omit<Message, 'id'> {
  const { data, event, retry, comment } = message;
  const copy: Omit<Message, 'id'> = {};
  if (data !== undefined) copy.data = data;
  if (event !== undefined) copy.event = event;
  if (retry !== undefined) copy.retry = retry;
  if (comment !== undefined) copy.comment = comment;
  return copy;
}

/**
 * Throws `EVENT_TOO_LARGE` when the frame of `wire` (plus an id line) passes `limit`.
 * Bytes are counted only when three bytes per UTF-16 unit could pass the limit, so a
 * small event costs one string build.
 */
function checkSize(wire: Omit<Message, 'id'>, limit: number): void {
  const text = encode(wire);
  const budget = limit - ID_RESERVE;
  if (text.length * 3 <= budget) return;
  const size = utf8Length(text);
  if (size > budget) {
    throw new SSEError(
      'EVENT_TOO_LARGE',
      `An event of ${size} bytes (plus its id) exceeds the hub's maxEventBytes (${limit}); sessions and clients with default limits would refuse it. Split it into smaller events, or raise maxEventBytes together with the sessions' maxEventBytes and the clients' limits.`,
    );
  }
}

/** Longest topic name accepted. */
export const MAX_TOPIC_LENGTH = 256;

/** Rejects topics that cannot travel as an event type: empty, too long, or with a line break. */
function checkTopic(topic: unknown): asserts topic is string {
  if (
    typeof topic !== 'string' ||
    topic.length === 0 ||
    topic.length > MAX_TOPIC_LENGTH ||
    /[\r\n\0]/.test(topic)
  ) {
    throw new SSEError(
      'INVALID_TOPIC',
      `A topic must be a string of 1 to ${MAX_TOPIC_LENGTH} characters without CR, LF or NULL, got ${JSON.stringify(topic)}.`,
    );
  }
}

const closedError = () =>
  new SSEError(
    'BACKEND_UNAVAILABLE',
    'The hub is closed. Create a new hub to publish or subscribe.',
  );

interface Sub {
  readonly subscriber: Subscriber;
  readonly topics: readonly string[];
  /** Live events arriving while the replay is written, written after it; null once live. */
  held: HubEvent[] | null;
  /** Set when `held` overflowed: the catch-up stops and sends a reset instead. */
  overflowed: boolean;
  /** Id of the newest live event seen while held, kept after an overflow for the reset. */
  newest: string;
  /**
   * Id of the last event written (or the cursor or head the subscriber starts from):
   * nothing at or before it is written again, whatever order the backend's reads and
   * listener deliveries come in. Undefined before there is one.
   */
  last: string | undefined;
  /**
   * True once a live event passed the comparison with `last`: every later delivery is
   * newer (the hub drops deliveries that are not), so `last` is neither checked nor
   * kept up to date any more (the fan-out stays cheap).
   */
  inStep: boolean;
  /** Wakes a catch-up waiting for the transport when it has to stop (overflow, unsubscribe). */
  wake: (() => void) | undefined;
  closed: boolean;
  /** Removes the subscription when the session ends. */
  readonly onEnd: () => void;
}

/**
 * Creates a hub. Events are encoded once per process into one `Uint8Array` that every
 * subscriber's `sendEncoded` receives; a publish hands frames to the sessions' own
 * bounded queues and never waits for any of them.
 */
export function createHub(options: HubOptions = {}): Hub {
  if (options.backend && options.history) {
    throw new TypeError(
      'history configures the default in-memory backend; configure your backend instead',
    );
  }
  const backend = options.backend ?? createMemoryBackend({ history: options.history });
  const resetEvent = options.resetEvent ?? 'reset';
  checkMessage({ event: resetEvent }); // throws INVALID_EVENT early for a bad name
  const topicAsEvent = (options.topicField ?? 'event') === 'event';
  const authorize = options.authorize;
  const maxHeld = options.maxHeldEvents ?? 10_000;
  if (!(Number.isSafeInteger(maxHeld) && maxHeld >= 0)) {
    throw new RangeError(`maxHeldEvents must be an integer >= 0, got ${maxHeld}`);
  }
  const maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_LINE_LENGTH;
  if (!(Number.isSafeInteger(maxEventBytes) && maxEventBytes > ID_RESERVE)) {
    throw new RangeError(`maxEventBytes must be an integer > ${ID_RESERVE}, got ${maxEventBytes}`);
  }
  const encoder = new TextEncoder();
  const cache = new FrameCache(topicAsEvent, options.onError ?? logSkipped);
  const byTopic = new Map<string, Set<Sub>>();
  const counters = { published: 0, delivered: 0, dropped: 0, replayed: 0, resets: 0 };
  let subscriptions = 0;
  let closed = false;
  /** The newest id the listener has delivered; a delivery at or before it is dropped. */
  let listened: string | undefined;

  /** Whether `event` comes after everything `sub` has been sent (and so must be sent). */
  const isNew = (sub: Sub, event: HubEvent): boolean =>
    sub.last === undefined || backend.compare(event.id, sub.last) > 0;

  /** Hands a frame to one session without waiting, and counts the outcome. */
  function write(sub: Sub, frame: Uint8Array, kind: 'delivered' | 'replayed' | 'resets'): void {
    let result: ReturnType<Subscriber['sendEncoded']>;
    try {
      result = sub.subscriber.sendEncoded(frame);
    } catch {
      // A broken session must not stop the fan-out to the others; it is counted.
      counters.dropped++;
      return;
    }
    if (result === true) counters[kind]++;
    else if (result === false) counters.dropped++;
    else
      result.then(
        (ok) => counters[ok ? kind : 'dropped']++,
        () => counters.dropped++,
      );
  }

  function onEvent(event: HubEvent): void {
    if (listened !== undefined && backend.compare(event.id, listened) <= 0) {
      // The backend broke its promise (each event once, in id order): sending this would
      // repeat an event or go backwards for someone. Skipped, counted and reported.
      cache.reportOutOfOrder(event, listened);
      return;
    }
    listened = event.id;
    const subs = byTopic.get(event.topic);
    if (subs === undefined) return;
    // Encoded once, shared by all (undefined: it cannot be encoded, skipped for everyone).
    const frame = cache.frameOf(event);
    for (const sub of subs) {
      if (sub.held !== null) {
        hold(sub, event);
        continue;
      }
      if (!sub.inStep) {
        // A late delivery of what the replay already sent (a lagging backend reader) is skipped.
        if (!isNew(sub, event)) continue;
        // From here every delivery is newer than what this subscriber got: no more checks,
        // and no per-subscriber write on the hot path.
        sub.inStep = true;
      }
      if (frame !== undefined) write(sub, frame, 'delivered');
    }
  }

  /** Keeps a live event for a subscriber whose catch-up is still being written. */
  function hold(sub: Sub, event: HubEvent): void {
    sub.newest = event.id;
    if (sub.overflowed) return;
    const held = sub.held as HubEvent[];
    if (held.length < maxHeld) held.push(event);
    else {
      sub.overflowed = true;
      held.length = 0;
      sub.wake?.();
    }
  }
  const stopListening = backend.listen(onEvent);

  function remove(sub: Sub): void {
    if (sub.closed) return;
    sub.closed = true;
    sub.wake?.();
    subscriptions--;
    sub.subscriber.signal.removeEventListener('abort', sub.onEnd);
    for (const topic of sub.topics) {
      const subs = byTopic.get(topic);
      subs?.delete(sub);
      if (subs?.size === 0) byTopic.delete(topic);
    }
  }

  function sendReset(sub: Sub, reason: string, head: string): void {
    const message: Message = {
      event: resetEvent,
      data: JSON.stringify({ reason, topics: sub.topics }),
    };
    if (head !== '') message.id = head;
    write(sub, encoder.encode(encode(message)), 'resets');
  }

  /** Waits for the transport, or for the subscription to stop waiting (overflow, unsubscribe). */
  function untilRoom(sub: Sub, room: Promise<boolean>): Promise<void> {
    return new Promise<void>((resolve) => {
      sub.wake = resolve;
      room.then(() => resolve());
    }).finally(() => {
      sub.wake = undefined;
    });
  }

  /**
   * Writes `events` that are newer than `sub.last`, in order, each only once the
   * subscriber's transport has room for it (`writable`), so a reading client takes any
   * replay at its own pace and its queue never holds more than the session's bound.
   * Events that cannot be encoded are skipped (and reported once by the cache). Stops
   * when the subscription ends or its hold overflows.
   */
  async function writePaced(
    sub: Sub,
    events: readonly HubEvent[],
    kind: 'delivered' | 'replayed',
  ): Promise<void> {
    const { subscriber } = sub;
    for (const event of events) {
      if (sub.closed || sub.overflowed) return;
      if (!isNew(sub, event)) continue;
      sub.last = event.id;
      const frame = cache.frameOf(event);
      if (frame === undefined) continue;
      let room = subscriber.writable?.(frame.byteLength) ?? true;
      while (room !== true) {
        // Ended: the abort listener removes the subscription.
        if (room === false) return;
        await untilRoom(sub, room);
        if (sub.closed || sub.overflowed) return;
        room = subscriber.writable?.(frame.byteLength) ?? true;
      }
      write(sub, frame, kind);
    }
  }

  /**
   * Replays after `cursor` (or, without one, gives the client `start` as its cursor),
   * then writes the held live events that follow, until none is left and the
   * subscriber goes live: exactly once, in order, paced by its transport. `start` is
   * the backend's position when the subscriber was registered: every later event is
   * in `held` or still to come. `topicSet` holds `sub.topics`.
   */
  async function catchUp(
    sub: Sub,
    topicSet: ReadonlySet<string>,
    cursor: string,
    start: string,
  ): Promise<void> {
    const result = cursor === '' ? null : await backend.range(cursor, topicSet);
    if (sub.closed) return;
    if (result === null) {
      sub.last = start === '' ? undefined : start;
      // An id-only frame fires no event but gives the client a cursor, so that even a
      // reconnect before its first event resumes without a gap.
      if (start !== '') sub.subscriber.sendEncoded(encoder.encode(encode({ id: start })));
    } else if (result.reset) {
      sub.last = start === '' ? undefined : start;
      if (!sub.overflowed) sendReset(sub, result.reason, start);
    } else {
      sub.last = cursor;
      await writePaced(sub, result.events, 'replayed');
    }
    // What arrived meanwhile, written the same way; more may arrive while it is written.
    for (;;) {
      if (sub.closed) return;
      const held = sub.held ?? [];
      if (sub.overflowed) {
        // The live part outran the replay: say so in band rather than lose events silently.
        sub.held = null;
        // Never backwards: a lagging listener's events may be older than what was replayed.
        if (sub.last === undefined || backend.compare(sub.newest, sub.last) > 0) {
          sub.last = sub.newest;
        }
        sendReset(sub, 'overflow', sub.last);
        return;
      }
      if (held.length === 0) {
        sub.held = null;
        return;
      }
      sub.held = [];
      await writePaced(sub, held, 'delivered');
    }
  }

  return {
    async publish(topic, message) {
      if (closed) throw closedError();
      checkTopic(topic);
      if ((message as Message).id !== undefined) {
        throw new SSEError(
          'INVALID_ID',
          'Do not set id on a hub message: the backend assigns ordered ids for replay.',
        );
      }
      // What is checked is what is stored: a copy read once, so a getter on the caller's
      // object cannot pass the checks now and answer differently when frameOf encodes it.
      const stored = snapshot(message);
      // Validate before storing (a bad event must not enter history); frameOf encodes it later.
      const wire = cache.wireMessage(topic, stored);
      checkMessage(wire);
      checkSize(wire, maxEventBytes);
      const id = await backend.append(topic, stored);
      counters.published++;
      return id;
    },

    async subscribe(subscriber, topicOrTopics, subscribeOptions = {}) {
      if (closed) throw closedError();
      const topicSet: ReadonlySet<string> = new Set(
        typeof topicOrTopics === 'string' ? [topicOrTopics] : topicOrTopics,
      );
      const topics = [...topicSet];
      if (topics.length === 0)
        throw new SSEError('INVALID_TOPIC', 'Subscribe to at least one topic.');
      for (const topic of topics) checkTopic(topic);
      if (authorize) {
        const context = subscribeOptions.context;
        const allowed = await Promise.all(
          topics.map((topic) => authorize({ subscriber, topic, context })),
        );
        const denied = topics.filter((_, i) => allowed[i] !== true);
        if (denied.length > 0) {
          throw new SSEError(
            'UNAUTHORIZED',
            `Not authorised to subscribe to: ${denied.join(', ')}.`,
          );
        }
      }
      await backend.ready();
      if (closed) throw closedError();
      if (!subscriber.isOpen) {
        throw new SSEError('SESSION_CLOSED', 'The session ended before the subscription started.');
      }
      const sub: Sub = {
        subscriber,
        topics,
        held: [],
        overflowed: false,
        newest: '',
        last: undefined,
        inStep: false,
        wake: undefined,
        closed: false,
        onEnd: () => remove(sub),
      };
      // Live first, held until the replay is written: no gap and no duplicate between the two.
      subscriptions++;
      for (const topic of topics) {
        let subs = byTopic.get(topic);
        if (subs === undefined) byTopic.set(topic, (subs = new Set()));
        subs.add(sub);
      }
      subscriber.signal.addEventListener('abort', sub.onEnd, { once: true });
      // Read in the same tick as the registration: no event can fall between the two.
      const start = backend.position() ?? '';
      try {
        await catchUp(sub, topicSet, subscribeOptions.lastEventId ?? subscriber.lastEventId, start);
      } catch (error) {
        remove(sub);
        throw error;
      }
      return {
        topics,
        get closed() {
          return sub.closed;
        },
        unsubscribe() {
          remove(sub);
        },
      };
    },

    stats() {
      const topics: Record<string, { subscribers: number }> = {};
      for (const [topic, subs] of byTopic) topics[topic] = { subscribers: subs.size };
      return { topics, subscriptions, ...counters, skipped: cache.skipped };
    },

    async close() {
      if (closed) return;
      closed = true;
      stopListening();
      for (const subs of [...byTopic.values()]) for (const sub of subs) remove(sub);
      await backend.close();
    },
  };
}
