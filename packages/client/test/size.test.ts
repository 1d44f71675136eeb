import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bundleClient } from './bundle';

/** The target for client + decoder in a browser bundle, minified and gzipped. */
const TARGET = 4096;
/**
 * What this test enforces: a regression ceiling above today's size. The 4 KB target is not
 * met yet (see the printed numbers and the README); when it is, lower this to TARGET.
 */
const CEILING = 5120;

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
      console.log(`@sse/client bundle, ${name}: ${min} B min, ${gz} B min+gzip (target ${TARGET})`);
    }
    expect(gzipped(full)).toBeLessThanOrEqual(CEILING);
    expect(gzipped(classOnly)).toBeLessThanOrEqual(gzipped(full));
  });
});
