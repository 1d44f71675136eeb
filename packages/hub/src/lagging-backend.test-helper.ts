import type { Message } from '@sse/core';
import { createMemoryBackend } from './memory';
import type { Backend, HubEvent, RangeResult } from './types';

/**
 * A backend whose listener runs late, like a Redis reader behind the stream head:
 * stored events reach listeners only when `deliver()` says so, and `position()` is the
 * last one delivered, while `range()` reads everything stored (so a replay can return
 * events the listener delivers afterwards). With `holdRanges`, history reads are also
 * answered only on `answer()`, computed at that moment (history may have been trimmed).
 */
export class LaggingBackend implements Backend {
  /** Stored, not yet delivered to listeners, oldest first. */
  readonly undelivered: HubEvent[] = [];
  holdRanges = false;
  private readonly listeners = new Set<(event: HubEvent) => void>();
  private readonly ranges: (() => void)[] = [];
  private delivered: string;

  constructor(readonly inner: Backend = createMemoryBackend()) {
    this.delivered = inner.position() ?? '';
    inner.listen((event) => this.undelivered.push(event));
  }

  /** Hands the oldest `count` stored events to the listeners, in order; returns how many. */
  deliver(count = Number.POSITIVE_INFINITY): number {
    let done = 0;
    while (done < count && this.undelivered.length > 0) {
      const event = this.undelivered.shift() as HubEvent;
      this.delivered = event.id;
      for (const listener of this.listeners) listener(event);
      done++;
    }
    return done;
  }

  /** Answers the oldest `count` held history reads; returns how many. */
  answer(count = Number.POSITIVE_INFINITY): number {
    let done = 0;
    while (done < count && this.ranges.length > 0) {
      (this.ranges.shift() as () => void)();
      done++;
    }
    return done;
  }

  /** History reads waiting for `answer()`. */
  get heldRanges(): number {
    return this.ranges.length;
  }

  append(topic: string, message: Omit<Message, 'id'>): Promise<string> {
    return this.inner.append(topic, message);
  }

  range(cursor: string, topics: ReadonlySet<string>): Promise<RangeResult> {
    if (!this.holdRanges) return this.inner.range(cursor, topics);
    return new Promise((resolve, reject) => {
      this.ranges.push(() => this.inner.range(cursor, topics).then(resolve, reject));
    });
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  position(): string {
    return this.delivered;
  }

  listen(listener: (event: HubEvent) => void): () => void {
    const own = (event: HubEvent) => listener(event);
    this.listeners.add(own);
    return () => this.listeners.delete(own);
  }

  compare(a: string, b: string): number {
    return this.inner.compare(a, b);
  }

  close(): Promise<void> {
    this.answer();
    return this.inner.close();
  }
}
