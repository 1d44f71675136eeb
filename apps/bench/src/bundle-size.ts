import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import { fmt, type SectionResult } from './util';

const TARGETS: [string, string, number | undefined][] = [
  ['@sse/core', 'everything @sse/core exports', undefined],
  ['@sse/client', 'everything @sse/client exports (with its @sse/core part)', 4096],
  ['@sse/web', 'everything @sse/web exports (with @sse/server and @sse/core)', undefined],
];

/**
 * Bundle size as a browser or worker user pays it: the built package (dist) and what
 * it imports, bundled by esbuild for the browser, minified, then gzip -9.
 */
export async function bundleSizes(): Promise<SectionResult> {
  const rows: string[][] = [];
  const data: Record<string, unknown>[] = [];
  for (const [pkg, what, limit] of TARGETS) {
    try {
      const out = await build({
        stdin: { contents: `export * from '${pkg}';`, resolveDir: import.meta.dirname },
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
      data.push({ package: pkg, minBytes: code.length, gzipBytes: gz, limit });
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
