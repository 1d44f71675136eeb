// The consumer check: what a user gets from npm, not what the workspace sees.
//
//   node scripts/consumer-check.mjs [--json=.tmp/consumer.json] [--keep]
//
// 1. `pnpm pack` every package (pnpm turns `workspace:^` into real ranges) and check each
//    tarball: LICENSE, README.md, CHANGELOG.md, dist/, `repository` with its `directory`,
//    `homepage`, `bugs`, `exports`, and no `workspace:` range left.
// 2. Install every tarball with **npm** into a fresh project in os.tmpdir() (removed at the
//    end unless --keep), as `npm init -y` makes it (CommonJS by default).
// 3. Run every README example (examples/*.mjs and *.cjs) there under Node, each on a free
//    127.0.0.1 port (PORT), and compare what it prints with `<example>.out`, the output
//    the README shows. redis.mjs runs against a redis-server started here (skipped when
//    there is none).
//    Every package must also load through require() and import() with the same exports.
// 4. Typecheck the consumer files of scripts/consumer/ with skipLibCheck false under
//    `node16` and `bundler`, with and without the DOM lib.
// 5. Run the fetch-handler example (core + client + web) under Deno and Bun, obtained from
//    npm as the runtime matrix obtains them (scripts/runtimes.mjs), and the web README's
//    Deno.serve and Bun.serve examples (examples/*-deno.mjs, *-bun.mjs) each in its runtime;
//    Deno, run with the flag the README gives, must print no warning.
// 6. Bundle the client's EventSource from the tarball with esbuild and hold it to its
//    budget (`sizeBudget.EventSource` in packages/client/package.json), minified and gzipped
//    (-9): what an app that imports it ships.
//
// Prints one line per check and writes `{ suites: [{ name, passed, failed, skipped }] }` to
// --json, which scripts/task.mjs adds to the `npm test` summary. Exit 1 when a check failed.
import { spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pnpm } from './pnpm.mjs';
import { RUNTIMES } from './runtimes.mjs';
import { SYSTEM_DEPS } from './system-deps.mjs';

const root = new URL('..', import.meta.url).pathname;
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);

/**
 * The client's EventSource budget in bytes, minified + gzip -9: `sizeBudget.EventSource` in
 * packages/client/package.json, the one place that size.test.ts and the bench also read.
 */
const EVENTSOURCE_BUDGET = JSON.parse(
  readFileSync(join(root, 'packages', 'client', 'package.json'), 'utf8'),
).sizeBudget.EventSource;
/** The example that core + client + web users run in Deno and Bun, besides Node. */
const PORTABLE_EXAMPLE = 'web.mjs';
/**
 * Where an example runs: `*-deno.mjs` only in Deno (with the flag the web README gives:
 * Deno must then print no warning), `*-bun.mjs` only in Bun, the others in Node.
 */
const runtimeOf = (file) =>
  file.endsWith('-deno.mjs') ? 'deno' : file.endsWith('-bun.mjs') ? 'bun' : 'node';
const RUNTIME_ARGS = { deno: ['--unstable-no-legacy-abort'], bun: [] };
const FORBIDDEN_STDERR = { deno: /legacy/i, bun: undefined };
/** Packages installed beside the tarballs: peers the examples and types need. */
const EXTRA_DEPS = ['hono@^4', '@types/node@^20'];
/** Longest an example may run before it counts as "does not exit by itself". */
const EXAMPLE_TIMEOUT_MS = 60_000;
/** The same under Deno and Bun, whose first `npx` start downloads the runtime from npm. */
const RUNTIME_TIMEOUT_MS = 300_000;

const packages = readdirSync(join(root, 'packages')).sort();
const suites = [];
const row = (name) => {
  const r = { name, passed: 0, failed: 0, skipped: 0, failures: [] };
  suites.push(r);
  return r;
};
const pass = (r, what) => {
  r.passed += 1;
  console.log(`  ok   ${what}`);
};
const fail = (r, what, why) => {
  r.failed += 1;
  r.failures.push(`${what}: ${why}`);
  console.log(`  FAIL ${what}: ${why}`);
};

/** Runs a command to its end, with a timeout; never throws. */
function exec(cmd, argv, { cwd, env = process.env, timeoutMs = 300_000 } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (error) => {
      stderr += String(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr, timedOut });
    });
  });
}

/** A free port on 127.0.0.1 (asked from the OS, then released). */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ---- 1. tarballs ----
function packAll(dir) {
  const r = row('consumer: tarballs (pnpm pack)');
  const tarballs = [];
  for (const name of packages) {
    const cwd = join(root, 'packages', name);
    const status = pnpm(['pack', '--pack-destination', dir], { cwd, stdio: 'ignore' });
    const manifest = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8'));
    const file = join(
      dir,
      `${manifest.name.replace('@', '').replace('/', '-')}-${manifest.version}.tgz`,
    );
    if (status !== 0 || !existsSync(file)) {
      fail(r, manifest.name, `pnpm pack failed (exit ${status})`);
      continue;
    }
    const problems = tarballProblems(file, name);
    if (problems.length) fail(r, manifest.name, problems.join('; '));
    else pass(r, `${manifest.name}: LICENSE, README, CHANGELOG, metadata, no workspace: ranges`);
    tarballs.push(file);
  }
  return tarballs;
}

/** What is wrong with one tarball, as a user would find out after installing it. */
function tarballProblems(file, dirName) {
  const list = spawnSync('tar', ['-tzf', file], { encoding: 'utf8' }).stdout.split('\n');
  const problems = [];
  for (const f of ['LICENSE', 'README.md', 'CHANGELOG.md', 'package.json', 'dist/index.js'])
    if (!list.includes(`package/${f}`)) problems.push(`no ${f}`);
  const text = spawnSync('tar', ['-xzOf', file, 'package/package.json'], {
    encoding: 'utf8',
  }).stdout;
  const pkg = JSON.parse(text);
  if (text.includes('workspace:')) problems.push('a workspace: range is left');
  if (pkg.repository?.directory !== `packages/${dirName}` || !pkg.repository?.url)
    problems.push('repository (with directory) missing');
  if (!pkg.homepage) problems.push('no homepage');
  if (!pkg.bugs?.url) problems.push('no bugs url');
  if (pkg.license !== 'MIT') problems.push('license is not MIT');
  for (const [where, target] of exportTargets(pkg.exports ?? {}))
    if (!list.includes(`package/${target.replace(/^\.\//, '')}`))
      problems.push(`exports ${where} points at missing ${target}`);
  return problems;
}

/** Every file an `exports` map points at, with its path of subpaths and conditions (nested to any depth). */
function exportTargets(exports, where = []) {
  if (typeof exports === 'string') return [[where.join(' > ') || '.', exports]];
  return Object.entries(exports).flatMap(([key, value]) => exportTargets(value, [...where, key]));
}

// ---- 2. install with npm ----
async function install(project, tarballs) {
  const r = row('consumer: npm install of the tarballs');
  const init = await exec('npm', ['init', '-y'], { cwd: project });
  if (init.code !== 0) {
    fail(r, 'npm init -y', init.stderr.slice(-500));
    return false;
  }
  const res = await exec(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      ...tarballs,
      ...EXTRA_DEPS,
    ],
    { cwd: project },
  );
  if (res.code !== 0) {
    fail(r, 'npm install', res.stderr.slice(-1500));
    return false;
  }
  const ioredis = JSON.parse(
    readFileSync(join(project, 'node_modules', 'ioredis', 'package.json'), 'utf8'),
  ).version;
  pass(
    r,
    `npm install: ${tarballs.length} tarballs, ${EXTRA_DEPS.join(', ')} (peer ioredis ${ioredis})`,
  );
  return true;
}

// ---- 3. examples on Node ----
function examples() {
  return readdirSync(join(root, 'examples'))
    .filter((f) => /\.(mjs|cjs)$/.test(f))
    .sort();
}

/**
 * Runs one example with `cmd` in the project; compares its stdout with `<example>.out` and,
 * when `forbiddenStderr` is given, fails when its stderr matches (a runtime's warning).
 */
async function runExample(r, label, cmd, argv, project, file, options = {}) {
  const { env = {}, timeoutMs = EXAMPLE_TIMEOUT_MS, forbiddenStderr } = options;
  const port = await freePort();
  const res = await exec(cmd, [...argv, file], {
    cwd: project,
    env: { ...process.env, PORT: String(port), ...env },
    timeoutMs,
  });
  const expectedFile = join(root, 'examples', `${file}.out`);
  const expected = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8') : undefined;
  if (res.timedOut) fail(r, label, `did not exit by itself within ${timeoutMs} ms`);
  else if (res.code !== 0)
    fail(r, label, `exit ${res.code}: ${(res.stderr || res.stdout).slice(-800)}`);
  else if (expected !== undefined && res.stdout !== expected)
    fail(
      r,
      label,
      `printed ${JSON.stringify(res.stdout)}, the README shows ${JSON.stringify(expected)}`,
    );
  else if (forbiddenStderr?.test(res.stderr)) fail(r, label, `warned: ${res.stderr.trim()}`);
  else {
    pass(r, label);
    if (res.stderr.trim()) console.log(`       (stderr: ${res.stderr.trim().slice(0, 300)})`);
  }
}

/** A redis-server on a free loopback port for the Redis example; undefined when there is none. */
async function startRedis() {
  const dep = SYSTEM_DEPS.find((d) => d.name === 'redis-server');
  const bin = process.env[dep.env] ?? dep.bin;
  if (!existsSync(bin)) return undefined;
  const port = await freePort();
  const child = spawn(
    bin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const ready = await new Promise((resolve) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      if (out.includes('Ready to accept connections')) resolve(true);
    });
    child.once('exit', () => resolve(false));
  });
  if (!ready) return undefined;
  return { url: `redis://127.0.0.1:${port}`, stop: () => child.kill('SIGKILL') };
}

async function nodeExamples(project) {
  const r = row('consumer: README examples on Node 20 (ESM, CommonJS)');
  let redis;
  for (const file of examples().filter((f) => runtimeOf(f) === 'node')) {
    if (file.startsWith('redis')) {
      redis ??= await startRedis();
      if (!redis) {
        r.skipped += 1;
        console.log(`  skip ${file}: no redis-server`);
        continue;
      }
    }
    const env = redis ? { REDIS_URL: redis.url } : {};
    await runExample(r, `node ${file}`, process.execPath, [], project, file, { env });
  }
  redis?.stop();
}

/** Every package loads through require() and import(), with the same exports in both. */
async function entryPoints(project) {
  const r = row('consumer: CommonJS and ESM entry points (same exports)');
  copyFileSync(join(root, 'scripts', 'consumer', 'exports.cjs'), join(project, 'exports.cjs'));
  const names = packages.map((p) => `@sse/${p}`);
  const res = await exec(process.execPath, ['exports.cjs', ...names], { cwd: project });
  if (res.code !== 0) {
    fail(r, 'require() and import() of every package', res.stderr.slice(-800));
    return;
  }
  const seen = new Map(
    res.stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
      .map((e) => [e.name, e]),
  );
  for (const name of names) {
    const e = seen.get(name);
    if (!e) fail(r, name, 'not loaded');
    else if (!e.esm.length) fail(r, name, 'exports nothing');
    else if (JSON.stringify(e.cjs) !== JSON.stringify(e.esm))
      fail(r, name, `require() gives [${e.cjs}], import() gives [${e.esm}]`);
    else pass(r, `${name}: ${e.esm.length} exports, the same from require() and import()`);
  }
}

// ---- 4. types ----
async function types(project) {
  const r = row('consumer: types (skipLibCheck false; node16, bundler; with and without DOM)');
  const dir = join(root, 'scripts', 'consumer');
  for (const f of readdirSync(dir))
    if (/\.(mts|cts|ts|json)$/.test(f)) copyFileSync(join(dir, f), join(project, f));
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  for (const config of readdirSync(dir)
    .filter((f) => f.startsWith('tsconfig.'))
    .sort()) {
    const res = await exec(process.execPath, [tsc, '-p', config], { cwd: project });
    const name = config.replace(/^tsconfig\.|\.json$/g, '');
    if (res.code === 0) pass(r, `tsc ${name}`);
    else fail(r, `tsc ${name}`, (res.stdout + res.stderr).trim().slice(0, 1500));
  }
}

// ---- 5. Deno and Bun ----
async function otherRuntimes(project) {
  for (const rt of ['deno', 'bun']) {
    const spec = RUNTIMES[rt];
    const r = row(`consumer: README examples on ${spec.label}`);
    const [cmd, ...pre] = spec.cmd;
    for (const file of [PORTABLE_EXAMPLE, ...examples().filter((f) => runtimeOf(f) === rt)]) {
      const own = runtimeOf(file) === rt;
      await runExample(
        r,
        `${spec.label} ${file}`,
        cmd,
        [...pre, ...(own ? RUNTIME_ARGS[rt] : [])],
        project,
        file,
        {
          timeoutMs: RUNTIME_TIMEOUT_MS,
          forbiddenStderr: own ? FORBIDDEN_STDERR[rt] : undefined,
        },
      );
    }
  }
}

// ---- 6. size ----
async function size(project) {
  const r = row(`consumer: @sse/client EventSource ≤ ${EVENTSOURCE_BUDGET} B min+gzip`);
  const esbuild = createRequire(join(root, 'packages', 'client', 'package.json'))('esbuild');
  const result = await esbuild.build({
    stdin: { contents: "export { EventSource } from '@sse/client';", resolveDir: project },
    bundle: true,
    minify: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0].contents;
  const gz = gzipSync(code, { level: 9 }).length;
  const what = `EventSource from the tarball: ${code.length} B min, ${gz} B min+gzip (budget ${EVENTSOURCE_BUDGET})`;
  if (gz <= EVENTSOURCE_BUDGET) pass(r, what);
  else fail(r, what, `over the budget by ${gz - EVENTSOURCE_BUDGET} B`);
}

async function main() {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), 'sse-consumer-'));
  const project = join(work, 'app');
  mkdirSync(project);
  console.log(`[consumer] ${work}`);
  try {
    const tarballs = packAll(work);
    if (tarballs.length === packages.length && (await install(project, tarballs))) {
      for (const f of examples()) copyFileSync(join(root, 'examples', f), join(project, f));
      await nodeExamples(project);
      await entryPoints(project);
      await types(project);
      await otherRuntimes(project);
      await size(project);
    }
  } finally {
    if (!args.keep) rmSync(work, { recursive: true, force: true });
  }
  console.log(`[consumer] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const report = suites.map(({ failures, ...s }) => s);
  if (args.json) writeFileSync(String(args.json), JSON.stringify({ suites: report }, null, 2));
  process.exit(suites.some((s) => s.failed) ? 1 : 0);
}

await main();
