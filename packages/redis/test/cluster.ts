/** Starts hub server processes (test/fixtures/server.ts, bundled once with esbuild) and talks to them. */
import { type ChildProcess, fork } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packages = fileURLToPath(new URL('../../', import.meta.url));

/** Bundles a server fixture (default `fixtures/server.ts`; workspace sources and ioredis) into one CommonJS file. */
export async function bundleServer(
  fixture = 'server.ts',
): Promise<{ file: string; cleanup: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'sse-cluster-'));
  const file = join(dir, 'server.cjs');
  const alias: Record<string, string> = {};
  for (const name of ['core', 'server', 'node', 'web', 'hono', 'hub', 'resumable'])
    alias[`@sse/${name}`] = `${packages}${name}/src/index.ts`;
  await build({
    entryPoints: [fileURLToPath(new URL(`./fixtures/${fixture}`, import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile: file,
    alias,
    logLevel: 'error',
  });
  return { file, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** One hub server process. */
export class HubProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
  ) {}

  static start(file: string, env: Record<string, string>): Promise<HubProcess> {
    const child = fork(file, [], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return new Promise((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(new HubProcess(child, m.port)));
      child.once('exit', (code) => reject(new Error(`hub process exited early (${code})`)));
    });
  }

  /** Publishes through this process; resolves to the id, or to the error code on a 503. */
  publish(topic: string, data: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: this.port,
          method: 'POST',
          path: `/publish?topic=${topic}`,
          agent: false,
        },
        (res) => {
          let body = '';
          res.setEncoding('utf8');
          res.on('data', (chunk: string) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(data);
    });
  }

  /** Kills the process at once (SIGKILL: nothing runs after), and waits for it to be gone. */
  kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }

  /** Asks the process to close its sessions, hub and server, and waits for it to exit. */
  stop(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.send('stop');
    });
  }
}
