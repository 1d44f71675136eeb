// Runs bundled test files in headless Chromium (playwright-core, the system browser).
// Each file gets a fresh page on a page served from 127.0.0.1 (a real http: origin),
// imports its bundle and runs the collected tests.
// The client test server (client-test-server.mjs, another origin: it answers CORS) runs
// here too; the page gets its URL as `globalThis.__SSE_TEST_SERVER__`.
// Usage: node run-chromium.mjs <jobs.json> <results.json>
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromiumOptions } from '../chromium.mjs';
import { startClientTestServer } from './client-test-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(`${root}apps/bench/package.json`);
const { chromium } = require('playwright-core');
const [jobsPath, outPath] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsPath, 'utf8'));

const server = createServer((req, res) => {
  const m = /^\/bundle\/(\d+)\.js$/.exec(req.url ?? '');
  if (m && jobs[Number(m[1])]) {
    res.writeHead(200, { 'content-type': 'text/javascript' });
    res.end(readFileSync(jobs[Number(m[1])].path));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/html' });
  res.end('<!doctype html><title>matrix</title>');
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;
const testServer = await startClientTestServer();
const profile = mkdtempSync(join(tmpdir(), 'sse-matrix-chromium-'));
const context = await chromium.launchPersistentContext(profile, chromiumOptions());
const results = [];
try {
  for (const [i, job] of jobs.entries()) {
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    try {
      await page.goto(`${origin}/`);
      const tests = await page.evaluate(
        async ([url, testServerUrl]) => {
          globalThis.__SSE_TEST_SERVER__ = testServerUrl;
          return (await import(url)).run();
        },
        [`/bundle/${i}.js`, testServer.url],
      );
      results.push({ ...job, tests });
    } catch (e) {
      results.push({
        ...job,
        error: `${String(e?.message ?? e).slice(0, 800)} ${errors.join(' ')}`,
      });
    } finally {
      await page.close();
    }
  }
} finally {
  await context.close();
  server.close();
  await testServer.close();
  rmSync(profile, { recursive: true, force: true });
}
writeFileSync(outPath, JSON.stringify(results));
