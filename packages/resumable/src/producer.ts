import { isSSEError } from '@sse/core';
import type { FinalState, ResumableStore, StreamMessage } from './types';

/** One item of an answer: a string is sent as `data`, a message as given (its id is assigned). */
export type StreamItem = string | StreamMessage;

/** Where the answer comes from: the items themselves, or a function of the signal that stops it. */
export type Producer = ProducerSource | ((signal: AbortSignal) => ProducerSource);

/** The shapes an answer may come in: an async generator (an SDK's stream), a web stream, or plain items. */
export type ProducerSource =
  | AsyncIterable<StreamItem>
  | ReadableStream<StreamItem>
  | Iterable<StreamItem>;

/** What {@link pump} needs. */
export interface PumpInit {
  readonly id: string;
  readonly store: ResumableStore;
  readonly producer: Producer;
  /** Aborted when the stream is stopped or fails; the producer is handed its signal. */
  readonly controller: AbortController;
  /** Messages waiting for the store before the producer is paused. */
  readonly maxPending: number;
  /** The starter's own stop signal, if any. */
  readonly signal: AbortSignal | undefined;
  readonly onError: (error: unknown, id: string) => void;
}

/** Copies a message's fields once (a getter cannot answer the store and the encoder differently). */
function toMessage(item: StreamItem): StreamMessage {
  if (typeof item === 'string') return { data: item };
  const { data, event, comment } = item;
  const copy: { data?: string; event?: string; comment?: string } = {};
  if (data !== undefined) copy.data = data;
  if (event !== undefined) copy.event = event;
  if (comment !== undefined) copy.comment = comment;
  return copy;
}

/** An async iterator over a producer, whatever its shape. */
function iterate(producer: Producer, signal: AbortSignal): AsyncIterator<StreamItem> {
  const source = typeof producer === 'function' ? producer(signal) : producer;
  if (typeof (source as ReadableStream).getReader === 'function') {
    const reader = (source as ReadableStream<StreamItem>).getReader();
    return {
      async next() {
        const { done, value } = await reader.read();
        return done ? { done: true, value: undefined } : { done: false, value };
      },
      async return() {
        await reader.cancel();
        return { done: true, value: undefined };
      },
    };
  }
  const toAsync = (source as Partial<AsyncIterable<StreamItem>>)[Symbol.asyncIterator];
  if (typeof toAsync === 'function') return toAsync.call(source);
  const iterator = (source as Iterable<StreamItem>)[Symbol.iterator]();
  return { next: async () => iterator.next() };
}

/**
 * Runs one generation into the store: items are appended in batches (one store call in
 * flight, the next batch gathers meanwhile, so a network store costs one round trip per
 * batch, not per token), the lease is renewed every third of `leaseMs`, and a stop from
 * anywhere aborts the producer's signal and ends its iteration. Resolves with the final
 * state; never rejects.
 */
export async function pump(init: PumpInit): Promise<FinalState> {
  const { id, store, controller, onError } = init;
  const signal = controller.signal;
  let seq = 0;
  let pending: StreamMessage[] = [];
  let flushing: Promise<void> | undefined;
  let failure: unknown;
  const abort = (reason: string) => {
    if (!signal.aborted) controller.abort(reason);
  };

  const flush = (): Promise<void> => {
    if (flushing === undefined && pending.length > 0 && failure === undefined) {
      const batch = pending;
      pending = [];
      const first = seq + 1;
      seq += batch.length;
      flushing = store.append(id, first, batch).then(
        () => {
          flushing = undefined;
          return flush();
        },
        (error: unknown) => {
          flushing = undefined;
          failure = error;
          abort(isSSEError(error, 'STREAM_FINISHED') ? 'stopped' : 'store failed');
        },
      );
    }
    return flushing ?? Promise.resolve();
  };

  const stopListening = store.onStop(id, () => abort('stopped'));
  const onOuterAbort = () => {
    store.stop(id, 'stopped by its starter').then(
      () => abort('stopped'),
      (error: unknown) => onError(error, id),
    );
  };
  init.signal?.addEventListener('abort', onOuterAbort);
  if (init.signal?.aborted) onOuterAbort();
  let renewer: ReturnType<typeof setInterval> | undefined;
  if (Number.isFinite(store.leaseMs)) {
    renewer = setInterval(
      () => {
        store.renew(id).then(
          (running) => {
            if (!running) abort('stopped');
          },
          (error: unknown) => onError(error, id),
        );
      },
      Math.max(1, Math.floor(store.leaseMs / 3)),
    );
    (renewer as { unref?: () => void }).unref?.();
  }

  let iterator: AsyncIterator<StreamItem> | undefined;
  let state: FinalState = 'ended';
  let reason: string | undefined;
  try {
    iterator = iterate(init.producer, signal);
    const stopped = new Promise<'stopped'>((resolve) => {
      if (signal.aborted) resolve('stopped');
      signal.addEventListener('abort', () => resolve('stopped'), { once: true });
    });
    for (;;) {
      // A stop wins the race against a producer stuck in next() (race also handles its later rejection).
      const next = await Promise.race([iterator.next(), stopped]);
      if (next === 'stopped') break;
      if (next.done) break;
      pending.push(toMessage(next.value));
      const inFlight = flush();
      if (pending.length >= init.maxPending) await inFlight;
    }
    await flush();
  } catch (error) {
    state = 'failed';
    reason = 'the producer failed';
    onError(error, id);
    // What it gave before failing is part of the answer (flush never rejects: failures are kept).
    await flush();
  } finally {
    clearInterval(renewer);
    init.signal?.removeEventListener('abort', onOuterAbort);
    stopListening();
  }
  if (signal.aborted) {
    // Ended elsewhere (stop, lost lease) or by a failed store: tell the iterator to stop paying.
    iterator?.return?.().catch((error: unknown) => onError(error, id));
  }
  if (failure !== undefined && !isSSEError(failure, 'STREAM_FINISHED')) {
    state = 'failed';
    reason = 'the store failed';
    onError(failure, id);
  }
  try {
    const final = await store.finish(id, state, reason);
    if (!signal.aborted && (final ?? state) !== 'ended') controller.abort(final ?? state);
    return final ?? state;
  } catch (error) {
    onError(error, id);
    abort('store failed');
    return 'failed';
  }
}
