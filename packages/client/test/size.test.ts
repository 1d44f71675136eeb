import { execFileSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/**
 * The budget for `EventSource` (client plus decoder) in a browser bundle, minified and
 * gzipped: what an app that imports only `EventSource` ships. Enforced. Kept in one place,
 * `sizeBudget.EventSource` in the package.json, which the consumer check and the bench read too.
 */
const TARGET: number = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    sizeBudget: { EventSource: number };
  }
).sizeBudget.EventSource;
/**
 * A regression ceiling for the whole package (EventSource, `events()` and the helpers), which
 * is over the budget: `events()` is a second API that apps import only when they use it.
 */
const CEILING = 4992;

const packages = fileURLToPath(new URL('../../', import.meta.url));
const gzipped = (code: string) => gzipSync(code, { level: 9 }).length;

/** The newest modification time under `dir` (0 when it does not exist). */
function newest(dir: string): number {
  let time = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) time = Math.max(time, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return time;
}

/**
 * Installs `@sse/core` and `@sse/client` the way npm would from their tarballs (package.json
 * plus the files it lists) into a fresh folder outside the repository, so that neither the
 * workspace's source aliases nor its tsconfig paths can reach the bundler. A package whose
 * `dist` is missing or older than its `src` is built first (`npm test` builds before testing).
 */
function install(): string {
  const root = mkdtempSync(join(tmpdir(), 'sse-client-size-'));
  for (const name of ['core', 'client']) {
    const dir = join(packages, name);
    let distTime = 0;
    try {
      distTime = newest(join(dir, 'dist'));
    } catch {}
    if (distTime < newest(join(dir, 'src'))) {
      execFileSync('npm', ['run', 'build'], { cwd: dir, stdio: 'ignore' });
    }
    const target = join(root, 'node_modules', '@sse', name);
    mkdirSync(target, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
      files: string[];
    };
    for (const file of ['package.json', ...manifest.files]) {
      cpSync(join(dir, file), join(target, file), { recursive: true });
    }
  }
  return root;
}

/** Bundles `contents` against the installed packages, as an application bundler would. */
async function bundle(root: string, contents: string): Promise<string> {
  const result = await build({
    stdin: { contents, resolveDir: root, loader: 'js' },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}

describe('bundle size of the built dist a user installs (esbuild, minified, gzip -9)', () => {
  let root = '';
  beforeAll(() => {
    root = install();
  }, 120_000);
  afterAll(() => {
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('prints and bounds client + decoder', async () => {
    const full = await bundle(root, "export * from '@sse/client';");
    const classOnly = await bundle(root, "export { EventSource } from '@sse/client';");
    const decoder = await bundle(
      root,
      "export { createDecoder, isEventStreamContentType } from '@sse/core';",
    );
    const sizes = {
      'everything (EventSource, events(), helpers)': full,
      'EventSource only': classOnly,
      'of which the @sse/core decoder alone': decoder,
    };
    for (const [name, code] of Object.entries(sizes)) {
      console.log(
        `@sse/client dist bundle, ${name}: ${code.length} B min, ${gzipped(code)} B min+gzip (budget ${TARGET})`,
      );
    }
    // The decoder streams are classes that extend a global: only module-level tree shaking
    // (core's per-module ESM dist + `sideEffects: false`) keeps them out of a client bundle.
    expect(classOnly).not.toContain('TransformStream');
    expect(gzipped(classOnly)).toBeLessThanOrEqual(TARGET);
    expect(gzipped(full)).toBeLessThanOrEqual(CEILING);
  });
});
