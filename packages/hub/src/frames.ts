import { encode, type Message, SSEError } from '@sse/core';
import type { HubEvent } from './types';

/** How many poisoned event ids are remembered, so each is reported once. */
export const MAX_REPORTED_IDS = 1_024;

/**
 * Told about every event the hub skips: one that cannot be encoded (a backend entry
 * written by something else: `data` not a string, a line break in `event`, a bad
 * `retry`, no message at all), or one the backend delivered out of id order. Called
 * once per event id, not once per subscriber.
 */
export type HubErrorHandler = (error: SSEError, event: HubEvent) => void;

/** The default report: one line, no stack, so a burst of bad entries cannot flood the log. */
export const logSkipped: HubErrorHandler = (error) => {
  console.error(`@sse/hub: ${error.message}`);
};

/**
 * The one encoding of each event in this process, cached by object identity (encode
 * once, write N), and the bookkeeping for events that cannot be encoded: they are
 * cached as poisoned, counted and reported once per id (the last `MAX_REPORTED_IDS`
 * ids are remembered, as a backend such as Redis makes a new object per read).
 */
export class FrameCache {
  /** Events skipped since the hub was created, once per reported id. */
  skipped = 0;
  private readonly frames = new WeakMap<HubEvent, Uint8Array | null>();
  private readonly reported = new Set<string>();
  private readonly encoder = new TextEncoder();

  constructor(
    private readonly topicAsEvent: boolean,
    private readonly onError: HubErrorHandler,
  ) {}

  /** Normalises a message for the wire: the topic becomes the event type unless told otherwise. */
  wireMessage(topic: string, message: Omit<Message, 'id'>): Omit<Message, 'id'> {
    return this.topicAsEvent && message.event === undefined
      ? { ...message, event: topic }
      : message;
  }

  /** The frame of `event`, or undefined when it cannot be encoded (then reported once). */
  frameOf(event: HubEvent): Uint8Array | undefined {
    const cached = this.frames.get(event);
    if (cached !== undefined) return cached ?? undefined;
    let frame: Uint8Array | null;
    try {
      if (typeof event.message !== 'object' || event.message === null) {
        throw new SSEError('INVALID_DATA', 'the entry has no message object');
      }
      frame = this.encoder.encode(
        encode({ ...this.wireMessage(event.topic, event.message), id: event.id }),
      );
    } catch (error) {
      frame = null;
      this.report(event, error);
    }
    this.frames.set(event, frame);
    return frame ?? undefined;
  }

  /**
   * Reports an event the backend delivered at or before `newest`, an id it had already
   * delivered (a backend fault: a repeat, or an id going backwards). The hub skips it.
   */
  reportOutOfOrder(event: HubEvent, newest: string): void {
    this.reportOnce(
      event,
      new SSEError(
        'INVALID_ID',
        `skipped event ${event.id} on topic ${JSON.stringify(event.topic)}: the backend delivered it after ${newest}, out of id order (a repeat, or ids going backwards). Check the backend.`,
      ),
    );
  }

  private report(event: HubEvent, cause: unknown): void {
    const detail = cause instanceof Error ? cause.message : String(cause);
    this.reportOnce(
      event,
      new SSEError(
        cause instanceof SSEError ? cause.code : 'INVALID_DATA',
        `skipped event ${event.id} on topic ${JSON.stringify(event.topic)}: it cannot be encoded (${detail}). Fix or remove the entry in the backend.`,
        { cause },
      ),
    );
  }

  /** Counts and reports `event` unless its id was reported recently (bounded memory). */
  private reportOnce(event: HubEvent, error: SSEError): void {
    if (this.reported.has(event.id)) return;
    this.reported.add(event.id);
    if (this.reported.size > MAX_REPORTED_IDS) {
      // Sets iterate in insertion order: the first is the oldest report.
      this.reported.delete(this.reported.values().next().value as string);
    }
    this.skipped++;
    try {
      this.onError(error, event);
    } catch {
      // A failing report must not stop the fan-out; the event is counted in `skipped`.
    }
  }
}
