import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStream } from './decode-stream';
import type { DecodedEvent } from './types';

const utf8 = new TextEncoder();

/** Lets every pending microtask (and any pull they start) run to completion. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * A byte source that counts what is asked of it: `pulls` (one chunk per pull, only when
 * its reader reads: high-water mark 0) and the reason it was cancelled with.
 */
function countingSource(chunks: Array<Uint8Array | string>, options: { endless?: boolean } = {}) {
  const seen = { pulls: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array | string>(
    {
      pull(controller) {
        const i = seen.pulls++;
        if (options.endless) controller.enqueue(utf8.encode(`data: ${i}\n\n`));
        else if (i < chunks.length) controller.enqueue(chunks[i]!);
        else controller.close();
      },
      cancel(reason) {
        seen.cancelled = true;
        seen.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

/** A source that never answers a read: for cancelling while a read is pending. */
function silentSource() {
  const seen = { reads: 0, cancelled: false, reason: undefined as unknown };
  const stream = new ReadableStream<Uint8Array>(
    {
      pull() {
        seen.reads++;
        return new Promise<void>(() => {});
      },
      cancel(reason) {
        seen.cancelled = true;
        seen.reason = reason;
      },
    },
    { highWaterMark: 0 },
  );
  return { stream, seen };
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  for (const reader = stream.getReader(); ; ) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('decodeStream', () => {
  it('decodes bytes and strings, reports retry and comments, keeps the last event ID', async () => {
    const retries: number[] = [];
    const comments: string[] = [];
    const bytes = utf8.encode('\uFEFFid: 1\ndata: h€llo\r\n\r\n: hi\nretry: 5\n');
    const { stream } = countingSource([
      bytes.subarray(0, 2),
      bytes.subarray(2, 19),
      bytes.subarray(19),
      'data: cut',
    ]);
    const events = decodeStream(stream, {
      onRetry: (ms) => retries.push(ms),
      onComment: (text) => comments.push(text),
    });
    expect(await collect(events)).toEqual<DecodedEvent[]>([
      { type: 'message', data: 'h€llo', lastEventId: '1', id: '1' },
    ]);
    expect(events.lastEventId).toBe('1');
    expect(retries).toEqual([5]);
    expect(comments).toEqual(['hi']);
  });

  it('starts from a given last event ID and can dispatch an unterminated event at the end', async () => {
    const { stream } = countingSource(['data: a\n\ndata: cut']);
    const events = decodeStream(stream, { lastEventId: '7', dispatchIncomplete: true });
    expect(await collect(events)).toEqual([
      { type: 'message', data: 'a', lastEventId: '7' },
      { type: 'message', data: 'cut', lastEventId: '7' },
    ]);
  });

  it('batch mode: one non-empty array per chunk that completes events', async () => {
    const { stream } = countingSource([
      'data: a\n\ndata: b\n\n',
      ': only a comment\n',
      'data: c\n\n',
    ]);
    const batches = await collect(decodeStream(stream, { batch: true }));
    expect(batches.map((b) => b.map((e) => e.data))).toEqual([['a', 'b'], ['c']]);
  });

  it('is async iterable where the runtime makes ReadableStream iterable', async () => {
    const { stream } = countingSource(['data: a\n\n', 'data: b\n\n']);
    const events = decodeStream(stream);
    const iterable = events as unknown as Partial<AsyncIterable<DecodedEvent>>;
    if (typeof iterable[Symbol.asyncIterator] !== 'function') return;
    const data: string[] = [];
    for await (const event of iterable as AsyncIterable<DecodedEvent>) data.push(event.data);
    expect(data).toEqual(['a', 'b']);
  });

  it('a breached limit errors the stream with the typed error and cancels the source', async () => {
    const { stream, seen } = countingSource(['data: ', 'x'.repeat(100), 'data: never\n\n']);
    await expect(collect(decodeStream(stream, { maxLineLength: 50 }))).rejects.toMatchObject({
      name: 'SSEError',
      code: 'LINE_TOO_LONG',
    });
    expect(seen.cancelled).toBe(true);
    expect(seen.reason).toMatchObject({ code: 'LINE_TOO_LONG' });
    expect(seen.pulls).toBe(2);
  });

  it('a chunk that is neither bytes nor text errors the stream and cancels the source', async () => {
    const { stream, seen } = countingSource([42 as unknown as string]);
    await expect(collect(decodeStream(stream))).rejects.toBeInstanceOf(TypeError);
    expect(seen.cancelled).toBe(true);
  });

  it('a throwing callback errors the stream with what it threw and cancels the source', async () => {
    const boom = new Error('boom');
    const { stream, seen } = countingSource([': c\n']);
    const events = decodeStream(stream, {
      onComment: () => {
        throw boom;
      },
    });
    await expect(collect(events)).rejects.toBe(boom);
    expect(seen.cancelled).toBe(true);
  });

  it("a failing source errors the stream with the source's error", async () => {
    const failure = new Error('connection reset');
    let served = false;
    const source = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (served) throw failure;
        served = true;
        controller.enqueue(utf8.encode('data: a\n\n'));
      },
    });
    const reader = decodeStream(source).getReader();
    expect((await reader.read()).value).toMatchObject({ data: 'a' });
    await expect(reader.read()).rejects.toBe(failure);
  });

  it('cancelling the result cancels the source with the same reason, also during a pending read', async () => {
    const { stream, seen } = silentSource();
    const reader = decodeStream(stream).getReader();
    const pending = reader.read();
    await settle();
    expect(seen.reads).toBe(1);
    const reason = new Error('user went away');
    await reader.cancel(reason);
    expect(seen.cancelled).toBe(true);
    expect(seen.reason).toBe(reason);
    expect(await pending).toEqual({ done: true, value: undefined });
  });

  it('an abort errors the stream with ABORTED (cause: the reason) and cancels the source', async () => {
    const { stream, seen } = silentSource();
    const controller = new AbortController();
    const reader = decodeStream(stream, { signal: controller.signal }).getReader();
    const pending = reader.read();
    await settle();
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toMatchObject({ code: 'ABORTED', cause: reason });
    expect(seen.cancelled).toBe(true);
    expect(seen.reason).toMatchObject({ code: 'ABORTED', cause: reason });
    await expect(reader.closed).rejects.toMatchObject({ code: 'ABORTED' });
  });

  it('an already aborted signal never reads the source', async () => {
    const { stream, seen } = countingSource(['data: a\n\n']);
    const events = decodeStream(stream, { signal: AbortSignal.abort('early') });
    await expect(collect(events)).rejects.toMatchObject({ code: 'ABORTED', cause: 'early' });
    expect(seen.pulls).toBe(0);
    expect(seen.cancelled).toBe(true);
  });

  it('an abort after the end changes nothing', async () => {
    const controller = new AbortController();
    const { stream } = countingSource(['data: a\n\n']);
    const events = await collect(decodeStream(stream, { signal: controller.signal }));
    controller.abort();
    expect(events).toHaveLength(1);
  });

  it('backpressure: a consumer that stops reading stops the reads of an endless source', async () => {
    const { stream, seen } = countingSource([], { endless: true });
    const reader = decodeStream(stream).getReader();
    expect(seen.pulls).toBe(0);
    await settle();
    expect(seen.pulls).toBe(0); // nothing is read before someone asks
    for (let i = 0; i < 3; i++) expect((await reader.read()).value).toMatchObject({ data: `${i}` });
    await settle();
    await settle();
    expect(seen.pulls).toBe(3);
    await reader.cancel();
    expect(seen.cancelled).toBe(true);
  });

  it('property: the source is read exactly as far as the events read need, in either mode', async () => {
    // Chunks that complete 0..3 events each; the consumer reads a random number of times.
    const chunk = fc.array(fc.constantFrom('data: x\n\n', ': c\n', 'data: y\n'), { maxLength: 3 });
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          chunk.map((parts) => parts.join('')),
          { minLength: 1, maxLength: 10 },
        ),
        fc.nat(12),
        fc.boolean(),
        async (chunks, reads, batch) => {
          const { stream, seen } = countingSource(chunks);
          const reader = decodeStream(stream, { batch }).getReader();
          // The model: how many events each chunk completes, and where each read is answered.
          const completes: number[] = [];
          let open = false;
          for (const c of chunks) {
            let n = 0;
            for (const line of c.split('\n').slice(0, -1)) {
              if (line.startsWith('data')) open = true;
              else if (line === '' && open) {
                n++;
                open = false;
              }
            }
            completes.push(n);
          }
          // Each answered read consumes one event (or one batch); find the chunk it needed.
          let needed = 0;
          let buffered = 0;
          let done = false;
          for (let r = 0; r < reads; r++) {
            const result = await reader.read();
            if (buffered === 0) {
              while (needed < chunks.length && completes[needed] === 0) needed++;
              if (needed === chunks.length) {
                // End of the source: one more pull sees it close.
                expect(result.done).toBe(true);
                needed = chunks.length + 1;
                done = true;
                break;
              }
              buffered = batch ? 1 : completes[needed]!;
              needed++;
            }
            expect(result.done).toBe(false);
            buffered--;
            await settle();
            expect(seen.pulls).toBe(needed);
          }
          if (!done) {
            await settle();
            expect(seen.pulls).toBe(needed);
          }
          await reader.cancel();
        },
      ),
      { numRuns: 300 },
    );
  }, 60_000);
});
