// The JavaScript runtimes the toolkit is checked in, and how each is started: Node 22/24,
// Bun and Deno come from npm through npx (nothing else to install), Node 20 is this process.
// Shared by scripts/matrix.mjs (the test suites in every runtime) and
// scripts/consumer-check.mjs (the README examples from the packed tarballs).

/** Every runtime: its label, how it runs tests in the matrix, and the command that starts it. */
export const RUNTIMES = {
  node20: { label: 'Node 20', kind: 'vitest', cmd: [process.execPath] },
  node22: { label: 'Node 22', kind: 'vitest', cmd: ['npx', '-y', 'node@22'] },
  node24: { label: 'Node 24', kind: 'vitest', cmd: ['npx', '-y', 'node@24'] },
  bun: { label: 'Bun 1', kind: 'vitest', cmd: ['npx', '-y', 'bun@1', '--bun'] },
  deno: { label: 'Deno 2', kind: 'vitest', cmd: ['npx', '-y', 'deno@2', 'run', '-A'] },
  workerd: { label: 'workerd', kind: 'bundle', platform: 'workerd' },
  chromium: { label: 'Chromium', kind: 'bundle', platform: 'browser' },
};
