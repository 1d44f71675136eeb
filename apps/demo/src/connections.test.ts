import { createWebSSE } from '@sse/web';
import { describe, expect, it } from 'vitest';
import { Connections } from './connections';

/** A real @sse/web session (no socket needed: the body stream is the transport). */
function openSession() {
  const sse = createWebSSE();
  const opened = sse.open(new Request('http://localhost/events'));
  if (!opened.session) throw new Error('no session');
  void opened.response.body?.pipeTo(new WritableStream());
  return opened.session;
}

describe('Connections', () => {
  it('counts live sessions per adapter and forgets ended ones', () => {
    const connections = new Connections();
    const [a, b, c] = [openSession(), openSession(), openSession()];
    connections.add(a, 'one', 'hono');
    connections.add(b, 'one', 'node');
    connections.add(c, 'two', 'hono');
    expect(connections.counts()).toEqual({ total: 3, hono: 2, node: 1 });
    expect(connections.drop('one')).toBe(2);
    expect(a.isOpen || b.isOpen).toBe(false);
    expect(connections.counts()).toEqual({ total: 1, hono: 1, node: 0 });
    expect(connections.drop()).toBe(1);
    expect(connections.counts().total).toBe(0);
  });

  it('holds a dropped client back until what happens while it is away is done', async () => {
    const connections = new Connections();
    const session = openSession();
    connections.add(session, 'me', 'hono');
    const order: string[] = [];
    let finish = () => {};
    const away = connections.dropAndHold('me', async () => {
      order.push('published');
      await new Promise<void>((resolve) => (finish = resolve));
    });
    const back = connections.ready('me').then(() => order.push('reconnected'));
    expect(session.isOpen).toBe(false);
    await Promise.resolve();
    expect(order).toEqual(['published']);
    finish();
    expect(await away).toBe(1);
    await back;
    expect(order).toEqual(['published', 'reconnected']);
    await expect(connections.ready('someone-else')).resolves.toBeUndefined();
  });
});
