// How every browser test in this repository launches Chromium: the system browser
// (never a downloaded one), headless, with a fresh profile the caller provides.
// Used by packages/client/test/browser.test.ts, apps/demo/test/browser.ts and
// scripts/matrix/run-chromium.mjs, each with its own playwright-core.

/** The system Chromium: SSE_CHROMIUM, or the Debian path. */
export const chromiumPath = process.env.SSE_CHROMIUM ?? '/usr/bin/chromium';

/** Flags for a quiet, sandbox-friendly headless run that reaches nothing but 127.0.0.1. */
export const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Options for playwright's `chromium.launchPersistentContext(freshDir, options)`. */
export function chromiumOptions(extra = {}) {
  return { executablePath: chromiumPath, headless: true, args: chromiumArgs, ...extra };
}
