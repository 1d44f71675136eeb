import { defineConfig } from 'tsup';

/**
 * ESM keeps one file per source module (every module is an entry, shared code is split), so
 * an application bundler drops what it does not import module by module, as it does from
 * source: `sideEffects: false` then removes the `TransformStream` subclasses of an app that
 * only uses `createDecoder` (the `@sse/client` size budget is measured on this output). A
 * single-file bundle would keep them, because a class that extends a global is a side effect.
 * CommonJS stays one file: it is not tree-shaken, and one file keeps one `SSEError` class.
 */
const modules = [
  'content-type',
  'decode-stream',
  'decoder',
  'decoder-stream',
  'encode',
  'encoder-stream',
  'errors',
];

export default defineConfig([
  {
    entry: ['src/index.ts', ...modules.map((name) => `src/${name}.ts`)],
    format: 'esm',
    splitting: true,
    dts: { entry: 'src/index.ts' },
    // The two builds run at once: each cleans only its own files.
    clean: ['*.js', '*.js.map', '*.d.ts'],
    sourcemap: true,
    target: 'es2022',
  },
  {
    entry: ['src/index.ts'],
    format: 'cjs',
    dts: true,
    clean: ['*.cjs', '*.cjs.map', '*.d.cts'],
    sourcemap: true,
    target: 'es2022',
  },
]);
