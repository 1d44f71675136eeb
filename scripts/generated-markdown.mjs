// Generated parts of Markdown files: the text between `<!-- <marker>:start -->` and
// `<!-- <marker>:end -->`, rewritten by a script. Used by scripts/matrix.mjs (the README's
// runtime table), apps/bench/src/main.ts (docs/BENCHMARKS.md) and scripts/readme-examples.mjs
// (the READMEs' examples, copied from examples/).
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The text of `root`/`file` with what lies between the markers of `marker` replaced by
 * `body`, formatted as Biome formats Markdown. Lets a check compare without writing.
 * Throws `<file> has no <marker> markers` when either marker is missing.
 */
export function generatedText(root, file, marker, body) {
  const text = readFileSync(join(root, file), 'utf8');
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  if (a === -1 || b === -1) throw new Error(`${file} has no ${marker} markers`);
  return text.slice(0, a + start.length) + formatMarkdown(root, body) + text.slice(b);
}

/**
 * Replaces what lies between the markers of `marker` in `root`/`file` with `body`,
 * formatted as Biome formats Markdown (so `biome ci` passes on the file). Throws
 * `<file> has no <marker> markers` when either marker is missing.
 */
export function replaceGenerated(root, file, marker, body) {
  writeFileSync(join(root, file), generatedText(root, file, marker, body));
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
