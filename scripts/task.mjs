// The two commands of the README's quick start, and the benchmark:
//   npm start  -> install, build, start the demo
//   npm test   -> install, build, every check and every test suite, one summary line
//   npm run bench
// Works on a fresh machine with only Node 20+ and npm (pnpm comes through npx).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { pnpm } from './pnpm.mjs';
import { ensureSystemDeps } from './system-deps.mjs';

const root = new URL('..', import.meta.url).pathname;
process.chdir(root);
process.env.TURBO_TELEMETRY_DISABLED = '1';
process.env.DO_NOT_TRACK = '1';
const bin = (name) => join(root, 'node_modules', '.bin', name);
// turbo looks for the package manager on PATH; pnpm is a root devDependency.
process.env.PATH = `${join(root, 'node_modules', '.bin')}:${process.env.PATH}`;
const task = process.argv[2] ?? 'test';

function run(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...options });
  return r.status ?? 1;
}

function install() {
  const stamp = join(root, 'node_modules', '.modules.yaml');
  const lock = join(root, 'pnpm-lock.yaml');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= statSync(lock).mtimeMs) return;
  const frozen = process.env.CI ? ['--frozen-lockfile'] : [];
  if (pnpm(['install', ...frozen]) !== 0) {
    console.error('pnpm install failed');
    process.exit(1);
  }
}

function build() {
  if (run(bin('turbo'), ['run', 'build', '--output-logs=errors-only']) !== 0) {
    console.error('build failed');
    process.exit(1);
  }
}

install();

if (task === 'demo') {
  build();
  process.exit(run(process.execPath, ['apps/demo/dist/main.js'], { env: process.env }));
}

if (task === 'bench') {
  build();
  process.exit(run(process.execPath, ['apps/bench/dist/main.js', ...process.argv.slice(3)]));
}

// ---- test: every check and suite, then one summary line ----
const results = []; // { name, passed, failed, skipped }
const record = (name, passed, failed, skipped = 0) =>
  results.push({ name, passed, failed, skipped });
const check = (name, status) => record(name, status === 0 ? 1 : 0, status === 0 ? 0 : 1);

ensureSystemDeps();
build();

check('lint (biome)', run(bin('biome'), ['ci', '.']));
check('typecheck', run(bin('turbo'), ['run', 'typecheck', '--output-logs=errors-only']));
check('core purity', run(process.execPath, ['scripts/check-core-purity.mjs']));
for (const name of readdirSync('packages')) {
  const cwd = join(root, 'packages', name);
  const status =
    run(bin('publint'), ['--strict'], { cwd }) ||
    run(bin('attw'), ['--pack', '.', '--profile', 'node16'], { cwd });
  check(`exports @sse/${name} (publint, attw)`, status);
}

check(
  'README examples = examples/ (scripts/readme-examples.mjs --check)',
  run(process.execPath, ['scripts/readme-examples.mjs', '--check']),
);
check(
  'API reference docs/api current (scripts/api-docs.mjs --check)',
  run(process.execPath, ['scripts/api-docs.mjs', '--check']),
);

mkdirSync('.tmp', { recursive: true });

// What npm users get: packed tarballs installed with npm, README examples, types, size.
{
  const out = join(root, '.tmp', 'consumer.json');
  rmSync(out, { force: true });
  run(process.execPath, ['scripts/consumer-check.mjs', `--json=${out}`]);
  if (existsSync(out)) {
    for (const r of JSON.parse(readFileSync(out, 'utf8')).suites)
      record(r.name, r.passed, r.failed, r.skipped);
  } else {
    record('consumer check (scripts/consumer-check.mjs)', 0, 1);
  }
}

const vitestJson = join(root, '.tmp', 'vitest.json');
run(bin('vitest'), [
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${vitestJson}`,
]);
if (existsSync(vitestJson)) {
  const v = JSON.parse(readFileSync(vitestJson, 'utf8'));
  const files =
    v.testResults?.filter((f) => f.status === 'failed' && !f.assertionResults?.length).length ?? 0;
  record(
    'vitest (Node, Chromium, Redis, nginx)',
    v.numPassedTests,
    v.numFailedTests + files,
    v.numPendingTests + v.numTodoTests,
  );
} else {
  record('vitest', 0, 1);
}

// Other runtimes (Node 22/24, Deno, Bun, workerd, Chromium): see scripts/matrix.mjs.
if (existsSync('scripts/matrix.mjs')) {
  const out = join(root, '.tmp', 'matrix.json');
  const status = run(process.execPath, ['scripts/matrix.mjs', `--json=${out}`]);
  if (existsSync(out)) {
    for (const r of JSON.parse(readFileSync(out, 'utf8')).suites)
      record(`matrix: ${r.name}`, r.passed, r.failed, r.skipped ?? 0);
  } else if (status !== 0) {
    record('runtime matrix', 0, 1);
  }
}

const total = results.reduce(
  (a, r) => ({
    passed: a.passed + r.passed,
    failed: a.failed + r.failed,
    skipped: a.skipped + r.skipped,
  }),
  { passed: 0, failed: 0, skipped: 0 },
);
console.log('\nSummary');
for (const r of results)
  console.log(
    `  ${r.failed ? 'FAIL' : 'ok  '} ${r.name}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''}`,
  );
console.log(
  `tests: ${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}`,
);
process.exit(total.failed ? 1 : 0);
