// What both browser suites share: the system Chromium, launched as the repository's
// tests always launch it (never a downloaded browser), and a page opened on the demo.
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { chromiumOptions, chromiumPath } from '../../../scripts/chromium.mjs';

/** The system Chromium the tests launch. */
export { chromiumPath };

/** Headless Chromium with a fresh profile inside `dir`. */
export function launchChromium(dir: string): Promise<BrowserContext> {
  return chromium.launchPersistentContext(
    join(dir, 'profile'),
    chromiumOptions({ viewport: { width: 1280, height: 860 } }),
  );
}

/** Loads the demo page and waits until its stream is open. */
export async function openDemo(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.waitForFunction(() => document.getElementById('state')?.textContent === 'OPEN', null, {
    timeout: 30_000,
  });
}
