import { encode, type Message, SSEError } from '@sse/core';
import type { HubEvent } from './types';

/** How many poisoned event ids are remembered, so each is reported once. */
export const MAX_REPORTED_IDS = 1_024;

/**
 * Told about every event the hub skips because it cannot be encoded (a backend entry
 * written by something else: `data` not a string, a line break in `event`, a bad
 * `retry`, no message at all). Called once per event id, not once per subscriber.
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

  private report(event: HubEvent, cause: unknown): void {
    if (this.reported.has(event.id)) return;
    this.reported.add(event.id);
    if (this.reported.size > MAX_REPORTED_IDS) {
      // Sets iterate in insertion order: the first is the oldest report.
      this.reported.delete(this.reported.values().next().value as string);
    }
    this.skipped++;
    const detail = cause instanceof Error ? cause.message : String(cause);
    const error = new SSEError(
      cause instanceof SSEError ? cause.code : 'INVALID_DATA',
      `skipped event ${event.id} on topic ${JSON.stringify(event.topic)}: it cannot be encoded (${detail}). Fix or remove the entry in the backend.`,
      { cause },
    );
    try {
      this.onError(error, event);
    } catch {
      // A failing report must not stop the fan-out; the event is counted in `skipped`.
    }
  }
}
