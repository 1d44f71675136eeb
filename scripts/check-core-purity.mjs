// @sse/core must run unchanged in browsers, Deno, Bun and Workers: no node:* imports,
// no timers, no I/O. This scans its non-test sources and fails on any of them.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = new URL('../packages/core/src/', import.meta.url).pathname;
const forbidden = [
  [/from\s+['"]node:/, 'a node:* import'],
  [/require\(\s*['"]node:/, 'a node:* require'],
  [
    /from\s+['"](fs|path|http|https|net|stream|buffer|events|timers|crypto)['"]/,
    'a Node built-in import',
  ],
  [/\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/, 'a timer'],
  [/\b(process|Buffer|globalThis\.process)\./, 'a Node global'],
  [/\b(fetch|XMLHttpRequest|WebSocket)\s*\(/, 'I/O'],
];
const problems = [];
for (const file of readdirSync(dir, { recursive: true })) {
  if (!file.endsWith('.ts') || file.endsWith('.test.ts') || file.includes('test/')) continue;
  const text = readFileSync(join(dir, file), 'utf8');
  text.split('\n').forEach((line, i) => {
    if (/^\s*(\/\/|\*)/.test(line)) return;
    for (const [re, what] of forbidden) {
      if (re.test(line))
        problems.push(`packages/core/src/${file}:${i + 1}: ${what}: ${line.trim()}`);
    }
  });
}
if (problems.length) {
  console.error(`@sse/core must stay pure:\n${problems.join('\n')}`);
  process.exit(1);
}
console.log('@sse/core is pure: no node:* imports, timers, Node globals or I/O.');
