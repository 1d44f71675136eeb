// The READMEs' examples are files: examples/*.mjs (and .cjs) are what the consumer check
// (scripts/consumer-check.mjs) runs from the packed tarballs, and this script copies each
// one, with its expected output (`<file>.out`), into every README that has its markers:
//
//   <!-- example:examples/quick-start.mjs:start -->
//   <!-- example:examples/quick-start.mjs:end -->
//
//   node scripts/readme-examples.mjs           rewrite the READMEs
//   node scripts/readme-examples.mjs --check   exit 1 (naming the files) when one is out of date
//
// Both also fail when an example is in no README or has no `.out` file.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { generatedText, replaceGenerated } from './generated-markdown.mjs';

const root = new URL('..', import.meta.url).pathname;
const MARKER = /<!-- (example:([\w./-]+)):start -->/g;

/** Every README that may hold examples: the root one and each package's. */
export function readmes() {
  const files = ['README.md'];
  for (const name of readdirSync(join(root, 'packages')).sort())
    if (existsSync(join(root, 'packages', name, 'README.md')))
      files.push(`packages/${name}/README.md`);
  return files;
}

/** The Markdown shown for one example: its code, then its output when `<file>.out` exists. */
export function exampleBody(file) {
  const code = readFileSync(join(root, file), 'utf8');
  let body = `\`\`\`js\n${code.trimEnd()}\n\`\`\`\n`;
  const out = join(root, `${file}.out`);
  if (existsSync(out))
    body += `\nOutput:\n\n\`\`\`text\n${readFileSync(out, 'utf8').trimEnd()}\n\`\`\`\n`;
  return body;
}

/** `[readme, marker, example file]` for every example marker in every README. */
export function exampleMarkers() {
  const found = [];
  for (const readme of readmes()) {
    const text = readFileSync(join(root, readme), 'utf8');
    for (const m of text.matchAll(MARKER)) found.push([readme, m[1], m[2]]);
  }
  return found;
}

function main() {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const [readme, marker, file] of exampleMarkers()) {
    if (!existsSync(join(root, file))) {
      stale.push(`${readme}: ${file} does not exist`);
      continue;
    }
    if (!check) replaceGenerated(root, readme, marker, exampleBody(file));
    else if (
      generatedText(root, readme, marker, exampleBody(file)) !==
      readFileSync(join(root, readme), 'utf8')
    )
      stale.push(`${readme}: ${file} differs (run node scripts/readme-examples.mjs)`);
  }
  // Every example is shown somewhere and says what it prints, so none is checked unseen.
  const shown = new Set(exampleMarkers().map(([, , file]) => file));
  for (const f of readdirSync(join(root, 'examples')).filter((f) => /\.(mjs|cjs)$/.test(f))) {
    if (!shown.has(`examples/${f}`)) stale.push(`examples/${f} is in no README`);
    if (!existsSync(join(root, 'examples', `${f}.out`)))
      stale.push(`examples/${f} has no ${f}.out (the output the README shows)`);
  }
  for (const s of stale) console.error(`readme-examples: ${s}`);
  if (!check) console.log(`readme-examples: ${exampleMarkers().length} example(s) written`);
  process.exit(stale.length ? 1 : 0);
}

if (process.argv[1] === new URL(import.meta.url).pathname) main();
