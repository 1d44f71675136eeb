// Generated parts of Markdown files: the text between `<!-- <marker>:start -->` and
// `<!-- <marker>:end -->`, rewritten by a script. Used by scripts/matrix.mjs (the README's
// runtime table) and apps/bench/src/main.ts (docs/BENCHMARKS.md).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Replaces what lies between the markers of `marker` in `root`/`file` with `body`,
 * formatted as Biome formats Markdown (so `biome ci` passes on the file). Throws
 * `<file> has no <marker> markers` when either marker is missing.
 */
export function replaceGenerated(root, file, marker, body) {
  const path = join(root, file);
  const text = readFileSync(path, 'utf8');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) throw new Error(`${file} has no ${marker} markers`);
  writeFileSync(path, text.slice(0, a + start.length) + formatMarkdown(root, body) + text.slice(b));
}

/** Formats Markdown with the repository's Biome; the text unchanged when Biome fails. */
function formatMarkdown(root, text) {
  const biome = join(root, 'node_modules', '.bin', 'biome');
  const r = spawnSync(biome, ['format', '--stdin-file-path=generated.md'], {
    input: text,
    encoding: 'utf8',
  });
  return r.status === 0 && r.stdout ? `\n${r.stdout.trim()}\n` : text;
}
