// Finds (and, where allowed, installs) the system programs some suites need:
// Chromium for browser tests, redis-server for @sse/redis, nginx for the proxy test,
// prometheus for @sse/metrics' real-Prometheus test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const SYSTEM_DEPS = [
  { name: 'chromium', bin: '/usr/bin/chromium', apt: 'chromium', env: 'SSE_CHROMIUM' },
  {
    name: 'redis-server',
    bin: '/usr/bin/redis-server',
    apt: 'redis-server',
    env: 'SSE_REDIS_SERVER',
  },
  { name: 'nginx', bin: '/usr/sbin/nginx', apt: 'nginx', env: 'SSE_NGINX' },
  { name: 'prometheus', bin: '/usr/bin/prometheus', apt: 'prometheus', env: 'SSE_PROMETHEUS' },
];

function which(bin) {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : '';
}

/** Path of each program, installing missing ones with apt-get when running as root. */
export function ensureSystemDeps({ install = true } = {}) {
  const missing = SYSTEM_DEPS.filter((d) => !existsSync(d.bin) && !which(d.name));
  const canApt = install && process.getuid?.() === 0 && which('apt-get');
  if (missing.length && canApt) {
    console.log(`Installing system packages: ${missing.map((d) => d.apt).join(' ')}`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map((d) => d.apt)], {
      stdio: 'inherit',
      env,
    });
  }
  const found = {};
  for (const d of SYSTEM_DEPS) {
    const path = existsSync(d.bin) ? d.bin : which(d.name);
    if (path) {
      found[d.name] = path;
      process.env[d.env] ??= path;
    } else {
      console.warn(`! ${d.name} not found: the suites that need it will report as skipped.`);
    }
  }
  return found;
}
