// The runtime matrix: the SAME test files of @sse/core, @sse/client and @sse/web, run in
// every runtime the toolkit claims to support.
//
//   node scripts/matrix.mjs                     every runtime below except Node 20
//   node scripts/matrix.mjs --readme            also Node 20, then rewrite the README table
//   node scripts/matrix.mjs --runtimes=bun,deno --json=.tmp/matrix.json
//   --no-bench   skip the benchmark smoke check (apps/bench --quick), which runs by default
//   --suites=client   only these packages' suites (of core, client, web)
//
// How each runtime runs the tests (details and reasons in scripts/matrix/README.md):
// - Node 22 / 24, Bun, Deno: vitest itself, started by that runtime (`bun --bun`,
//   `deno run -A`), so its test workers are that runtime; the same vitest.config.ts.
// - workerd (through miniflare 4 on Node 22) and headless Chromium: vitest cannot run
//   inside them, so each test file is bundled unchanged with esbuild, `vitest` aliased
//   to scripts/matrix/vitest-shim.mjs (vitest's own expect and spies on a small runner).
//   Files that import Node built-ins (node:http servers, child processes) or use vitest
//   features that only exist in its Node runner cannot run there: they are left out and
//   listed with the reason.
// Exit status: non-zero when any test failed in any runtime (or a runtime could not start).
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { chromiumPath } from './chromium.mjs';
import { replaceGenerated } from './generated-markdown.mjs';
import { RUNTIMES } from './runtimes.mjs';

const root = new URL('..', import.meta.url).pathname;
const tmp = join(root, '.tmp', 'matrix');
const benchRequire = createRequire(join(root, 'apps', 'bench', 'package.json'));
const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [k, v] = a.replace(/^--/, '').split('=');
    return [k, v ?? true];
  }),
);

/** The packages whose suites the matrix runs, and where. */
const SUITES = {
  core: { label: '@sse/core', runtimes: 'all' },
  client: { label: '@sse/client', runtimes: 'all' },
  web: { label: '@sse/web', runtimes: ['node20', 'node22', 'node24', 'bun', 'deno', 'workerd'] },
};

/**
 * Test files left out of one runtime on purpose, with the reason. Files that import Node
 * built-ins are left out of workerd and Chromium automatically (see `bundleFile`).
 * Keys are `runtime` and paths relative to the repository root.
 */
const EXCLUDE = {};

/** vitest features the bundled runner does not have: a file that uses one is left out. */
const NODE_RUNNER_ONLY = [
  [/\bvi\.(useFakeTimers|advanceTimers\w*|runAllTimers|runOnlyPendingTimers)\b/, 'fake timers'],
  [/\bvi\.(mock|doMock|hoisted|importActual|importMock)\b/, 'module mocking'],
  [/\.toMatch(Inline|File)?Snapshot\b/, 'snapshots'],
];

const defaultRuntimes = Object.keys(RUNTIMES).filter((r) => r !== 'node20' || args.readme);
const runtimes = args.runtimes ? String(args.runtimes).split(',') : defaultRuntimes;
for (const r of runtimes) if (!RUNTIMES[r]) throw new Error(`unknown runtime ${r}`);

function testFiles(pkg) {
  const out = [];
  const walk = (dir) => {
    if (!existsSync(dir)) return;
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.test.ts')) out.push(p);
    }
  };
  walk(join(root, 'packages', pkg, 'src'));
  walk(join(root, 'packages', pkg, 'test'));
  return out.sort();
}

/** `--suites=client,core` limits the run to those packages (default: all of SUITES). */
const onlySuites = args.suites ? String(args.suites).split(',') : Object.keys(SUITES);
for (const s of onlySuites) if (!SUITES[s]) throw new Error(`unknown suite ${s}`);

function suitesFor(runtime) {
  return onlySuites.filter((s) => {
    const r = SUITES[s].runtimes;
    return r === 'all' || r.includes(runtime);
  });
}

function exec(cmd, argv, { log, timeoutMs = 600_000, env = process.env } = {}) {
  return new Promise((resolve) => {
    const child = spawn(cmd, argv, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const onData = (d) => {
      out += d;
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const timer = setTimeout(() => {
      out += `\n[matrix] timed out after ${timeoutMs} ms, killing\n`;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      if (log) writeFileSync(log, out);
      resolve({ code: code ?? 1, out });
    });
  });
}

const empty = () => ({ passed: 0, failed: 0, skipped: 0, excluded: [], failures: [], note: '' });

// ---- vitest in the runtime itself ----
async function runVitest(rt) {
  const spec = RUNTIMES[rt];
  const suites = suitesFor(rt).filter((s) => testFiles(s).length);
  const result = Object.fromEntries(suitesFor(rt).map((s) => [s, empty()]));
  for (const s of suitesFor(rt)) if (!testFiles(s).length) result[s].note = 'no test files yet';
  if (!suites.length) return result;
  const out = join(tmp, `${rt}.vitest.json`);
  const excluded = Object.entries(EXCLUDE[rt] ?? {});
  const argv = [
    ...spec.cmd.slice(1),
    join(root, 'node_modules', 'vitest', 'vitest.mjs'),
    'run',
    ...suites.flatMap((s) => ['--project', s]),
    ...excluded.flatMap(([file]) => ['--exclude', file]),
    '--reporter=json',
    `--outputFile.json=${out}`,
    '--reporter=dot',
  ];
  if (existsSync(out)) writeFileSync(out, '');
  const { code, out: text } = await exec(spec.cmd[0], argv, { log: join(tmp, `${rt}.log`) });
  let json;
  try {
    json = JSON.parse(readFileSync(out, 'utf8'));
  } catch {
    for (const s of suites) {
      result[s].failed += 1;
      result[s].failures.push(`vitest did not report (exit ${code}): ${text.slice(-2000)}`);
    }
    return result;
  }
  for (const file of json.testResults ?? []) {
    const rel = relative(root, file.name);
    const s = rel.split('/')[1];
    const r = result[s];
    if (!r) continue;
    if (!file.assertionResults?.length && file.status === 'failed') {
      r.failed += 1;
      r.failures.push(`${rel}: ${String(file.message).slice(0, 500)}`);
    }
    for (const a of file.assertionResults ?? []) {
      if (a.status === 'passed') r.passed += 1;
      else if (a.status === 'failed') {
        r.failed += 1;
        r.failures.push(
          `${rel} > ${a.fullName}: ${String(a.failureMessages?.[0] ?? '').slice(0, 500)}`,
        );
      } else r.skipped += 1;
    }
  }
  for (const [file, reason] of excluded) {
    const s = file.split('/')[1];
    result[s]?.excluded.push({ file, reason });
  }
  unreported(code, text, suites, result);
  return result;
}

/**
 * vitest's JSON report has no place for errors outside a test (an unhandled rejection, an
 * uncaught exception): it prints them and exits non-zero. Each one fails the suite of the
 * file it originated in (or every suite when vitest cannot tell), so the matrix fails on
 * them in every runtime, as the Node run does; so does any other non-zero exit.
 */
function unreported(code, output, suites, result) {
  const text = output.replace(/\x1b\[[0-9;]*m/g, ''); // vitest colours its output even into a pipe
  const blocks = text.split(/⎯+ Unhandled (?:Rejection|Error) ⎯+/).slice(1);
  for (const block of blocks) {
    const file = /originated in "([^"]+)"/.exec(block)?.[1];
    const hit = suites.filter((s) => file && testFiles(s).some((f) => f.endsWith(file)));
    for (const s of hit.length ? hit : suites) {
      result[s].failed += 1;
      result[s].failures.push(
        `unhandled error${file ? ` in ${file}` : ''}: ${block.trim().slice(0, 500)}`,
      );
    }
  }
  if (code !== 0 && !suites.some((s) => result[s].failed)) {
    for (const s of suites) {
      result[s].failed += 1;
      result[s].failures.push(`vitest exited with code ${code}: ${text.slice(-1000)}`);
    }
  }
}

// ---- bundled: workerd and Chromium ----
async function bundleFile(file, platform) {
  const esbuild = benchRequire('esbuild');
  const source = readFileSync(file, 'utf8');
  for (const [re, what] of NODE_RUNNER_ONLY)
    if (re.test(source)) return { reason: `uses ${what}, which only vitest's Node runner has` };
  const builtins = new Set(); // Node built-ins imported by the project's own test code
  const nodeOnlyPackages = new Set(); // packages that import Node built-ins themselves
  const nodeBuiltins = new Set(builtinModules);
  const shim = join(root, 'scripts', 'matrix', 'vitest-shim.mjs');
  const entry =
    `import { __runCollected } from ${JSON.stringify(shim)};\n` +
    `import ${JSON.stringify(file)};\n` +
    (platform === 'workerd'
      ? // The client test server's URL arrives as a binding (see run-workerd.mjs).
        'export default { async fetch(_req, env) {\n' +
        '  if (env.SSE_TEST_SERVER) globalThis.__SSE_TEST_SERVER__ = env.SSE_TEST_SERVER;\n' +
        '  return Response.json(await __runCollected());\n} };\n'
      : 'export { __runCollected as run };\n');
  const result = await esbuild.build({
    stdin: { contents: entry, resolveDir: root, sourcefile: 'matrix-entry.js' },
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    conditions: platform === 'workerd' ? ['workerd', 'worker', 'browser'] : ['browser'],
    nodePaths: [join(root, 'apps', 'bench', 'node_modules')],
    logLevel: 'silent',
    plugins: [
      {
        name: 'matrix-resolve',
        setup(build) {
          build.onResolve({ filter: /^vitest$/ }, () => ({ path: shim }));
          // The test file is imported only for its side effects (it registers tests);
          // the package's `sideEffects: false` must not let esbuild drop it.
          build.onResolve({ filter: /\.test\.ts$/ }, (a) =>
            a.path === file ? { path: file, sideEffects: true } : undefined,
          );
          build.onResolve({ filter: /^@sse\/[\w-]+$/ }, (a) => ({
            path: join(root, 'packages', a.path.slice(5), 'src', 'index.ts'),
          }));
          build.onResolve({ filter: /^[\w:/-]+$/ }, (a) => {
            const bare = a.path.replace(/^node:/, '');
            if (a.path.startsWith('node:') || nodeBuiltins.has(bare.split('/')[0])) {
              const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)\/(?!.*node_modules)/.exec(a.importer);
              if (pkg) nodeOnlyPackages.add(pkg[1]);
              else builtins.add(`node:${bare}`);
              return { path: a.path, external: true };
            }
            return undefined;
          });
        },
      },
    ],
  });
  if (builtins.size || nodeOnlyPackages.size) {
    const parts = [];
    if (builtins.size) parts.push(`${[...builtins].sort().join(', ')}`);
    if (nodeOnlyPackages.size)
      parts.push(`${[...nodeOnlyPackages].sort().join(', ')} (packages that need Node built-ins)`);
    return { reason: `its test code imports ${parts.join(' and ')}` };
  }
  return { code: result.outputFiles[0].text };
}

async function runBundled(rt) {
  const spec = RUNTIMES[rt];
  const result = Object.fromEntries(suitesFor(rt).map((s) => [s, empty()]));
  if (rt === 'chromium' && !existsSync(chromiumPath)) {
    // Never download a browser: without the system one, say so instead of failing.
    for (const r of Object.values(result)) r.note = `skipped: no Chromium at ${chromiumPath}`;
    console.log(`(skipped: no Chromium at ${chromiumPath}) `);
    return result;
  }
  const jobs = [];
  for (const s of suitesFor(rt)) {
    const files = testFiles(s);
    if (!files.length) result[s].note = 'no test files yet';
    for (const file of files) {
      const rel = relative(root, file);
      const manual = EXCLUDE[rt]?.[rel];
      if (manual) {
        result[s].excluded.push({ file: rel, reason: manual });
        continue;
      }
      let b;
      try {
        b = await bundleFile(file, spec.platform);
      } catch (e) {
        result[s].failed += 1;
        result[s].failures.push(`${rel}: could not be bundled: ${e.message}`);
        continue;
      }
      if (b.reason) {
        result[s].excluded.push({ file: rel, reason: b.reason });
        continue;
      }
      const path = join(tmp, 'bundles', rt, `${jobs.length}.mjs`);
      mkdirSync(join(tmp, 'bundles', rt), { recursive: true });
      writeFileSync(path, b.code);
      jobs.push({ suite: s, file: rel, path });
    }
  }
  if (!jobs.length) return result;
  const list = join(tmp, `${rt}.jobs.json`);
  const outFile = join(tmp, `${rt}.results.json`);
  writeFileSync(list, JSON.stringify(jobs));
  writeFileSync(outFile, '');
  const runner = join(root, 'scripts', 'matrix', `run-${rt}.mjs`);
  const [cmd, ...pre] = rt === 'workerd' ? ['npx', '-y', 'node@22'] : [process.execPath];
  const { code, out } = await exec(cmd, [...pre, runner, list, outFile], {
    log: join(tmp, `${rt}.log`),
  });
  let files;
  try {
    files = JSON.parse(readFileSync(outFile, 'utf8'));
  } catch {
    for (const j of jobs) {
      result[j.suite].failed += 1;
      result[j.suite].failures.push(`${j.file}: runner failed (exit ${code}): ${out.slice(-1500)}`);
    }
    return result;
  }
  for (const f of files) {
    const r = result[f.suite];
    if (f.error) {
      r.failed += 1;
      r.failures.push(`${f.file}: ${f.error}`);
    }
    for (const t of f.tests ?? []) {
      if (t.status === 'passed') r.passed += 1;
      else if (t.status === 'failed') {
        r.failed += 1;
        r.failures.push(`${f.file} > ${t.name}: ${t.error}`);
      } else r.skipped += 1;
    }
  }
  return result;
}

// ---- the benchmark's quick mode, as a smoke check (it runs, it reports; no thresholds) ----
async function benchSmoke() {
  const main = join(root, 'apps', 'bench', 'dist', 'main.js');
  if (!existsSync(main)) return null;
  const t0 = Date.now();
  process.stdout.write('[matrix] apps/bench --quick (smoke, no thresholds) ... ');
  const { code, out } = await exec(process.execPath, [main, '--quick'], {
    log: join(tmp, 'bench-quick.log'),
  });
  console.log(`${code === 0 ? 'ok' : 'FAILED'} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  if (code !== 0) console.log(out.slice(-3000));
  return {
    name: 'apps/bench --quick (smoke)',
    passed: code === 0 ? 1 : 0,
    failed: code === 0 ? 0 : 1,
  };
}

// ---- report ----
function cell(r) {
  if (!r) return '—';
  if (r.note && !r.passed && !r.failed) return r.note;
  const parts = [`${r.failed ? '❌' : '✅'} ${r.passed} passed`];
  if (r.failed) parts.push(`${r.failed} failed`);
  if (r.skipped) parts.push(`${r.skipped} skipped`);
  if (r.excluded.length) parts.push(`${r.excluded.length} file(s) left out¹`);
  return parts.join(', ');
}

function table(all, rts) {
  const head = `| package | ${rts.map((r) => RUNTIMES[r].label).join(' | ')} |`;
  const sep = `| --- | ${rts.map(() => '---').join(' | ')} |`;
  const rows = Object.keys(SUITES).map(
    (s) => `| \`${SUITES[s].label}\` | ${rts.map((r) => cell(all[r]?.[s])).join(' | ')} |`,
  );
  const notes = [];
  for (const r of rts)
    for (const s of Object.keys(SUITES))
      for (const e of all[r]?.[s]?.excluded ?? [])
        notes.push(`- ${RUNTIMES[r].label}: \`${e.file}\` — ${e.reason}.`);
  return { head, sep, rows, notes };
}

async function main() {
  mkdirSync(tmp, { recursive: true });
  const all = {};
  const started = Date.now();
  for (const rt of runtimes) {
    const t0 = Date.now();
    process.stdout.write(`[matrix] ${RUNTIMES[rt].label} ... `);
    all[rt] = RUNTIMES[rt].kind === 'vitest' ? await runVitest(rt) : await runBundled(rt);
    const sum = Object.values(all[rt]).reduce((a, r) => [a[0] + r.passed, a[1] + r.failed], [0, 0]);
    console.log(`${sum[0]} passed, ${sum[1]} failed (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    for (const r of Object.values(all[rt]))
      for (const f of r.failures) console.log(`    FAIL ${f}`);
  }
  const extra = args['no-bench'] ? [] : [await benchSmoke()];
  const { head, sep, rows, notes } = table(all, runtimes);
  console.log(`\n${head}\n${sep}\n${rows.join('\n')}`);
  if (notes.length) console.log(`\n¹ left out:\n${notes.join('\n')}`);
  console.log(`\n[matrix] done in ${((Date.now() - started) / 1000).toFixed(1)} s`);

  const suites = [];
  for (const rt of runtimes)
    for (const [s, r] of Object.entries(all[rt])) {
      if (!r.passed && !r.failed && !r.skipped) continue;
      suites.push({
        name: `${SUITES[s].label} on ${RUNTIMES[rt].label}`,
        passed: r.passed,
        failed: r.failed,
        skipped: r.skipped,
      });
    }
  for (const e of extra) if (e) suites.push(e);
  const report = { date: new Date().toISOString(), runtimes, results: all, suites };
  writeFileSync(join(tmp, 'latest.json'), JSON.stringify(report, null, 2));
  if (args.json) writeFileSync(String(args.json), JSON.stringify(report, null, 2));
  if (args.readme) updateReadme(head, sep, rows, notes, report.date);
  process.exit(suites.some((s) => s.failed) ? 1 : 0);
}

function updateReadme(head, sep, rows, notes, date) {
  const body = [
    '',
    `Generated by \`node scripts/matrix.mjs --readme\` on ${date.slice(0, 10)} (test counts per package and runtime; the same test files everywhere).`,
    '',
    head,
    sep,
    ...rows,
    '',
    '— not in the matrix: `@sse/web` is a server adapter, so Chromium runs `@sse/core` and `@sse/client`.',
    '',
    ...(notes.length
      ? [
          "¹ Left out there, because the file needs a Node process around it (a `node:http` server, a child process, a browser driven from Node); everything else in those files runs. The client's spec cases run in workerd and Chromium through `packages/client/test/portable.test.ts`, against a server the runner starts outside them (`scripts/matrix/client-test-server.mjs`); workerd's own `MessageEvent` drops `lastEventId` and `origin` from its init dictionary, so the client sets both on the event there, and those cases run in workerd too. `@sse/client` in a real browser is also tested by `packages/client/test/browser.test.ts`, which runs the bundled client in Chromium from Node, side by side with the native `EventSource`.",
          '',
          ...notes,
          '',
        ]
      : []),
  ].join('\n');
  replaceGenerated(root, 'README.md', 'matrix', body);
  console.log('[matrix] README.md table updated');
}

await main();
