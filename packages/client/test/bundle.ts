import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

/**
 * Bundles the client and the @sse/core decoder from source for browsers, the way an
 * application bundler would (minified, tree-shaken, `@sse/core` inlined).
 */
export async function bundleClient(options: {
  format: 'esm' | 'iife';
  /** Module source to bundle instead of the package entry, resolved from the package folder. */
  contents?: string;
  globalName?: string;
}): Promise<string> {
  const result = await build({
    ...(options.contents === undefined
      ? { entryPoints: [here('../src/index.ts')] }
      : {
          stdin: { contents: options.contents, resolveDir: here('..'), loader: 'ts' as const },
        }),
    bundle: true,
    minify: true,
    write: false,
    format: options.format,
    globalName: options.globalName,
    platform: 'browser',
    target: 'es2022',
    alias: { '@sse/core': here('../../core/src/index.ts') },
    logLevel: 'silent',
  });
  return result.outputFiles[0]!.text;
}
