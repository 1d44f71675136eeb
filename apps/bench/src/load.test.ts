import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { type Conn, closeClients, openClients, waitDelivered } from './load';
import { tick, waitFor } from './util';

const closers: (() => void)[] = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A node:http SSE server on 127.0.0.1 that keeps every response, in arrival order. */
async function sseServer() {
  const responses: ServerResponse[] = [];
  /** Each response by the client's port, to pick one client's connection. */
  const byPort = new Map<number, ServerResponse>();
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    res.write(':ok\n\n');
    responses.push(res);
    byPort.set(req.socket.remotePort!, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(() => server.close());
  return { port: (server.address() as AddressInfo).port, responses, byPort };
}

const frame = (i: number) => Buffer.from(`id: ${i}\ndata: {"seq":${i},"p":"${'x'.repeat(i)}"}\n\n`);

describe('waitDelivered (byte counting on all but the sampled connections)', () => {
  it('waits for a connection whose last frame arrives late, in pieces, then finds equal bytes everywhere', async () => {
    const { port, responses, byPort } = await sseServer();
    const conns: Conn[] = await openClients(port, 20, { sample: 3, countFrames: 'sample' });
    closers.push(() => closeClients(conns));
    // Only sampled connections scan for frames; the others count bytes alone.
    expect(conns.slice(3).every((c) => c.frames === 0)).toBe(true);
    expect(conns.slice(0, 3).every((c) => c.frames === 1)).toBe(true);
    const base = conns.map((c) => ({ frames: c.frames, bytes: c.bytes }));
    const frames = [1, 2, 3, 4, 5].map(frame);
    const all = Buffer.concat(frames);
    // Every response but one gets the five frames; the slow one, a connection that only
    // counts bytes (so frames cannot tell), gets all but 7 bytes.
    const slow = byPort.get(conns[19]!.req.socket!.localPort!)!;
    for (const res of responses) res.write(res === slow ? all.subarray(0, all.length - 7) : all);
    let done = false;
    const waiting = waitDelivered(conns, base, 3, 5, 30_000).then(() => {
      done = true;
    });
    // The others have everything; the slow one is 7 bytes short: not delivered yet.
    await waitFor(
      () => conns.filter((c, i) => c.bytes - base[i]!.bytes === all.length).length === 19,
      30_000,
      'nineteen complete connections',
    );
    for (let i = 0; i < 20; i++) await tick();
    expect(done).toBe(false);
    // The rest arrives one byte at a time.
    for (const byte of all.subarray(all.length - 7)) slow.write(Buffer.from([byte]));
    await waiting;
    expect(conns.every((c, i) => c.bytes - base[i]!.bytes === all.length)).toBe(true);
    expect(conns.slice(0, 3).every((c, i) => c.frames - base[i]!.frames === 5)).toBe(true);
  });

  it('counts frames on every connection by default (the server bench still parses all)', async () => {
    const { port, responses } = await sseServer();
    const conns = await openClients(port, 5);
    closers.push(() => closeClients(conns));
    for (const res of responses) res.write(Buffer.concat([frame(1), frame(2)]));
    await waitFor(() => conns.every((c) => c.frames === 3), 30_000, 'three frames each');
  });
});
