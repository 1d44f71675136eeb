/**
 * Test support shared by the adapter packages' suites: reads an event stream with
 * the @sse/core decoder and hands out events one by one. No Node imports, so the
 * web suites that use it run in every runtime.
 */
import { createDecoder, type DecodedEvent } from '@sse/core';
import { serverCounters } from '@sse/server';
import { expect } from 'vitest';

/** One item of the stream as a client sees it. */
export type StreamItem =
  | { kind: 'event'; event: DecodedEvent }
  | { kind: 'comment'; text: string }
  | { kind: 'retry'; ms: number };

/**
 * Reads a byte stream in the background, decoding it as it arrives; `next*` wait
 * for the next item of a kind, `ended` resolves when the stream ends.
 */
export class StreamReader {
  readonly items: StreamItem[] = [];
  readonly ended: Promise<void>;
  /** Raw bytes received so far. */
  bytes = 0;
  private cursor = 0;
  private wake: (() => void) | undefined;
  private done = false;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(body: ReadableStream<Uint8Array>) {
    const reader = body.getReader();
    this.reader = reader;
    const decoder = createDecoder({
      onEvent: (event) => this.push({ kind: 'event', event }),
      onComment: (text) => this.push({ kind: 'comment', text }),
      onRetry: (ms) => this.push({ kind: 'retry', ms }),
    });
    this.ended = (async () => {
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          this.bytes += value.byteLength;
          decoder.feed(value);
        }
      } catch {
        // A cancelled or reset stream ends the reader too.
      } finally {
        this.done = true;
        this.wake?.();
      }
    })();
  }

  private push(item: StreamItem): void {
    this.items.push(item);
    this.wake?.();
  }

  /** The next item of `kind` after the ones already taken; rejects if the stream ends first. */
  async next<K extends StreamItem['kind']>(kind: K): Promise<Extract<StreamItem, { kind: K }>> {
    for (;;) {
      while (this.cursor < this.items.length) {
        const item = this.items[this.cursor++]!;
        if (item.kind === kind) return item as Extract<StreamItem, { kind: K }>;
      }
      if (this.done) throw new Error(`stream ended before the next ${kind}`);
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }

  /** The next event's data. */
  async nextEvent(): Promise<DecodedEvent> {
    return (await this.next('event')).event;
  }

  /** Every event received so far. */
  events(): DecodedEvent[] {
    return this.items.flatMap((i) => (i.kind === 'event' ? [i.event] : []));
  }

  /** Stops reading (the client goes away). */
  async cancel(): Promise<void> {
    await this.reader.cancel().catch(() => {});
    await this.ended;
  }
}

/** Resolves when `predicate` holds, checking after every macrotask; rejects after `timeoutMs`. */
export async function until(predicate: () => boolean, timeoutMs = 15_000): Promise<void> {
  const start = Date.now();
  while (!predicate()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/**
 * Checks that no session is open and that every ended session released its heartbeat
 * registration and timers. Call it once sessions had their chance to end.
 */
export function expectAllReleased(): void {
  expect(serverCounters()).toEqual({
    sessions: 0,
    heartbeatRegistrations: 0,
    heartbeatTimers: 0,
    ageTimers: 0,
  });
}
