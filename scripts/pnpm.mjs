// Runs pnpm whether or not it is installed: a fresh machine has only Node and npm.
import { spawnSync } from 'node:child_process';

const PNPM = 'pnpm@10.34.8';

function hasPnpm() {
  const r = spawnSync('pnpm', ['--version'], {
    stdio: 'ignore',
    shell: process.platform === 'win32',
  });
  return r.status === 0;
}

/** Runs `pnpm ...args` and returns its exit status. */
export function pnpm(args, options = {}) {
  const [cmd, argv] = hasPnpm() ? ['pnpm', args] : ['npx', ['-y', PNPM, ...args]];
  const r = spawnSync(cmd, argv, {
    stdio: 'inherit',
    shell: process.platform === 'win32',
    ...options,
  });
  return r.status ?? 1;
}
