import { createDecoder } from './decoder';
import type { EventStreamDecoderOptions } from './decoder-stream';
import { SSEError } from './errors';
import type { DecodedEvent } from './types';

/** Options of {@link decodeStream}: the decoder's, plus batching and cancellation. */
export interface DecodeStreamOptions extends EventStreamDecoderOptions {
  /**
   * `true`: each read yields an array of the events one source chunk completed (never
   * empty) instead of one event. Fewer reads, so much less stream machinery per event
   * when events are small (LLM tokens). Default `false`.
   */
  batch?: boolean;
  /** Aborting errors the stream with `SSEError('ABORTED')` (cause: the reason) and cancels the source. */
  signal?: AbortSignal;
}

/** What {@link decodeStream} returns: a readable stream that also knows the last event ID. */
export type DecodedStream<T> = ReadableStream<T> & {
  /** The stream's last event ID so far: what a client sends back as `Last-Event-ID`. */
  readonly lastEventId: string;
};

/**
 * Decodes an event stream pulled straight from `source` (e.g. `response.body`), the fast
 * way: one `ReadableStream` whose `pull()` reads the source's reader and runs the decoder,
 * with no `TransformStream` between (that machinery, not parsing, costs most per event).
 * Reads happen only on demand: a read that finds nothing queued reads source chunks until
 * one completes an event, so at most one chunk's events wait ahead of the consumer.
 * Cancelling the result cancels the source; a breached limit errors it with the typed
 * `SSEError` and cancels the source. Use `EventStreamDecoder` to `pipeThrough` instead.
 */
export function decodeStream(
  source: ReadableStream<Uint8Array | string>,
  options: DecodeStreamOptions & { batch: true },
): DecodedStream<DecodedEvent[]>;
export function decodeStream(
  source: ReadableStream<Uint8Array | string>,
  options?: DecodeStreamOptions & { batch?: false },
): DecodedStream<DecodedEvent>;
export function decodeStream(
  source: ReadableStream<Uint8Array | string>,
  options?: DecodeStreamOptions,
): DecodedStream<DecodedEvent> | DecodedStream<DecodedEvent[]>;
export function decodeStream(
  source: ReadableStream<Uint8Array | string>,
  options: DecodeStreamOptions = {},
): DecodedStream<DecodedEvent> | DecodedStream<DecodedEvent[]> {
  const batch = options.batch === true;
  const dispatchIncomplete = options.dispatchIncomplete === true;
  const signal = options.signal;
  let output!: ReadableStreamDefaultController<DecodedEvent | DecodedEvent[]>;
  // Events completed by the chunk being fed: counted one by one, or collected for batch mode.
  let completed = 0;
  let ready: DecodedEvent[] = [];
  const decoder = createDecoder(
    {
      onEvent: batch
        ? (event) => {
            ready.push(event);
          }
        : (event) => {
            completed++;
            output.enqueue(event);
          },
      onRetry: options.onRetry,
      onComment: options.onComment,
    },
    options,
  );
  // Locks the source now, as pipeThrough would: nobody else may read it.
  const reader = source.getReader();
  // Set once the output is closed, errored or cancelled: later results are not ours to deliver.
  let finished = false;

  /** Ends the output with `error` and releases the source; never leaves a rejection unhandled. */
  const failWith = (error: unknown): void => {
    if (finished) return;
    finished = true;
    signal?.removeEventListener('abort', onAbort);
    output.error(error);
    reader.cancel(error).catch(() => {});
  };
  const onAbort = (): void => {
    failWith(
      new SSEError('ABORTED', 'decodeStream was aborted by its signal.', { cause: signal?.reason }),
    );
  };

  const stream = new ReadableStream<DecodedEvent | DecodedEvent[]>(
    {
      start(controller) {
        output = controller;
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort);
      },
      async pull(controller) {
        try {
          for (;;) {
            const { done, value } = await reader.read();
            if (finished) return;
            if (done) decoder.end({ dispatchIncomplete });
            else decoder.feed(value);
            if (ready.length > 0) {
              controller.enqueue(ready);
              completed = ready.length;
              ready = [];
            }
            if (done) {
              finished = true;
              signal?.removeEventListener('abort', onAbort);
              controller.close();
              return;
            }
            // Only a chunk that completed an event answers the read; others are fed on.
            if (completed > 0) {
              completed = 0;
              return;
            }
          }
        } catch (error) {
          // A limit, a bad chunk or a throwing callback: typed error out, source released.
          failWith(error);
        }
      },
      cancel(reason) {
        finished = true;
        signal?.removeEventListener('abort', onAbort);
        return reader.cancel(reason);
      },
    },
    // Nothing is read before someone asks: the queue never runs ahead of the consumer.
    { highWaterMark: 0 },
  );
  return Object.defineProperty(stream, 'lastEventId', {
    get: () => decoder.lastEventId,
  }) as DecodedStream<DecodedEvent> | DecodedStream<DecodedEvent[]>;
}
