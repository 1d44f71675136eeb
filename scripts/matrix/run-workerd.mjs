// Runs bundled test files inside workerd through miniflare 4 (needs Node >= 22).
// Each file is its own worker (its own isolate, as vitest gives each file its own
// module graph); its fetch handler runs the collected tests and answers with results.
// The client test server (client-test-server.mjs) runs here, in the Node parent; its URL
// reaches the worker as the SSE_TEST_SERVER binding (workerd's outbound fetch to 127.0.0.1
// goes through miniflare, which allows loopback).
// Usage: node run-workerd.mjs <jobs.json> <results.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { startClientTestServer } from './client-test-server.mjs';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(`${root}apps/bench/package.json`);
const { Miniflare } = await import(require.resolve('miniflare'));
const [jobsPath, outPath] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsPath, 'utf8'));
const results = [];
const testServer = await startClientTestServer();
for (const job of jobs) {
  const mf = new Miniflare({
    modules: true,
    script: readFileSync(job.path, 'utf8'),
    compatibilityDate: '2025-01-01',
    bindings: { SSE_TEST_SERVER: testServer.url },
  });
  try {
    const res = await mf.dispatchFetch('http://localhost/');
    const text = await res.text();
    try {
      results.push({ ...job, tests: JSON.parse(text) });
    } catch {
      results.push({ ...job, error: `worker answered ${res.status}: ${text.slice(0, 500)}` });
    }
  } catch (e) {
    results.push({ ...job, error: String(e?.stack ?? e).slice(0, 800) });
  } finally {
    await mf.dispose();
  }
}
await testServer.close();
writeFileSync(outPath, JSON.stringify(results));
