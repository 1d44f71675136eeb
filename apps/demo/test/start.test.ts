// `npm start` on a port that is taken: the real entry point (src/main.ts, bundled from
// source) in a child process, against a real socket holding the port.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../../packages/server/test/net';
import { startDemo } from '../src/server';

const here = fileURLToPath(new URL('..', import.meta.url));

/** Runs the bundled entry with `env` until it exits; its exit code and output. */
function run(entry: string, env: Record<string, string>) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, [entry], { env: { ...process.env, ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('starting on a port that is taken', () => {
  let dir: string;
  let entry: string;
  let holder: Server;
  let port: number;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sse-demo-start-'));
    entry = join(dir, 'main.mjs');
    // Everything bundled from source (tsconfig paths), so the child runs current code.
    await build({
      entryPoints: [`${here}src/main.ts`],
      outfile: entry,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      tsconfig: `${here}tsconfig.json`,
      // ioredis (bundled, loaded only with REDIS_URL) is CommonJS and needs `require`.
      banner: {
        js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);",
      },
      logLevel: 'warning',
    });
    holder = createServer();
    port = await listenLocal(holder);
  }, 60_000);

  afterAll(async () => {
    await new Promise((resolve) => holder?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('exits non-zero with one line that names PORT, not a stack', async () => {
    const result = await run(entry, { PORT: String(port), HOST: '127.0.0.1' });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const lines = result.stderr.trim().split('\n');
    expect(lines).toEqual([
      `@sse demo: port ${port} is already in use on 127.0.0.1; start it on another one, e.g. PORT=3001 npm start (PORT=0 picks a free port)`,
    ]);
  }, 30_000);

  it('refuses a PORT that is not a port with one line', async () => {
    for (const bad of ['abc', '70000', '-1', '3000x']) {
      const result = await run(entry, { PORT: bad });
      expect(result.code, bad).toBe(1);
      expect(result.stderr.trim(), bad).toBe(
        `@sse demo: could not start: PORT must be a number from 0 to 65535 (0 picks a free port), got "${bad}"`,
      );
    }
  }, 60_000);

  it('releases what it started when the port is taken: no timer keeps running', async () => {
    const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const before = timers();
    const error = await startDemo({ port, metricsIntervalMs: 50 }).catch((e: unknown) => e);
    expect((error as { code?: string }).code).toBe('EADDRINUSE');
    // The metrics timer was started before listen failed; it must be gone again.
    expect(timers()).toBe(before);
  });
});
