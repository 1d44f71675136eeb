// Builds the demo: the server (dist/main.js, workspace packages and npm dependencies
// stay external and load from node_modules) and the page (dist/public/: the HTML, the
// CSS and one browser bundle that includes @sse/client). `npm start` runs this through
// `turbo run build`; the tests call `buildPublic` to bundle the page from source.
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const here = fileURLToPath(new URL('.', import.meta.url));
const pageFiles = ['index.html', 'style.css', 'favicon.svg'];

/** Bundles the browser page into `outdir` (index.html, style.css, favicon.svg, app.js). */
export async function buildPublic(outdir) {
  mkdirSync(outdir, { recursive: true });
  await build({
    entryPoints: [`${here}src/public/app.ts`],
    outfile: `${outdir}/app.js`,
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    // tsconfig paths map @sse/* to packages/*/src: the page always runs current source.
    tsconfig: `${here}tsconfig.json`,
    logLevel: 'warning',
  });
  for (const file of pageFiles) copyFileSync(`${here}src/public/${file}`, `${outdir}/${file}`);
}

/** Bundles the server entry; packages load from node_modules at run time. */
export async function buildServer(outfile) {
  await build({
    entryPoints: [`${here}src/main.ts`],
    outfile,
    bundle: true,
    packages: 'external',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    // No tsconfig paths here: @sse/* resolve through node_modules to their built dist.
    tsconfigRaw: {},
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  rmSync(`${here}dist`, { recursive: true, force: true });
  await Promise.all([buildServer(`${here}dist/main.js`), buildPublic(`${here}dist/public`)]);
}
