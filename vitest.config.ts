import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
const packages = readdirSync(new URL('./packages', import.meta.url));
const apps = readdirSync(new URL('./apps', import.meta.url));

/**
 * One vitest run covers every package and app. Workspace imports (`@sse/x`) resolve
 * to source, so a change in core is seen by the server's tests without a rebuild;
 * the built packages are checked separately (publint, attw, other runtimes).
 */
export default defineConfig({
  resolve: {
    alias: packages.map((name) => ({
      find: new RegExp(`^@sse/${name}$`),
      replacement: `${root}packages/${name}/src/index.ts`,
    })),
  },
  test: {
    testTimeout: 20_000,
    hookTimeout: 30_000,
    projects: [
      ...packages.map((name) => ({
        extends: true as const,
        test: {
          name,
          root: `packages/${name}`,
          include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
          // The client's portable test file fetches from this server (its URL: SSE_TEST_SERVER).
          ...(name === 'client'
            ? { globalSetup: [`${root}scripts/matrix/client-test-server.mjs`] }
            : {}),
        },
      })),
      ...apps.map((name) => ({
        extends: true as const,
        test: { name, root: `apps/${name}`, include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
      })),
    ],
  },
});
