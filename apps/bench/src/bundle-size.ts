import { createRequire } from 'node:module';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { fmt, type SectionResult } from './util';

/** The client's EventSource budget: `sizeBudget` in its package.json, which its size test reads too. */
const CLIENT_BUDGET: number = createRequire(import.meta.url)('@sse/client/package.json').sizeBudget
  .EventSource;

/** [package, what is bundled, entry source, budget in bytes min+gzip]. */
const TARGETS: [string, string, string, number | undefined][] = [
  ['@sse/core', 'everything @sse/core exports', `export * from '@sse/core';`, undefined],
  [
    '@sse/client',
    'EventSource only (with the decoder it uses)',
    `export { EventSource } from '@sse/client';`,
    CLIENT_BUDGET,
  ],
  ['@sse/client', 'everything @sse/client exports', `export * from '@sse/client';`, undefined],
  [
    '@sse/web',
    'everything @sse/web exports (with @sse/server, @sse/core)',
    `export * from '@sse/web';`,
    undefined,
  ],
];

/**
 * Bundle size as a browser or worker user pays it: the built package (dist) and what
 * it imports, bundled by esbuild for the browser, minified, then gzip -9.
 */
export async function bundleSizes(): Promise<SectionResult> {
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const [pkg, what, contents, limit] of TARGETS) {
    try {
      const out = await build({
        stdin: { contents, resolveDir: import.meta.dirname },
        bundle: true,
        minify: true,
        format: 'esm',
        platform: 'browser',
        target: 'es2022',
        write: false,
        logLevel: 'silent',
      });
      const code = out.outputFiles[0]!.contents;
      const gz = gzipSync(code, { level: 9 }).length;
      const empty = code.length < 40;
      rows.push([
        pkg,
        what,
        empty ? 'nothing exported yet' : fmt(code.length),
        empty ? '' : fmt(gz),
        limit ? `<= ${fmt(limit)}` : '',
      ]);
      data.push({ package: pkg, what, minBytes: code.length, gzipBytes: gz, limit });
    } catch (e) {
      rows.push([pkg, what, 'not available', (e as Error).message.split('\n')[0]!, '']);
      data.push({ package: pkg, error: (e as Error).message });
    }
  }
  return {
    name: 'bundle sizes',
    tables: [
      {
        title: 'Bundle size (esbuild, browser, minified; gzip -9)',
        columns: ['package', 'bundle', 'min bytes', 'min+gzip bytes', 'budget'],
        rows,
      },
    ],
    ratios: [],
    notes: [],
    data,
  };
}
