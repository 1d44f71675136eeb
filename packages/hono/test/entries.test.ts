// The web entry must load where no Node module exists (Workers, browsers): nothing it
// imports, directly or through this package's own files, may name @sse/node or node:*.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const IMPORT = /^\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]/gm;

/** Every module specifier reachable from `file` through this package's relative imports. */
function reachable(file: string, seen = new Set<string>()): Set<string> {
  const source = readFileSync(new URL(`../src/${file}`, import.meta.url), 'utf8');
  for (const [, specifier] of source.matchAll(IMPORT)) {
    if (seen.has(specifier!)) continue;
    seen.add(specifier!);
    if (specifier!.startsWith('./')) reachable(`${specifier!.slice(2)}.ts`, seen);
  }
  return seen;
}

describe('entry points', () => {
  it('the web entry reaches neither @sse/node nor node:* (nor the native path)', () => {
    const web = [...reachable('web.ts')];
    expect(web).toContain('@sse/web');
    expect(
      web.filter((s) => s === '@sse/node' || s.startsWith('node:') || s === './native'),
    ).toEqual([]);
  });

  it('the Node entry adds the native path', () => {
    expect([...reachable('index.ts')]).toEqual(expect.arrayContaining(['./native', '@sse/node']));
  });

  it('package.json sends the node condition to the Node entry and everything else to the web one', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
    const root = pkg.exports['.'];
    expect(Object.keys(root)[0]).toBe('node');
    expect(root.node.import.default).toBe('./dist/index.js');
    expect(root.import.default).toBe('./dist/web.js');
    expect(root.require.default).toBe('./dist/web.cjs');
  });
});
