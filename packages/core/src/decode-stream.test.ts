import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeStream } from './decode-stream';
import { createDecoder } from './decoder';
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

/**
 * Model-based: a consumer that reads, cancels and aborts at random while a source delivers
 * chunks (some of which complete events, one of which makes a callback throw), closes or
 * fails. After every step (and the microtasks it starts), each read's result and how many
 * chunks were taken from the source must be what a model built on `createDecoder` says:
 * chunks are taken only while reads wait for events, events arrive in order, and the first
 * terminal cause (end, failure, cancel, abort) answers every read left.
 */
describe('decodeStream model (fc.commands)', () => {
  type Result = { data: string } | { done: true } | { error: string };
  const BOOM = 'boom';

  /** A byte source that serves the chunks the test lets arrive, counting what it hands out. */
  class Source {
    queue: string[] = [];
    taken = 0;
    closed = false;
    failed = false;
    cancelled = false;
    private wake: (() => void) | undefined;
    readonly stream = new ReadableStream<string>(
      {
        pull: (controller) => this.serve(controller),
        cancel: () => {
          this.cancelled = true;
        },
      },
      { highWaterMark: 0 },
    );

    private serve(controller: ReadableStreamDefaultController<string>): Promise<void> | void {
      // A cancelled source serves nothing more (a pull waiting for a chunk just ends).
      if (this.cancelled) return;
      if (this.queue.length > 0) {
        this.taken++;
        controller.enqueue(this.queue.shift()!);
      } else if (this.failed) controller.error(new Error('source failed'));
      else if (this.closed) controller.close();
      else {
        return new Promise<void>((resolve) => {
          this.wake = resolve;
        }).then(() => this.serve(controller));
      }
    }

    poke(): void {
      const wake = this.wake;
      this.wake = undefined;
      wake?.();
    }
  }

  interface Real {
    source: Source;
    reader: ReadableStreamDefaultReader<DecodedEvent>;
    controller: AbortController;
    results: Array<Result | undefined>;
  }

  /** The reference: createDecoder fed the chunks as they are taken, and what reads must see. */
  class Model {
    arrived: string[] = [];
    taken = 0;
    closed = false;
    failed = false;
    reads = 0;
    available: string[] = [];
    results: Result[] = [];
    terminal: Result | undefined;
    private readonly decoder = createDecoder({
      onEvent: (event) => this.available.push(event.data),
      onComment: (text) => {
        if (text === BOOM) throw new Error(BOOM);
      },
    });

    /** Runs what decodeStream does until the waiting reads are answered or it must wait. */
    advance(): void {
      while (this.results.length < this.reads && this.terminal === undefined) {
        if (this.results.length < this.available.length) {
          this.results.push({ data: this.available[this.results.length]! });
        } else if (this.taken < this.arrived.length) {
          const before = this.available.length;
          try {
            this.decoder.feed(this.arrived[this.taken++]!);
          } catch {
            // Events of that chunk before the throw go to reads already waiting; the rest
            // are dropped with the error.
            const waiting = this.reads - this.results.length;
            const fresh = this.available.slice(before, before + waiting);
            for (const data of fresh) this.results.push({ data });
            this.available.length = 0;
            this.terminal = { error: BOOM };
          }
        } else if (this.failed) this.terminal = { error: 'source failed' };
        else if (this.closed) this.terminal = { done: true };
        else break;
      }
      if (this.terminal) while (this.results.length < this.reads) this.results.push(this.terminal);
    }

    end(cause: Result): void {
      if (this.terminal === undefined) this.terminal = cause;
      this.advance();
    }
  }

  const settle2 = async () => {
    await settle();
    await settle();
  };

  function check(model: Model, real: Real): void {
    model.advance();
    // Reads the model cannot answer yet are still pending on the real stream.
    const pending = Array(model.reads - model.results.length).fill(undefined);
    expect(real.results).toEqual([...model.results, ...pending]);
    expect(real.source.taken).toBe(model.taken);
  }

  type Command = fc.AsyncCommand<Model, Real>;

  const arrive = (chunk: string): Command => ({
    check: (m) => !m.closed && !m.failed,
    async run(m, r) {
      m.arrived.push(chunk);
      r.source.queue.push(chunk);
      r.source.poke();
      await settle2();
      check(m, r);
    },
    toString: () => `arrive ${JSON.stringify(chunk)}`,
  });

  const read: Command = {
    check: () => true,
    async run(m, r) {
      const i = m.reads++;
      r.results.push(undefined);
      r.reader.read().then(
        (result) => {
          r.results[i] = result.done ? { done: true } : { data: result.value.data };
        },
        (error: unknown) => {
          r.results[i] = {
            error: (error as { code?: string }).code ?? (error as Error).message,
          };
        },
      );
      await settle2();
      check(m, r);
    },
    toString: () => 'read',
  };

  const close: Command = {
    check: (m) => !m.closed && !m.failed,
    async run(m, r) {
      m.closed = r.source.closed = true;
      r.source.poke();
      await settle2();
      check(m, r);
    },
    toString: () => 'source closes',
  };

  const fail: Command = {
    check: (m) => !m.closed && !m.failed,
    async run(m, r) {
      m.failed = r.source.failed = true;
      r.source.poke();
      await settle2();
      check(m, r);
    },
    toString: () => 'source fails',
  };

  const cancel: Command = {
    check: () => true,
    async run(m, r) {
      const wasOpen = m.terminal === undefined;
      await r.reader.cancel('bye').catch(() => {});
      m.end({ done: true });
      await settle2();
      check(m, r);
      if (wasOpen) expect(r.source.cancelled).toBe(true);
    },
    toString: () => 'cancel',
  };

  const abort: Command = {
    check: () => true,
    async run(m, r) {
      const wasOpen = m.terminal === undefined;
      r.controller.abort('stop');
      m.end({ error: 'ABORTED' });
      await settle2();
      check(m, r);
      if (wasOpen) expect(r.source.cancelled).toBe(true);
    },
    toString: () => 'abort',
  };

  const commands = [
    fc
      .constantFrom(
        'data: a\n\n',
        'data: b\n',
        '\n',
        'data: c\n\ndata: d\n\n',
        ': c\n',
        'id: 7\n',
        `: ${BOOM}\n`,
      )
      .map(arrive),
    fc.constant(read),
    fc.constant(read),
    fc.constant(close),
    fc.constant(fail),
    fc.constant(cancel),
    fc.constant(abort),
  ];

  it('reads, arrivals, ends, failures, cancel and abort in any order', async () => {
    await fc.assert(
      fc.asyncProperty(fc.commands(commands, { maxCommands: 25 }), async (cmds) => {
        const source = new Source();
        const controller = new AbortController();
        const stream = decodeStream(source.stream, {
          signal: controller.signal,
          onComment: (text) => {
            if (text === BOOM) throw new Error(BOOM);
          },
        });
        const real: Real = { source, reader: stream.getReader(), controller, results: [] };
        await fc.asyncModelRun(() => ({ model: new Model(), real }), cmds);
        // Whatever happened, the stream can be let go without an unhandled rejection.
        await real.reader.cancel().catch(() => {});
      }),
      { numRuns: 300 },
    );
  }, 60_000);
});
