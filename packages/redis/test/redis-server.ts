import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../server/test/net';

/** The redis-server binary: SSE_REDIS_SERVER, or the Debian path. */
export const REDIS_SERVER = process.env.SSE_REDIS_SERVER ?? '/usr/bin/redis-server';
/** Why the Redis suites are skipped, or '' when they can run. */
export const SKIP_REASON = existsSync(REDIS_SERVER)
  ? ''
  : `redis-server not found at ${REDIS_SERVER} (set SSE_REDIS_SERVER)`;

/**
 * A real redis-server on a loopback port, owned by the test. `persistent` turns on the
 * append-only file with fsync on every write, so a kill and restart loses nothing;
 * `args` are more `redis-server` options (e.g. `--stream-node-max-entries 4`, so that
 * `MAXLEN ~` trims within a few entries).
 */
export class RedisServer {
  private child: ChildProcess | undefined;
  readonly dir = mkdtempSync(join(tmpdir(), 'sse-redis-'));
  private constructor(
    readonly port: number,
    readonly persistent: boolean,
    readonly args: readonly string[],
  ) {}

  static async start(persistent = false, args: readonly string[] = []): Promise<RedisServer> {
    const server = new RedisServer(await freePort(), persistent, args);
    await server.restart();
    return server;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (again) on the same port and data directory; resolves when it accepts connections. */
  restart(): Promise<void> {
    const args = [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--dir',
      this.dir,
    ];
    args.push(
      ...(this.persistent
        ? ['--appendonly', 'yes', '--appendfsync', 'always']
        : ['--appendonly', 'no']),
      ...this.args,
    );
    const child = spawn(REDIS_SERVER, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    return new Promise((resolve, reject) => {
      let output = '';
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk;
        if (output.includes('Ready to accept connections')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`redis-server exited (${code}): ${output}`)));
    });
  }

  /** Freezes the server (SIGSTOP): connections stay open and commands are read later, nothing is answered until `resume()`. */
  pause(): void {
    this.child?.kill('SIGSTOP');
  }

  /** Lets a paused server run again (SIGCONT): it executes what it was sent meanwhile. */
  resume(): void {
    this.child?.kill('SIGCONT');
  }

  /** Kills the server at once (SIGKILL: no shutdown save), and waits for it to be gone. */
  kill(): Promise<void> {
    const child = this.child;
    this.child = undefined;
    if (!child || child.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
  }

  async stop(): Promise<void> {
    await this.kill();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
