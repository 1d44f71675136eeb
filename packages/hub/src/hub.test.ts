import { isSSEError } from '@sse/core';
import { describe, expect, it } from 'vitest';
import { RecordingSession } from './fake-session.test-helper';
import { createHub } from './hub';
import { createMemoryBackend } from './memory';
import type { Backend } from './types';

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
