import { connect, resolveUrl, type StreamEvent } from './connection';
import { EventSourceError } from './error';
import type { EventSourceOptions } from './options';

/** Options of `events()`: those of `EventSource`, plus the buffer limit. */
export interface EventsOptions extends EventSourceOptions {
  /**
   * Events held for a slow consumer before reading from the network pauses (backpressure:
   * nothing is dropped). One network chunk's events may exceed it. Default 1024.
   */
  bufferSize?: number;
}

/**
 * The stream-style API: `for await (const event of events(url, options))`. Reconnects like
 * `EventSource` (transient errors only reach `onRetry`); a final error is thrown from the
 * loop; `break` closes the connection; with `oneShot: true` the loop ends with the response.
 * Aborting `signal` throws an `ABORTED` error from the loop; a request that can never be
 * sent (an invalid or relative URL outside a page, an invalid header) throws `INVALID_REQUEST`.
 */
export function events(
  url: string | URL,
  options: EventsOptions = {},
): AsyncIterableIterator<StreamEvent> {
  const limit = Math.max(1, options.bufferSize ?? 1024);
  const queue: StreamEvent[] = [];
  // The next event to hand out. A read index, not `shift()`, which costs a copy per event
  // with a network chunk's worth queued; read slots are dropped in bulk (amortised O(1)).
  let head = 0;
  let failure: unknown;
  let wake: (() => void) | undefined;
  let resume: (() => void) | undefined;
  const notify = () => {
    wake?.();
    wake = undefined;
  };
  let target = String(url);
  try {
    target = resolveUrl(url);
  } catch {
    // Left as given: building the request fails, and the loop throws INVALID_REQUEST.
  }
  const connection = connect(target, options, {
    open() {},
    event(event) {
      queue.push(event);
      notify();
    },
    error(error: EventSourceError) {
      if (connection.readyState !== 2) return;
      failure = error;
      notify();
    },
    end(aborted) {
      if (aborted) {
        failure = new EventSourceError('ABORTED', 'Aborted by the signal', options.signal?.reason);
      }
      notify();
    },
    wait: () => (queue.length - head >= limit ? new Promise((r) => (resume = r)) : undefined),
  });
  const finish = (): IteratorResult<StreamEvent> => {
    queue.length = head = 0;
    connection.close();
    resume?.();
    return { value: undefined, done: true };
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      for (;;) {
        if (head < queue.length) {
          const value = queue[head++]!;
          if (head === queue.length || head >= limit) {
            queue.splice(0, head);
            head = 0;
          }
          if (queue.length - head < limit) resume?.();
          return { value, done: false };
        }
        if (failure !== undefined) {
          const error = failure;
          failure = undefined;
          finish();
          throw error;
        }
        // CLOSED: `end` fired (it only does once the connection is closed), or finish() ran.
        if (connection.readyState === 2) return finish();
        await new Promise<void>((r) => (wake = r));
      }
    },
    async return() {
      return finish();
    },
  };
}
