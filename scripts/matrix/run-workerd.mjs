// Runs bundled test files inside workerd through miniflare 4 (needs Node >= 22).
// Each file is its own worker (its own isolate, as vitest gives each file its own
// module graph); its fetch handler runs the collected tests and answers with results.
// Usage: node run-workerd.mjs <jobs.json> <results.json>
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const root = new URL('../..', import.meta.url).pathname;
const require = createRequire(`${root}apps/bench/package.json`);
const { Miniflare } = await import(require.resolve('miniflare'));
const [jobsPath, outPath] = process.argv.slice(2);
const jobs = JSON.parse(readFileSync(jobsPath, 'utf8'));
const results = [];
for (const job of jobs) {
  const mf = new Miniflare({
    modules: true,
    script: readFileSync(job.path, 'utf8'),
    compatibilityDate: '2025-01-01',
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
writeFileSync(outPath, JSON.stringify(results));
