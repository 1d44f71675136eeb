import { isSSEError } from '@sse/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { expectAllReleased } from '../test/support';
import { serverCounters } from './debug';
import { createSessionFactory } from './factory';
import type { SessionOptions } from './options';
import type { ServerSession } from './session';
import type { SessionSink } from './sink';

const text = new TextDecoder();

/** An in-memory transport: records writes and pushes back when `accepting` is false. */
class MemorySink implements SessionSink {
  chunks: Uint8Array[] = [];
  accepting = true;
  ended = 0;
  aborted = 0;
  write(chunk: Uint8Array): boolean {
    this.chunks.push(chunk);
    return this.accepting;
  }
  end(): void {
    this.ended++;
  }
  abort(): void {
    this.aborted++;
  }
  get text(): string {
    return this.chunks.map((c) => text.decode(c)).join('');
  }
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function open<State = Record<string, unknown>>(options: SessionOptions<State> = {}) {
  const factory = createSessionFactory<State>({ heartbeat: false, ...options });
  const sink = new MemorySink();
  const session = factory.open(sink, { lastEventId: '' });
  return { factory, sink, session };
}

afterEach(() => {
  expectAllReleased();
});

describe('ServerSession', () => {
  it('starts with the first frame and coalesces one tick of sends into one write', async () => {
    const { sink, session } = open({ retry: 2000 });
    session.send({ data: 'a' });
    session.send({ event: 'x', data: 'b', id: '1' });
    session.comment('note');
    expect(sink.chunks).toHaveLength(0);
    await tick();
    expect(sink.chunks).toHaveLength(1);
    expect(sink.text).toBe('retry: 2000\n\ndata: a\n\nevent: x\nid: 1\ndata: b\n\n: note\n\n');
    session.close();
  });

  it('bounds one coalesced write by maxBatchBytes', async () => {
    const { sink, session } = open({ maxBatchBytes: 20 });
    for (let i = 0; i < 5; i++) session.send({ data: 'xxxxxxxx' }); // 16 bytes each
    await tick();
    expect(sink.chunks.map((c) => c.byteLength)).toEqual([19, 16, 16, 16, 16]);
    session.close();
  });

  it('sends pre-encoded frames unchanged and rejects bad messages with SSEError', async () => {
    const { sink, session } = open();
    const frame = new TextEncoder().encode('data: shared\n\n');
    expect(session.sendEncoded(frame)).toBe(true);
    expect(() => session.send({ id: 'a\nb' })).toThrowError(
      expect.objectContaining({ code: 'INVALID_ID' }),
    );
    await tick();
    expect(sink.text).toBe(':\n\ndata: shared\n\n');
    session.close();
  });

  it('pairs no frame with fields it was not made from (a shifting getter, hostile values)', async () => {
    const { sink, session } = open();
    let reads = 0;
    const shifting = {
      get data() {
        return reads++ === 0 ? 'first' : 'second';
      },
    };
    // The cache and the encoder see one read: the frame is for 'first' ...
    expect(session.send(shifting)).toBe(true);
    expect(reads).toBe(1);
    // ... so the cache answers a plain 'first' and 'second' with their own frames.
    session.send({ data: 'first' });
    session.send({ data: 'second' });
    // Non-strings are refused, never cached as the frame of their conversion.
    const poisoned = { toString: () => 'x\ndata: injected' } as unknown as string;
    expect(() => session.send({ data: 'ok', event: poisoned })).toThrowError(
      expect.objectContaining({ code: 'INVALID_EVENT' }),
    );
    session.send({ data: 'ok', event: 'x' });
    await tick();
    expect(sink.text).toBe(
      ':\n\ndata: first\n\ndata: first\n\ndata: second\n\nevent: x\ndata: ok\n\n',
    );
    session.close();
  });

  it('refuses a frame over maxEventBytes with EVENT_TOO_LARGE, queues nothing and stays open', async () => {
    const { sink, session } = open({ maxEventBytes: 20 });
    const fits = { data: 'x'.repeat(12) }; // 'data: ' + 12 + '\n\n' = 20 bytes
    const over = { data: 'x'.repeat(13) };
    const tooLarge = expect.objectContaining({
      code: 'EVENT_TOO_LARGE',
      message: expect.stringContaining('21 bytes exceeds maxEventBytes (20)'),
    });
    expect(session.send(fits)).toBe(true);
    expect(() => session.send(over)).toThrowError(tooLarge);
    // The refused frame is not remembered as sendable: the same message throws again.
    expect(() => session.send(over)).toThrowError(tooLarge);
    const bytes = new TextEncoder();
    expect(session.sendEncoded(bytes.encode(`data: ${'y'.repeat(12)}\n\n`))).toBe(true);
    expect(() => session.sendEncoded(bytes.encode(`data: ${'y'.repeat(13)}\n\n`))).toThrowError(
      tooLarge,
    );
    expect(session.comment('c'.repeat(16))).toBe(true); // ': ' + 16 + '\n\n'
    expect(() => session.comment('c'.repeat(17))).toThrowError(tooLarge);
    // Multi-byte characters count as the bytes they take on the wire.
    expect(() => session.send({ data: 'é'.repeat(7) })).toThrowError(
      expect.objectContaining({ code: 'EVENT_TOO_LARGE' }),
    );
    expect(session.isOpen).toBe(true);
    await tick();
    expect(sink.text).toBe(
      `:\n\ndata: ${'x'.repeat(12)}\n\ndata: ${'y'.repeat(12)}\n\n: ${'c'.repeat(16)}\n\n`,
    );
    session.close();
    // An ended session answers false, as for any send.
    expect(session.send(over)).toBe(false);
  });

  it('refuses a maxEventBytes that cannot hold the first frame of a stream', () => {
    expect(() => createSessionFactory({ retry: 1000, maxEventBytes: 10 })).toThrowError(
      /maxEventBytes \(10\) must fit the first frame/,
    );
    expect(() => createSessionFactory({ maxEventBytes: 0 })).toThrowError(TypeError);
  });

  it('ends exactly once, resolves closed, aborts the signal and refuses later sends', async () => {
    const { sink, session, factory } = open();
    const signal = session.signal;
    let aborts = 0;
    signal.addEventListener('abort', () => aborts++);
    session.peerGone();
    session.peerGone();
    session.close();
    await session.closed;
    expect(aborts).toBe(1);
    expect(session.isOpen).toBe(false);
    expect(session.endReason).toBe('peer');
    expect(isSSEError(signal.reason, 'SESSION_CLOSED')).toBe(true);
    expect(sink.aborted).toBe(1);
    expect(sink.ended).toBe(0);
    expect(session.send({ data: 'late' })).toBe(false);
    expect(factory.size).toBe(0);
    // Asked for after the end: already settled.
    expect(session.signal.aborted).toBe(true);
    await session.closed;
  });

  it('a failing write ends the session once with WRITE_FAILED and the cause', async () => {
    const { sink, session } = open();
    const broken = new Error('EPIPE');
    sink.write = () => {
      throw broken;
    };
    await session.closed;
    expect(session.endReason).toBe('error');
    expect(isSSEError(session.signal.reason, 'WRITE_FAILED')).toBe(true);
    expect((session.signal.reason as Error).cause).toBe(broken);
    expect(sink.aborted).toBe(1);
    expect(session.send({ data: 'x' })).toBe(false);
  });

  it('close() hands queued bytes over and ends gracefully', () => {
    const { sink, session } = open();
    session.send({ data: 'last' });
    session.close();
    expect(sink.text).toBe(':\n\ndata: last\n\n');
    expect(sink.ended).toBe(1);
    expect(session.endReason).toBe('closed');
  });

  it('waits for drain() while the transport pushes back', async () => {
    const { sink, session } = open();
    sink.accepting = false;
    await tick();
    session.send({ data: 'queued' });
    await tick();
    expect(sink.chunks).toHaveLength(1);
    expect(session.queuedBytes).toBe(14);
    sink.accepting = true;
    session.drain();
    expect(sink.text).toBe(':\n\ndata: queued\n\n');
    expect(session.queuedBytes).toBe(0);
    session.close();
  });

  it('writes a frame larger than the whole queue when the transport accepts it', () => {
    const { sink, session } = open({ maxQueueBytes: 64 });
    const big = 'z'.repeat(200);
    expect(session.send({ data: big })).toBe(true);
    expect(session.isOpen).toBe(true);
    expect(sink.text).toBe(`:\n\ndata: ${big}\n\n`);
    session.close();
  });

  it('writes a tick burst beyond the queue limit instead of treating it as a slow client', async () => {
    const { sink, session } = open({ maxQueueBytes: 64 });
    for (let i = 0; i < 20; i++) expect(session.send({ data: 'burst-data' })).toBe(true);
    await tick();
    expect(session.isOpen).toBe(true);
    expect(sink.text.match(/burst-data/g)).toHaveLength(20);
    session.close();
  });
});

describe('slow-client policies', () => {
  const frame = new TextEncoder().encode('data: 0123456789\n\n'); // 18 bytes

  async function stalled(options: SessionOptions) {
    const opened = open({ maxQueueBytes: 40, ...options });
    opened.sink.accepting = false;
    await tick(); // the first frame goes out; the transport now pushes back
    return opened;
  }

  it('disconnect: ends the session with QUEUE_FULL when the queue would overflow', async () => {
    const { sink, session } = await stalled({});
    expect(session.sendEncoded(frame)).toBe(true);
    expect(session.sendEncoded(frame)).toBe(true);
    expect(session.queuedBytes).toBe(36);
    expect(session.sendEncoded(frame)).toBe(false);
    expect(session.endReason).toBe('slow');
    expect(isSSEError(session.signal.reason, 'QUEUE_FULL')).toBe(true);
    expect(sink.aborted).toBe(1);
  });

  it('drop-oldest: discards whole old frames and counts them', async () => {
    const { sink, session } = await stalled({ slowClient: 'drop-oldest' });
    const frames = [0, 1, 2, 3].map((i) => new TextEncoder().encode(`data: frame-${i}xx\n\n`));
    for (const f of frames) expect(session.sendEncoded(f)).toBe(true);
    expect(session.droppedCount).toBe(2);
    expect(session.queuedBytes).toBe(34);
    expect(session.sendEncoded(new Uint8Array(41))).toBe(false);
    expect(session.droppedCount).toBe(5);
    session.sendEncoded(frames[3]!);
    sink.accepting = true;
    session.drain();
    expect(sink.text).toBe(':\n\ndata: frame-3xx\n\n');
    session.close();
  });

  it('wait: returns one promise that resolves on drain, and ends past the hard cap', async () => {
    const { sink, session } = await stalled({ slowClient: 'wait', waitLimitBytes: 60 });
    expect(session.sendEncoded(frame)).toBe(true);
    expect(session.sendEncoded(frame)).toBe(true);
    const pending = session.sendEncoded(frame);
    expect(pending).toBeInstanceOf(Promise);
    expect(session.queuedBytes).toBe(54);
    sink.accepting = true;
    session.drain();
    await expect(pending).resolves.toBe(true);
    sink.accepting = false;
    session.comment();
    await tick(); // written, and refused for more
    session.sendEncoded(frame);
    session.sendEncoded(frame);
    const waiting = session.sendEncoded(frame);
    expect(session.sendEncoded(frame)).toBe(false); // 72 > 60
    expect(session.endReason).toBe('slow');
    await expect(waiting).resolves.toBe(false);
  });

  /** Sends `count` frames the way the hub's replay does: only when `writable` says so. */
  async function paced(session: ServerSession, count: number, bytes = frame): Promise<number> {
    let sent = 0;
    for (; sent < count; sent++) {
      let room = session.writable(bytes.byteLength);
      while (room !== true) {
        if (room === false) return sent;
        await room;
        room = session.writable(bytes.byteLength);
      }
      expect(session.sendEncoded(bytes)).toBe(true);
    }
    return sent;
  }

  for (const slowClient of ['disconnect', 'drop-oldest', 'wait'] as const) {
    it(`${slowClient}: a producer paced by writable() never meets the policy, however slowly the transport reads`, async () => {
      const { sink, session } = await stalled({ slowClient });
      const producing = paced(session as ServerSession, 100);
      // The transport takes one write per turn, in bursts of refusals and acceptances.
      for (let turn = 0; sink.chunks.length < 40 && turn < 10_000; turn++) {
        await tick();
        expect(session.queuedBytes).toBeLessThanOrEqual(40);
        sink.accepting = turn % 3 === 0;
        session.drain();
      }
      sink.accepting = true;
      session.drain();
      expect(await producing).toBe(100);
      await tick();
      expect(session.isOpen).toBe(true);
      expect(session.droppedCount).toBe(0);
      expect(sink.text.split('data: 0123456789\n\n')).toHaveLength(101);
      session.close();
    });
  }

  it('writable() settles false when the session ends while waiting, and a frame larger than the queue waits for an empty queue', async () => {
    const { sink, session } = await stalled({});
    const big = new Uint8Array(100).fill(0x61);
    expect(session.writable(big.byteLength)).toBeInstanceOf(Promise); // 100 > 40, transport refusing
    expect(session.writable(18)).toBe(true);
    session.sendEncoded(frame);
    const waiting = session.writable(big.byteLength);
    sink.accepting = true;
    session.drain(); // empties the queue: now the large frame goes straight out
    await expect(waiting).resolves.toBe(true);
    expect(session.writable(big.byteLength)).toBe(true);
    sink.accepting = false;
    session.sendEncoded(frame);
    await tick();
    session.sendEncoded(frame);
    session.sendEncoded(frame);
    const ending = session.writable(18);
    expect(ending).toBeInstanceOf(Promise);
    session.close();
    await expect(ending).resolves.toBe(false);
    expect(session.writable(1)).toBe(false);
  });
});

describe('timers', () => {
  // Fake timers make the clock deterministic: no dependence on machine load.
  const heartbeats = (sink: MemorySink) => sink.text.split(':\n\n').length - 1;

  it('sends heartbeats from one shared timer, skipping sessions that wrote recently', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const factory = createSessionFactory({ heartbeat: 40 });
      const quiet = new MemorySink();
      const busy = new MemorySink();
      const a = factory.open(quiet, { lastEventId: '' });
      const b = factory.open(busy, { lastEventId: '' });
      expect(serverCounters()).toMatchObject({ heartbeatRegistrations: 2, heartbeatTimers: 1 });
      for (let ms = 0; ms < 400; ms += 5) {
        b.send({ data: 'x' });
        await vi.advanceTimersByTimeAsync(5);
      }
      // 400 ms of silence at a 40 ms period: one heartbeat per 40 ms, after the open comment.
      expect(heartbeats(quiet)).toBe(1 + 10);
      expect(heartbeats(busy)).toBe(1);
      a.close();
      b.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it("timerScope 'session' gives each session its own interval (for Workers)", async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      const factory = createSessionFactory({ heartbeat: 20, timerScope: 'session' });
      const sinks = [new MemorySink(), new MemorySink()];
      const sessions = sinks.map((sink) => factory.open(sink, { lastEventId: '' }));
      expect(serverCounters()).toMatchObject({ heartbeatRegistrations: 2, heartbeatTimers: 2 });
      await vi.advanceTimersByTimeAsync(100);
      for (const sink of sinks) expect(heartbeats(sink)).toBe(1 + 5);
      for (const session of sessions) session.close();
    } finally {
      vi.useRealTimers();
    }
  });

  it('closes gracefully at maxAge, with jitter, and releases the timer', async () => {
    const { session, sink } = open({ maxAge: 30, maxAgeJitter: 0.5 });
    expect(serverCounters().ageTimers).toBe(1);
    await session.closed;
    expect(session.endReason).toBe('max-age');
    expect(sink.ended).toBe(1);
  });
});
