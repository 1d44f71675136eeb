// `pnpm bench` / `npm run bench`: every benchmark side by side with the peers, in one
// process run, against the built packages (dist). See docs/BENCHMARKS.md.
//   --quick          small sizes, 3 repetitions: the smoke check npm test runs (no thresholds)
//   --scale          the scale run only: idle subscribers of a cluster sharing a hub through
//                    Redis, then broadcasts (--target=50000, --workers=N); --quick runs a tiny one
//   --only=a,b       run some sections: decoder, encoder, bundle, server, hub, client, compression,
//                    metrics, resumable (and scale in quick mode)
//   --no-write       print only; do not write results/ or docs/BENCHMARKS.md
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { replaceGenerated } from '../../../scripts/generated-markdown.mjs';
import { bundleSizes } from './bundle-size';
import { clientBench } from './client';
import { compressionBench } from './compression';
import { decoderBench } from './decoder';
import { encoderBench } from './encoder';
import { hubBench } from './hub';
import { metricsBench } from './metrics';
import { resumableBench } from './resumable';
import { scaleBench } from './scale';
import { serverBench } from './server';
import {
  machine,
  type Ratio,
  type RunConfig,
  ratio,
  type SectionResult,
  type Table,
  target,
  unavailable,
} from './util';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(`--${name}`);
const only = argv
  .find((a) => a.startsWith('--only='))
  ?.slice(7)
  .split(',');
const quick = flag('quick');
const cfg: RunConfig = { quick, reps: quick ? 3 : 7 };
const appDir = join(import.meta.dirname, '..');
const repoRoot = join(appDir, '..', '..');

type Section = [string, (cfg: RunConfig) => Promise<SectionResult>];
const SECTIONS: Section[] = flag('scale')
  ? [['scale', scaleBench]]
  : [
      ['bundle', () => bundleSizes()],
      ['decoder', decoderBench],
      ['encoder', encoderBench],
      ['server', serverBench],
      ['hub', hubBench],
      ['client', clientBench],
      ['compression', compressionBench],
      ['metrics', metricsBench],
      ['resumable', resumableBench],
      // The scale run is its own command (--scale); the quick smoke runs a tiny cluster.
      ...(quick ? [['scale', scaleBench] as Section] : []),
    ];

function markdown(t: Table): string {
  const esc = (s: string) => s.replaceAll('|', '\\|');
  return [
    `#### ${t.title}`,
    '',
    `| ${t.columns.map(esc).join(' | ')} |`,
    `| ${t.columns.map(() => '---').join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
    '',
  ].join('\n');
}

function render(r: SectionResult): string {
  if (r.unavailable) return `### ${r.name}\n\nNot available: ${r.unavailable}\n`;
  return [`### ${r.name}`, '', ...r.tables.map(markdown), ...r.notes.map((n) => `- ${n}`), ''].join(
    '\n',
  );
}

async function main() {
  const m = machine();
  const started = new Date();
  console.log(
    `# @sse benchmarks (${quick ? 'quick' : flag('scale') ? 'scale' : 'full'})\n\nMachine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}\n`,
  );
  const results: SectionResult[] = [];
  let failed = false;
  for (const [name, run] of SECTIONS) {
    if (only && !only.includes(name)) continue;
    const t0 = performance.now();
    let r: SectionResult;
    try {
      r = await run(cfg);
    } catch (e) {
      failed = true;
      r = unavailable(name, `failed: ${(e as Error).stack ?? e}`);
    }
    results.push(r);
    console.log(render(r));
    console.log(`(${name}: ${((performance.now() - t0) / 1000).toFixed(1)} s)\n`);
  }
  const ratios = results.flatMap((r) => r.ratios);
  if (ratios.length) {
    console.log('### All ratios (ours / theirs)\n');
    for (const r of ratios)
      console.log(
        `- ${r.name}: ${ratio(r.value)}${r.target ? ` (target ${target(r)})` : ''}${r.floor ? ` [floor ${r.floor}]` : ''}`,
      );
  }
  const json = { date: started.toISOString(), mode: quick ? 'quick' : 'full', machine: m, results };
  if (!flag('no-write')) {
    mkdirSync(join(appDir, 'results'), { recursive: true });
    const name = flag('scale') ? 'scale.json' : quick ? 'quick.tmp.json' : 'latest.json';
    writeFileSync(join(appDir, 'results', name), `${JSON.stringify(json, null, 2)}\n`);
    if (!quick) writeDocs(flag('scale') ? 'scale' : 'main', results, ratios, m, started);
  }
  // A section that threw is a broken benchmark (not a slow one): the smoke check fails.
  process.exitCode = failed ? 1 : 0;
}

/** Rewrites one generated part of docs/BENCHMARKS.md between its markers. */
function writeDocs(
  part: 'main' | 'scale',
  results: SectionResult[],
  ratios: readonly Ratio[],
  m: Record<string, string | number>,
  date: Date,
) {
  const summary: Table = {
    title: 'Summary: every ratio of this run (ours / theirs)',
    columns: ['comparison', 'ratio', 'target', 'met', 'floor'],
    rows: ratios.map((r) => [
      r.name,
      ratio(r.value),
      target(r),
      r.target === undefined || r.value === null
        ? ''
        : (r.better === 'lower' ? r.value <= r.target : r.value >= r.target)
          ? 'yes'
          : 'no',
      r.floor ?? '',
    ]),
  };
  const body = [
    '',
    `Run on ${date.toISOString().slice(0, 16).replace('T', ' ')} UTC. Machine: ${m.cpu}, ${m.cores} cores, ${m.memoryGiB} GiB, Node ${m.node}, ${m.os}; load average at the start ${m.loadAverage} (other jobs shared the machine).`,
    '',
    ...(ratios.length ? [markdown(summary)] : []),
    ...results.map(render),
  ].join('\n');
  replaceGenerated(repoRoot, 'docs/BENCHMARKS.md', `bench:${part}`, body);
}

await main();
