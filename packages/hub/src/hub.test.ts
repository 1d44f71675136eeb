import { DEFAULT_MAX_LINE_LENGTH, isSSEError } from '@sse/core';
import { describe, expect, it, vi } from 'vitest';
import { RecordingSession } from './fake-session.test-helper';
import { FrameCache, MAX_REPORTED_IDS } from './frames';
import { createHub, ID_RESERVE } from './hub';
import { LaggingBackend } from './lagging-backend.test-helper';
import { createMemoryBackend } from './memory';
import { PacedSession } from './paced-session.test-helper';
import type { Backend, HubEvent } from './types';

describe('createHub: publish and live delivery', () => {
  it('encodes once: every subscriber gets the same bytes', async () => {
    const hub = createHub();
    const a = new RecordingSession();
    const b = new RecordingSession();
    await hub.subscribe(a, 'news');
    await hub.subscribe(b, ['news', 'other']);
    const id = await hub.publish('news', { data: 'hello' });
    expect(a.frames).toHaveLength(2); // the head (an id-only frame), then the event
    expect(b.frames[1]).toBe(a.frames[1]);
    expect(a.seen).toEqual([{ id, event: 'news', data: 'hello' }]);
    await hub.close();
  });

  it('orders ids across topics and tells topics apart by event type', async () => {
    const hub = createHub();
    const s = new RecordingSession();
    await hub.subscribe(s, ['a', 'b']);
    const ids = [
      await hub.publish('a', { data: '1' }),
      await hub.publish('b', { data: '2' }),
      await hub.publish('a', { event: 'custom', data: '3' }),
    ];
    expect(new Set(ids).size).toBe(3);
    expect(s.seen.map((e) => [e.id, e.event, e.data])).toEqual([
      [ids[0], 'a', '1'],
      [ids[1], 'b', '2'],
      [ids[2], 'custom', '3'],
    ]);
    await hub.close();
  });

  it("sends messages as published with topicField 'none'", async () => {
    const hub = createHub({ topicField: 'none' });
    const s = new RecordingSession();
    await hub.subscribe(s, 'a');
    await hub.publish('a', { data: 'x' });
    expect(s.seen[0]?.event).toBeUndefined();
    await hub.close();
  });

  it('rejects bad input with typed errors and stores nothing', async () => {
    const hub = createHub();
    const s = new RecordingSession();
    await hub.subscribe(s, 'a');
    await expect(hub.publish('', { data: 'x' })).rejects.toMatchObject({ code: 'INVALID_TOPIC' });
    await expect(hub.publish('a\nb', { data: 'x' })).rejects.toMatchObject({
      code: 'INVALID_TOPIC',
    });
    await expect(hub.publish('a', { event: 'x\ny' })).rejects.toMatchObject({
      code: 'INVALID_EVENT',
    });
    await expect(hub.publish('a', { id: '1' } as never)).rejects.toMatchObject({
      code: 'INVALID_ID',
    });
    await expect(hub.subscribe(s, [])).rejects.toMatchObject({ code: 'INVALID_TOPIC' });
    expect(s.seen).toHaveLength(0);
    expect(hub.stats().published).toBe(0);
    expect(() => createHub({ resetEvent: 'a\nb' })).toThrow(/line break/);
    await hub.close();
  });

  it('stores what it checked: a message whose getters change after publish cannot inject or poison', async () => {
    const hub = createHub({ onError: () => {} });
    const s = new RecordingSession();
    await hub.subscribe(s, 'a');
    let reads = 0;
    // Harmless when publish reads it, a line break or a number on every later read.
    const shifty = {
      get event() {
        return reads++ === 0 ? 'ok' : 'x\ndata: injected';
      },
      get data() {
        return reads > 1 ? (5 as unknown as string) : 'payload';
      },
    };
    const id = await hub.publish('a', shifty);
    expect(s.seen).toEqual([{ id, event: 'ok', data: 'payload' }]);
    expect(hub.stats().skipped).toBe(0);
    // A replay from before it reads the stored copy too.
    const resumed = new RecordingSession();
    await hub.subscribe(resumed, 'a', { lastEventId: s.cursorAt(0) });
    expect(resumed.seen).toEqual([{ id, event: 'ok', data: 'payload' }]);
    expect(reads).toBe(1);
    await hub.close();
  });

  it('refuses an event larger than maxEventBytes before storing it (EVENT_TOO_LARGE)', async () => {
    const hub = createHub({ maxEventBytes: 4096 });
    const s = new RecordingSession();
    await hub.subscribe(s, 'a');
    // 'event: a\n' + 'data: ' + text + '\n\n' = 17 bytes + text; the id line is reserved.
    const fits = 'x'.repeat(4096 - ID_RESERVE - 17);
    const id = await hub.publish('a', { data: fits });
    await expect(hub.publish('a', { data: `${fits}x` })).rejects.toMatchObject({
      code: 'EVENT_TOO_LARGE',
    });
    // Counted in bytes, not UTF-16 units: a 3-byte character where one byte would fit.
    await expect(hub.publish('a', { data: `${fits.slice(1)}€` })).rejects.toMatchObject({
      code: 'EVENT_TOO_LARGE',
    });
    expect(s.seen.map((e) => e.id)).toEqual([id]);
    expect(hub.stats().published).toBe(1);
    expect(() => createHub({ maxEventBytes: ID_RESERVE })).toThrow(RangeError);
    await hub.close();
  });

  it('by default refuses what a default session would refuse, so nothing is stored only to be dropped', async () => {
    const hub = createHub();
    await expect(
      hub.publish('a', { data: 'x'.repeat(DEFAULT_MAX_LINE_LENGTH) }),
    ).rejects.toMatchObject({ code: 'EVENT_TOO_LARGE' });
    expect(hub.stats().published).toBe(0);
    await hub.close();
  });

  it('unsubscribes when the session ends, and on request', async () => {
    const hub = createHub();
    const s = new RecordingSession();
    const t = new RecordingSession();
    const sub = await hub.subscribe(s, ['a', 'b']);
    const other = await hub.subscribe(t, 'a');
    expect(hub.stats().topics).toEqual({ a: { subscribers: 2 }, b: { subscribers: 1 } });
    s.close();
    expect(sub.closed).toBe(true);
    other.unsubscribe();
    other.unsubscribe();
    expect(hub.stats()).toMatchObject({ topics: {}, subscriptions: 0 });
    await hub.publish('a', { data: 'x' });
    expect(s.seen.length + t.seen.length).toBe(0);
    await expect(hub.subscribe(s, 'a')).rejects.toMatchObject({ code: 'SESSION_CLOSED' });
    await hub.close();
  });

  it('counts published, delivered, dropped, replayed and resets', async () => {
    const hub = createHub({ history: { maxEvents: 2 } });
    const live = new RecordingSession();
    const refusing = new RecordingSession();
    refusing.sendEncoded = () => false; // a session whose policy discards the frame
    await hub.subscribe(live, 't');
    await hub.subscribe(refusing, 't');
    const first = await hub.publish('t', { data: '1' });
    await hub.publish('t', { data: '2' });
    await hub.subscribe(new RecordingSession(first), 't'); // replays 1 event
    await hub.publish('t', { data: '3' });
    await hub.publish('t', { data: '4' });
    await hub.subscribe(new RecordingSession(first), 't'); // expired: reset
    expect(hub.stats()).toMatchObject({
      published: 4,
      delivered: 4 + 2,
      dropped: 4,
      replayed: 1,
      resets: 1,
      subscriptions: 4,
    });
    await hub.close();
    expect(hub.stats().subscriptions).toBe(0);
    await expect(hub.publish('t', {})).rejects.toMatchObject({ code: 'BACKEND_UNAVAILABLE' });
  });
});

describe('createHub: isolation', () => {
  it('a session that throws does not stop the fan-out to the others', async () => {
    const hub = createHub();
    const broken = new RecordingSession();
    const fine = new RecordingSession();
    await hub.subscribe(broken, 't');
    await hub.subscribe(fine, 't');
    broken.sendEncoded = () => {
      throw new Error('adapter bug');
    };
    await hub.publish('t', { data: 'x' });
    expect(fine.seen.map((e) => e.data)).toEqual(['x']);
    expect(hub.stats()).toMatchObject({ delivered: 1, dropped: 1 });
    await hub.close();
  });
});

describe('createHub: authorisation', () => {
  it('asks once per topic and refuses with UNAUTHORIZED', async () => {
    const asked: string[] = [];
    const hub = createHub({
      authorize: async ({ topic, context }) => {
        asked.push(topic);
        return context === 'admin' || !topic.startsWith('admin');
      },
    });
    const s = new RecordingSession();
    const error = await hub
      .subscribe(s, ['public', 'admin/logs'], { context: 'guest' })
      .catch((e) => e);
    expect(isSSEError(error, 'UNAUTHORIZED')).toBe(true);
    expect(error.message).toContain('admin/logs');
    expect(asked).toEqual(['public', 'admin/logs']);
    expect(hub.stats().subscriptions).toBe(0);
    await hub.subscribe(s, ['public', 'admin/logs'], { context: 'admin' });
    expect(hub.stats().subscriptions).toBe(1);
    await hub.close();
  });
});

/**
 * A memory backend whose history query waits for `release()`, as a network backend
 * can: `queryFirst` reads history before waiting, otherwise after (so it also sees
 * the live events published meanwhile).
 */
function gated(queryFirst: boolean) {
  const memory = createMemoryBackend();
  let release: () => void = () => {};
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  const backend: Backend = {
    ...memory,
    range: async (cursor, topics) => {
      const early = queryFirst ? await memory.range(cursor, topics) : undefined;
      await gate;
      return early ?? memory.range(cursor, topics);
    },
  };
  return { backend, release: () => release() };
}

describe('createHub: replay', () => {
  it('replays exactly what followed the cursor, for the subscribed topics only', async () => {
    const hub = createHub();
    const ids: string[] = [];
    for (let i = 0; i < 6; i++)
      ids.push(await hub.publish(i % 2 ? 'odd' : 'even', { data: `${i}` }));
    const s = new RecordingSession(ids[1]);
    await hub.subscribe(s, 'even');
    await hub.publish('even', { data: '6' });
    expect(s.seen.map((e) => e.data)).toEqual(['2', '4', '6']);
    expect(hub.stats().replayed).toBe(2);
    await hub.close();
  });

  it('the option lastEventId overrides the session one', async () => {
    const hub = createHub();
    const first = await hub.publish('t', { data: 'a' });
    await hub.publish('t', { data: 'b' });
    const s = new RecordingSession('');
    await hub.subscribe(s, 't', { lastEventId: first });
    expect(s.seen.map((e) => e.data)).toEqual(['b']);
    await hub.close();
  });

  it('holds live events during a slow replay and releases them without gap or duplicate', async () => {
    const { backend, release } = gated(true);
    const hub = createHub({ backend });
    const cursor = await hub.publish('t', { data: '0' });
    await hub.publish('t', { data: '1' });
    const s = new RecordingSession(cursor);
    const subscribed = hub.subscribe(s, 't');
    await hub.publish('t', { data: '2' }); // live while the replay is pending
    expect(s.frames).toHaveLength(0);
    release();
    await subscribed;
    await hub.publish('t', { data: '3' });
    expect(s.seen.map((e) => e.data)).toEqual(['1', '2', '3']);
    await hub.close();
  });

  it('skips held events that the replay already returned', async () => {
    const { backend, release } = gated(false);
    const hub = createHub({ backend });
    const cursor = await hub.publish('t', { data: '0' });
    const s = new RecordingSession(cursor);
    const subscribed = hub.subscribe(s, 't');
    await hub.publish('t', { data: '1' });
    release();
    await subscribed;
    expect(s.seen.map((e) => e.data)).toEqual(['1']);
    await hub.close();
  });

  it('sends a reset instead of losing events when the cursor is older than history', async () => {
    const hub = createHub({ history: { maxEvents: 3 }, resetEvent: 'resync' });
    const first = await hub.publish('t', { data: '0' });
    let head = '';
    for (let i = 1; i <= 5; i++) head = await hub.publish('t', { data: `${i}` });
    const s = new RecordingSession(first);
    await hub.subscribe(s, 't');
    const live = await hub.publish('t', { data: 'live' });
    expect(s.seen).toEqual([
      { event: 'resync', id: head, data: JSON.stringify({ reason: 'expired', topics: ['t'] }) },
      { event: 't', id: live, data: 'live' },
    ]);
    await hub.close();
  });

  it('resumes from the oldest retained event minus one without a reset', async () => {
    const hub = createHub({ history: { maxEvents: 2 } });
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) ids.push(await hub.publish('t', { data: `${i}` }));
    const s = new RecordingSession(ids[0]);
    await hub.subscribe(s, 't');
    expect(s.seen.map((e) => e.data)).toEqual(['1', '2']);
    await hub.close();
  });

  it('recognises a cursor from another epoch (a restart) or garbage as stale', async () => {
    const before = createHub({ backend: createMemoryBackend({ epoch: 'old' }) });
    const oldId = await before.publish('t', { data: 'x' });
    await before.close();
    const hub = createHub({ backend: createMemoryBackend({ epoch: 'new' }) });
    for (const cursor of [oldId, 'garbage', 'new-99', 'new-']) {
      const s = new RecordingSession(cursor);
      await hub.subscribe(s, 't');
      expect(s.seen).toEqual([
        { event: 'reset', id: 'new-0', data: JSON.stringify({ reason: 'stale', topics: ['t'] }) },
      ]);
    }
    await hub.close();
  });

  it('bounds history by age and bytes', async () => {
    let now = 0;
    const hub = createHub({
      backend: createMemoryBackend({ now: () => now, history: { maxAgeMs: 1000, maxBytes: 10 } }),
    });
    const a = await hub.publish('t', { data: '12345' }); // 1 + 5 bytes
    now = 500;
    await hub.publish('t', { data: '1234' }); // 5 bytes: 11 > 10, `a` is trimmed
    const s1 = new RecordingSession(a);
    await hub.subscribe(s1, 't');
    expect(s1.seen.map((e) => e.data)).toEqual(['1234']);
    now = 2000; // everything is older than maxAgeMs now
    const s2 = new RecordingSession(a);
    await hub.subscribe(s2, 't');
    expect(s2.seen[0]?.event).toBe('reset');
    await hub.close();
  });

  it('turns an overflowing hold into a reset', async () => {
    const { backend, release } = gated(false);
    const hub = createHub({ maxHeldEvents: 2, backend });
    const cursor = await hub.publish('t', {});
    const s = new RecordingSession(cursor);
    const subscribed = hub.subscribe(s, 't');
    let last = '';
    // More than maxHeldEvents after the registration (which waits a tick for the backend).
    for (let i = 0; i < 5; i++) last = await hub.publish('t', { data: `${i}` });
    release();
    await subscribed;
    expect(s.seen).toEqual([
      { event: 'reset', id: last, data: JSON.stringify({ reason: 'overflow', topics: ['t'] }) },
    ]);
    await hub.close();
  });
});

describe('createHub: exactly once with a lagging backend reader', () => {
  it('skips late listener deliveries of events the replay already sent (regression)', async () => {
    const backend = new LaggingBackend();
    const hub = createHub({ backend });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await hub.publish('t', { data: `${i}` }));
    backend.deliver();
    // The reader falls behind: 10..19 are stored (range sees them), not yet delivered.
    for (let i = 10; i < 20; i++) ids.push(await hub.publish('t', { data: `${i}` }));
    const s = new RecordingSession(ids[4]);
    await hub.subscribe(s, 't');
    backend.deliver(3); // late, while live: already replayed
    await hub.publish('t', { data: '20' });
    backend.deliver();
    expect(s.seen.map((e) => Number(e.data))).toEqual(Array.from({ length: 16 }, (_, i) => i + 5));
    await hub.close();
  });

  it('skips late deliveries held during the replay, and never sends an overflow reset that goes backwards', async () => {
    const backend = new LaggingBackend();
    backend.holdRanges = true;
    const hub = createHub({ backend, maxHeldEvents: 2 });
    const ids: string[] = [];
    for (let i = 0; i < 10; i++) ids.push(await hub.publish('t', { data: `${i}` }));
    const s = new RecordingSession(ids[0]);
    const subscribed = hub.subscribe(s, 't');
    await new Promise((resolve) => setImmediate(resolve));
    backend.deliver(5); // 0..4 held (more than 2: overflow), all older than the replay's end
    backend.answer();
    await subscribed;
    backend.deliver();
    const last = await hub.publish('t', { data: 'live' });
    backend.deliver();
    const seen = s.seen;
    // Overflow: a reset at the newest id sent so far, never older; then only what follows.
    expect(seen[0]).toMatchObject({ event: 'reset', id: ids[4] });
    expect(seen.slice(1).map((e) => e.id)).toEqual([...ids.slice(5), last]);
    await hub.close();
  });
});

describe('createHub: entries that cannot be encoded', () => {
  const poisons: [string, unknown][] = [
    ['data that is a number', { data: 5 }],
    ['an event with a line break', { event: 'a\nb', data: 'x' }],
    ['a negative retry', { retry: -1, data: 'x' }],
    ['no message at all', null],
  ];
  for (const [name, message] of poisons) {
    it(`skips ${name} in replay and live, counts it and reports it once (regression)`, async () => {
      const backend = createMemoryBackend();
      const reports: string[] = [];
      const hub = createHub({
        backend,
        onError: (error, event) => reports.push(`${error.code} ${event.id}`),
      });
      const live = new RecordingSession();
      await hub.subscribe(live, 't');
      const before = await hub.publish('t', { data: 'before' });
      // Written by something else than this hub: the backend takes anything.
      const poisonId = await backend.append('t', message as never);
      const after = await hub.publish('t', { data: 'after' });
      const resumed = [
        new RecordingSession(live.cursorAt(0)),
        new RecordingSession(live.cursorAt(0)),
      ];
      for (const s of resumed) await hub.subscribe(s, 't');
      for (const s of [live, ...resumed]) expect(s.seen.map((e) => e.id)).toEqual([before, after]);
      expect(reports).toHaveLength(1);
      expect(reports[0]).toMatch(new RegExp(` ${poisonId}$`));
      expect(hub.stats().skipped).toBe(1);
      await hub.close();
    });
  }

  it('reports on one console.error line by default, without a stack, and survives a throwing onError', async () => {
    const error = vi.spyOn(console, 'error').mockImplementation(() => {});
    try {
      const backend = createMemoryBackend();
      const hub = createHub({ backend });
      const s = new RecordingSession();
      await hub.subscribe(s, 't');
      const id = await backend.append('t', { data: 5 } as never);
      expect(error).toHaveBeenCalledTimes(1);
      expect(error.mock.calls[0]).toHaveLength(1);
      const line = String(error.mock.calls[0]?.[0]);
      expect(line).toContain(id);
      expect(line).not.toContain('\n');
      const throwing = createHub({
        backend: createMemoryBackend(),
        onError: () => {
          throw new Error('report failed');
        },
      });
      const t = new RecordingSession();
      await throwing.subscribe(t, 't');
      await throwing.publish('t', { data: 'ok' });
      expect(t.seen.map((e) => e.data)).toEqual(['ok']);
      await hub.close();
      await throwing.close();
    } finally {
      error.mockRestore();
    }
  });

  it('remembers a bounded number of reported ids', () => {
    const reports: string[] = [];
    const cache = new FrameCache(true, (_, event) => reports.push(event.id));
    for (let i = 0; i <= MAX_REPORTED_IDS; i++) {
      // A new object per read, as a network backend makes: reported once per id.
      cache.frameOf({ id: `e-${i}`, topic: 't', message: { data: 5 } as never });
      cache.frameOf({ id: `e-${i}`, topic: 't', message: { data: 5 } as never });
    }
    expect(reports).toHaveLength(MAX_REPORTED_IDS + 1);
    // The oldest id was forgotten to keep the memory bounded: seen again, reported again.
    cache.frameOf({ id: 'e-0', topic: 't', message: { data: 5 } as never });
    expect(reports).toHaveLength(MAX_REPORTED_IDS + 2);
    expect(cache.skipped).toBe(MAX_REPORTED_IDS + 2);
  });
});

describe('createHub: a backend that breaks its ordering promise', () => {
  it('drops a repeated or backwards delivery for everyone, counts it and reports it once', async () => {
    const memory = createMemoryBackend();
    let deliver: (event: HubEvent) => void = () => {};
    const backend: Backend = {
      ...memory,
      listen(listener) {
        deliver = listener;
        return memory.listen(listener);
      },
    };
    const reports: string[] = [];
    const hub = createHub({
      backend,
      onError: (error, event) => reports.push(`${error.code} ${event.id}`),
    });
    const s = new RecordingSession();
    await hub.subscribe(s, 't');
    const a = await hub.publish('t', { data: 'a' });
    const b = await hub.publish('t', { data: 'b' });
    deliver({ id: b, topic: 't', message: { data: 'b' } }); // a repeat
    deliver({ id: a, topic: 't', message: { data: 'a' } }); // backwards
    deliver({ id: a, topic: 't', message: { data: 'a' } }); // reported once
    const c = await hub.publish('t', { data: 'c' });
    expect(s.seen.map((e) => e.id)).toEqual([a, b, c]);
    expect(reports).toEqual([`INVALID_ID ${b}`, `INVALID_ID ${a}`]);
    expect(hub.stats().skipped).toBe(2);
    await hub.close();
  });
});

describe('createHub: a replay paced by a session that does not read', () => {
  it('waits with at most the queue bound written; the session ending or close() ends the wait', async () => {
    const hub = createHub();
    const ids: string[] = [];
    for (let i = 0; i < 50; i++)
      ids.push(await hub.publish('t', { data: `${i}`.padStart(20, '.') }));
    const stuck = [
      new PacedSession(ids[0] as string, 'disconnect'),
      new PacedSession(ids[0] as string, 'disconnect'),
    ];
    const subscribed = stuck.map((p) => hub.subscribe(p.session, 't'));
    await new Promise((resolve) => setImmediate(resolve));
    for (const p of stuck) {
      // The transport took what it could, the queue holds at most its bound: then the replay waits.
      expect(p.session.isOpen).toBe(true);
      expect(p.session.queuedBytes).toBeLessThanOrEqual(128);
    }
    expect(hub.stats().replayed).toBeLessThan(2 * 49);
    expect(hub.stats().dropped).toBe(0);
    // The first ends by its session; the second by hub.close(): both subscribe() calls settle.
    stuck[0]?.session.peerGone();
    expect((await subscribed[0])?.closed).toBe(true);
    await hub.close();
    expect((await subscribed[1])?.closed).toBe(true);
    expect(stuck[1]?.session.isOpen).toBe(true); // sessions belong to the application
    stuck[1]?.session.close();
  });
});
