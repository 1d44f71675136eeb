import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleClient } from './bundle';

/**
 * The budget for client plus decoder in a browser bundle, minified and gzipped: what an app
 * that imports `EventSource` ships. Enforced.
 */
const TARGET = 4096;
/**
 * A regression ceiling for the whole package (EventSource, `events()` and the helpers), which
 * is over the 4 KB budget: `events()` is a second API that apps import only when they use it.
 */
const CEILING = 4608;

const gzipped = (code: string) => gzipSync(code, { level: 9 }).length;

describe('bundle size (esbuild, minified, gzip -9)', () => {
  it('prints and bounds client + decoder', async () => {
    const full = await bundleClient({ format: 'esm' });
    const classOnly = await bundleClient({
      format: 'esm',
      contents: "export { EventSource } from './src/index';",
    });
    const decoder = await bundleClient({
      format: 'esm',
      contents: "export { createDecoder, isEventStreamContentType } from '@sse/core';",
    });
    const sizes = {
      'everything (EventSource, events(), helpers)': [full.length, gzipped(full)],
      'EventSource only': [classOnly.length, gzipped(classOnly)],
      'of which the @sse/core decoder alone': [decoder.length, gzipped(decoder)],
    };
    for (const [name, [min, gz]] of Object.entries(sizes)) {
      console.log(`@sse/client bundle, ${name}: ${min} B min, ${gz} B min+gzip (budget ${TARGET})`);
    }
    expect(gzipped(classOnly)).toBeLessThanOrEqual(TARGET);
    expect(gzipped(full)).toBeLessThanOrEqual(CEILING);
  });
});
