// The answer panel end to end: the demo on a free loopback port, two tabs of the system
// Chromium. Ask, drop the connection mid-answer, follow the same answer in a second view
// and in another tab, stop it from that tab: 0 lost, 0 duplicated, no console errors.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { buildPublic } from '../build.mjs';
import { ANSWER_TOKENS } from '../src/answers';
import { type Demo, startDemo } from '../src/server';
import { chromiumPath, launchChromium, openDemo } from './browser';

describe.skipIf(!existsSync(chromiumPath))('answer panel in Chromium', () => {
  let dir: string;
  let demo: Demo;
  let context: BrowserContext;
  const problems: string[] = [];
  const watched = async (name: string, page?: Page) => {
    const p = page ?? (await context.newPage());
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
    p.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${name} ${r.status()} ${r.url()}`);
    });
    return p;
  };
  const text = (page: Page, id: string) =>
    page
      .locator(`#${id}`)
      .textContent()
      .then((t) => t ?? '');
  const poll = (page: Page, id: string) => expect.poll(() => text(page, id), { timeout: 30_000 });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sse-demo-answer-'));
    await buildPublic(join(dir, 'public'));
    demo = await startDemo({ port: 0, publicDir: join(dir, 'public'), retryMs: 300 });
    context = await launchChromium(dir);
  }, 120_000);
  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('ask, drop mid-answer, follow it twice, stop it from another tab: 0 lost, 0 duplicated', async () => {
    const a = await watched('A', context.pages()[0]);
    await openDemo(a, demo.url);
    await a.fill('#a-question', 'does it resume?');
    await a.click('#a-form button');
    await poll(a, 'a-tokens').toMatch(/^([1-9]\d+)$/);
    await a.click('#a-drop');
    await poll(a, 'a-resumes').not.toBe('0');
    await a.click('#a-follow');
    await poll(a, 'a-state').toBe('ended');
    await poll(a, 'f-state').toBe('ended');
    for (const id of ['a-tokens', 'f-tokens'])
      expect(await text(a, id)).toBe(String(ANSWER_TOKENS));
    for (const id of ['a-lost', 'a-dups', 'f-lost', 'f-dups']) expect(await text(a, id)).toBe('0');
    expect(await text(a, 'f-text')).toBe(await text(a, 'a-text'));

    // A second answer, opened in another tab through the panel's link and stopped there.
    await a.click('#a-form button');
    await poll(a, 'a-state').toBe('running');
    await poll(a, 'a-tokens').toMatch(/^([1-9]\d*)$/);
    const id = await text(a, 'a-id');
    const b = await watched('B');
    await b.goto(`${demo.url}?answer=${id}`);
    await poll(b, 'f-tokens').toMatch(/^([1-9]\d*)$/);
    await b.click('#a-stop');
    await poll(a, 'a-state').toBe('stopped');
    await poll(b, 'f-state').toBe('stopped');
    for (const page of [a, b]) {
      for (const field of ['a-lost', 'a-dups', 'f-lost', 'f-dups']) {
        expect(await text(page, field)).toBe('0');
      }
    }
    expect(problems).toEqual([]);
  }, 120_000);
});
