// The parent side of the network benchmarks: starts a server child process and drives
// it, and opens many SSE connections on 127.0.0.1 that count what arrives.
import { type ChildProcess, fork, spawn } from 'node:child_process';
import { Agent, type ClientRequest, request } from 'node:http';
import { join } from 'node:path';
import type { Command } from './child';
import { frameCounter, waitFor } from './util';

type Reply = { type: string } & Record<string, unknown>;

/** One memory reading of the server's child process (after a GC). */
export interface Memory {
  rss: number;
  heapUsed: number;
  external: number;
}

/** Heap+external growth from `before` to `after`, in bytes: steadier than RSS. */
export function heapGrowth(before: Memory, after: Memory): number {
  return after.heapUsed + after.external - before.heapUsed - before.external;
}

/** A server running in a child process (node --expose-gc dist/child.js). */
export class ChildServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  /** Starts `entrant`; resolves to the reason when that entrant is not available. */
  static async start(
    entrant: string,
    options: Record<string, unknown> = {},
    { raiseFileLimit = false } = {},
  ): Promise<ChildServer | string> {
    const script = join(import.meta.dirname, 'child.js');
    const args = [entrant, JSON.stringify(options)];
    // With raiseFileLimit, a shell raises the soft open-file limit to the hard one
    // and execs node (the IPC channel survives the exec).
    const child = raiseFileLimit
      ? spawn(
          'sh',
          [
            '-c',
            'ulimit -n "$(ulimit -Hn)" 2>/dev/null; exec "$0" "$@"',
            process.execPath,
            '--expose-gc',
            script,
            ...args,
          ],
          { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] },
        )
      : fork(script, args, {
          execArgv: ['--expose-gc'],
          stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
        });
    const first = await new Promise<Reply>((resolve) => {
      child.once('message', (m) => resolve(m as Reply));
      child.once('exit', (code) => resolve({ type: 'error', error: `exited with ${code}` }));
    });
    if (first.type === 'ready') return new ChildServer(child, first.port as number);
    child.kill();
    return first.type === 'unavailable'
      ? `not available: needs ${first.reason}`
      : `failed: ${first.error}`;
  }

  /** Sends one command and waits for the reply of the matching kind. */
  ask(command: Command, replyType: string, timeoutMs = 600_000): Promise<Reply> {
    return new Promise((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        this.child.off('message', onMessage);
        this.child.off('exit', onExit);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`child did not answer ${command.cmd}`));
      }, timeoutMs);
      // A child that reports an error (a cluster worker died) or exits will never answer.
      const onMessage = (m: Reply) => {
        if (m.type !== replyType && m.type !== 'error') return;
        done();
        if (m.type === 'error') reject(new Error(`child failed: ${m.error}`));
        else resolve(m);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`child exited with ${code} before answering ${command.cmd}`));
      };
      this.child.on('message', onMessage);
      this.child.on('exit', onExit);
      this.child.send(command);
    });
  }

  async memory(): Promise<Memory> {
    return (await this.ask({ cmd: 'mem' }, 'mem')) as never;
  }

  async sessions(): Promise<number> {
    return (await this.ask({ cmd: 'count' }, 'count')).sessions as number;
  }

  async stop(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ cmd: 'exit' });
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
    this.child.kill('SIGKILL');
  }
}

/** One SSE connection that counts bytes, and complete frames (blank-line terminators) when it parses. */
export interface Conn {
  /** Complete frames; counted on every connection, or only on sampled ones with `countFrames: 'sample'`. */
  frames: number;
  bytes: number;
  /** Publish-to-receive latencies in ms, only on sampled connections. */
  latencies?: number[];
  req: ClientRequest;
}

const LATENCY = /"t":([\d.]+)/;

/**
 * Opens `n` SSE connections, `concurrency` at a time; resolves when every one has its
 * first bytes. Every connection counts bytes. With `countFrames: 'sample'` only the
 * first `sample` connections scan for frames (and read latencies): a load generator
 * that scans every byte of 10,000 connections on the server's cores caps what it can
 * measure; counting bytes costs it next to nothing (see {@link waitDelivered}).
 */
export async function openClients(
  port: number,
  n: number,
  {
    sample = 0,
    concurrency = 200,
    headers = {} as Record<string, string>,
    countFrames: frameMode = 'all' as 'all' | 'sample',
  } = {},
): Promise<Conn[]> {
  const agent = new Agent({ keepAlive: false, maxSockets: Number.POSITIVE_INFINITY });
  const conns: Conn[] = [];
  let next = 0;
  const openOne = (i: number) =>
    new Promise<void>((resolve, reject) => {
      const conn = { frames: 0, bytes: 0 } as Conn;
      if (i < sample) conn.latencies = [];
      const countFrames = frameMode === 'all' || i < sample ? frameCounter() : () => 0;
      let text = '';
      conn.req = request(
        {
          host: '127.0.0.1',
          port,
          path: '/',
          agent,
          headers: { accept: 'text/event-stream', ...headers },
        },
        (res) => {
          res.on('data', (chunk: Buffer) => {
            conn.bytes += chunk.length;
            conn.frames += countFrames(chunk);
            if (conn.latencies) {
              const now = performance.timeOrigin + performance.now();
              text += chunk.toString('latin1');
              let end = text.indexOf('\n\n');
              while (end !== -1) {
                const m = LATENCY.exec(text.slice(0, end));
                if (m) conn.latencies.push(now - Number(m[1]));
                text = text.slice(end + 2);
                end = text.indexOf('\n\n');
              }
            }
            resolve(); // 'data' never carries an empty chunk: this connection has its first bytes
          });
          res.on('error', () => {});
        },
      );
      conn.req.on('error', reject);
      conn.req.end();
      conns.push(conn);
    });
  const workers = Array.from({ length: Math.min(concurrency, n) }, async () => {
    while (next < n) await openOne(next++);
  });
  await Promise.all(workers);
  return conns;
}

/** Waits until every connection has received `frames` more frames than it had at `base`. */
export async function waitFrames(
  conns: Conn[],
  base: number[],
  frames: number,
  timeoutMs: number,
): Promise<void> {
  await waitFor(
    () => conns.every((c, i) => c.frames - base[i]! >= frames),
    timeoutMs,
    `${frames} frames on ${conns.length} connections`,
  );
}

/**
 * Waits until the sampled connections (`sample` first ones, which count frames) have
 * `frames` more frames than at `base`, and every other connection has at least as many
 * new bytes as the sampled one with the fewest. A broadcast writes the same bytes to
 * every subscriber, so equal bytes mean the same frames arrived; only a heartbeat
 * (a few bytes, on its own clock) can differ, which is far less than one event.
 */
export async function waitDelivered(
  conns: Conn[],
  base: { frames: number; bytes: number }[],
  sample: number,
  frames: number,
  timeoutMs: number,
): Promise<void> {
  const sampled = conns.slice(0, sample);
  await waitFrames(
    sampled,
    base.map((b) => b.frames),
    frames,
    timeoutMs,
  );
  const bytes = Math.min(...sampled.map((c, i) => c.bytes - base[i]!.bytes));
  await waitFor(
    () => conns.every((c, i) => c.bytes - base[i]!.bytes >= bytes),
    timeoutMs,
    `${bytes} bytes on ${conns.length} connections`,
  );
}

/** Closes every connection. */
export function closeClients(conns: Conn[]): void {
  for (const c of conns) c.req.destroy();
}
