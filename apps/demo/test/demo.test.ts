// End to end: the demo itself on a free loopback port, driven by the system Chromium.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without types
import { buildPublic } from '../build.mjs';
import { type Demo, startDemo } from '../src/server';
import { chromiumPath, launchChromium, openDemo } from './browser';

/**
 * Every run saves the page as a test artifact (test-results/, not committed); the
 * README's picture in docs/ is replaced only when SSE_UPDATE_SCREENSHOT=1, so a test
 * run leaves the work tree clean.
 */
const screenshot = fileURLToPath(
  new URL(
    process.env.SSE_UPDATE_SCREENSHOT === '1'
      ? '../../../docs/demo.png'
      : '../../../test-results/demo.png',
    import.meta.url,
  ),
);
const HISTORY = 96;
/** What `/events` says serves it. */
const HONO_ROUTE = '@sse/hono';

describe.skipIf(!existsSync(chromiumPath))(`demo in Chromium (needs ${chromiumPath})`, () => {
  let dir: string;
  let demo: Demo;
  let context: BrowserContext;
  let a: Page;
  let b: Page;
  /** Every console error, uncaught page error and failed response of every page, with its page. */
  const problems: string[] = [];
  /** Opens a page that reports its console errors, page errors and 4xx/5xx responses. */
  const watched = async (name: string, page?: Page) => {
    const p = page ?? (await context.newPage());
    p.on('console', (m) => {
      if (m.type() === 'error') problems.push(`${name} console: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${name} pageerror: ${e.message}`));
    p.on('response', (r) => {
      if (r.status() >= 400) problems.push(`${name} ${r.status()} ${r.url()}`);
    });
    p.on('requestfailed', (r) => {
      // A stream the page itself closes (switching client or route) is aborted on purpose.
      if (r.failure()?.errorText !== 'net::ERR_ABORTED')
        problems.push(`${name} failed ${r.url()}: ${r.failure()?.errorText}`);
    });
    return p;
  };

  const text = (page: Page, id: string) =>
    page
      .locator(`#${id}`)
      .textContent()
      .then((t) => t ?? '');
  /** Waits until an element's text equals `expected` (a string) or matches it (a pattern). */
  const waitText = (page: Page, id: string, expected: string | RegExp) => {
    const poll = expect.poll(() => text(page, id), { timeout: 20_000 });
    return typeof expected === 'string' ? poll.toBe(expected) : poll.toMatch(expected);
  };
  const samples = async (page: Page) =>
    Number(await page.locator('#chart').getAttribute('data-samples'));
  /** The chat lines of a page as "room user text #seq", in display order. */
  const lines = (page: Page) =>
    page
      .locator('#messages li')
      .evaluateAll((items) =>
        items.map((li) =>
          [...li.querySelectorAll('span')].map((span) => span.textContent ?? '').join(' '),
        ),
      );

  beforeAll(async () => {
    mkdirSync(dirname(screenshot), { recursive: true });
    dir = mkdtempSync(join(tmpdir(), 'sse-demo-'));
    await buildPublic(join(dir, 'public'));
    demo = await startDemo({
      port: 0,
      publicDir: join(dir, 'public'),
      historyMaxEvents: HISTORY,
      retryMs: 500,
      metricsIntervalMs: 250,
    });
    context = await launchChromium(dir);
    a = await watched('A', context.pages()[0]);
    b = await watched('B');
    await Promise.all([openDemo(a, demo.url), openDemo(b, demo.url)]);
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    await demo?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('loads the page and streams the dashboard', async () => {
    await waitText(a, 'served-by', HONO_ROUTE);
    await waitText(a, 'm-connections', '2');
    await waitText(a, 'm-connections-by', 'hono 2 · node 0');
    const first = await text(a, 'm-uptime');
    await expect.poll(() => text(a, 'm-uptime'), { timeout: 15_000 }).not.toBe(first);
    const drawn = await samples(a);
    await expect.poll(() => samples(a), { timeout: 15_000 }).toBeGreaterThan(drawn);
    expect(await text(a, 'last-id')).not.toBe('–');
    // The chart drew something: some canvas pixels are not transparent.
    const inked = await a.locator('#chart').evaluate((canvas: HTMLCanvasElement) => {
      const ctx = canvas.getContext('2d')!;
      const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
      let n = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i]! > 0) n++;
      return n;
    });
    expect(inked).toBeGreaterThan(0);
  });

  it('delivers a message posted in one page to the other', async () => {
    await a.locator('#post-user').fill('alice');
    await a.locator('#post-text').fill('hello from page A');
    await a.locator('#post button').click();
    await expect
      .poll(() => lines(b), { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('alice hello from page A'));
    await b.locator('#post-user').fill('bob');
    await b.locator('#post-room').selectOption('dev');
    await b.locator('#post-text').fill('hi alice, this is page B');
    await b.locator('#post button').click();
    await expect
      .poll(() => lines(a), { timeout: 15_000 })
      .toContainEqual(expect.stringContaining('#dev bob hi alice, this is page B'));
  });

  /** Publishes `count` messages into `room` from the server (the drop endpoint, for a client that is not there). */
  const burst = (room: string, count: number) =>
    fetch(new URL('/api/clients/nobody/drop', demo.url), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ room, away: count }),
    }).then((r) => r.json() as Promise<{ published: number }>);
  /** The seq numbers of one room's lines on a page, in display order. */
  const seqs = (page: Page, room: string) =>
    lines(page).then((all) =>
      all.filter((l) => l.startsWith(`#${room} `)).map((l) => Number(l.match(/#(\d+)$/)?.[1])),
    );

  it('shows a new page the last messages of each room, then goes on live without a gap', async () => {
    expect((await burst('random', 30)).published).toBe(30);
    const c = await watched('C');
    try {
      await openDemo(c, demo.url);
      // The recent event: the last 20 of #random (of 30), and what #lobby and #dev hold.
      await expect
        .poll(() => seqs(c, 'random'))
        .toEqual(Array.from({ length: 20 }, (_, i) => 11 + i));
      const shown = await lines(c);
      expect(shown).toContainEqual(expect.stringContaining('#lobby alice hello from page A'));
      expect(shown).toContainEqual(expect.stringContaining('#dev bob hi alice, this is page B'));
      expect(await c.locator('#messages li.recent').count()).toBe(shown.length);
      await c.locator('#post-room').selectOption('random');
      await c.locator('#post-text').fill('live after the snapshot');
      await c.locator('#post button').click();
      await expect
        .poll(() => seqs(c, 'random'))
        .toEqual(Array.from({ length: 21 }, (_, i) => 11 + i));
      expect(await text(c, 'p-gaps')).toBe('0');
      expect(await text(c, 'p-dups')).toBe('0');
    } finally {
      await c.close();
    }
  });

  it('refuses what a page of another origin makes Chromium send (no-cors fetch, form post)', async () => {
    // The same server under another name is another origin (and site) to the browser.
    const other = demo.url.replace('127.0.0.1', 'localhost');
    const target = new URL('/api/rooms/lobby/messages', demo.url).href;
    // Not a watched page: the refusals are this test's point, not an error of the demo page.
    const evil = await context.newPage();
    try {
      await evil.goto(other);
      const statuses: number[] = [];
      evil.on('response', (r) => {
        if (r.url() === target) statuses.push(r.status());
      });
      await evil.evaluate(
        (url) =>
          fetch(url, {
            method: 'POST',
            mode: 'no-cors',
            headers: { 'content-type': 'text/plain' },
            body: '{"user":"mallory","text":"forged by fetch"}',
          }).then(() => undefined),
        target,
      );
      await evil.evaluate((url) => {
        const form = document.createElement('form');
        form.method = 'POST';
        form.action = url;
        form.enctype = 'text/plain';
        const input = document.createElement('input');
        input.name = '{"user":"mallory","text":"forged by form","x":"';
        input.value = '"}';
        form.append(input);
        document.body.append(form);
        form.submit();
      }, target);
      await expect.poll(() => statuses, { timeout: 15_000 }).toEqual([403, 403]);
      const log = await (await fetch(target)).json();
      expect(JSON.stringify(log)).not.toContain('mallory');
    } finally {
      await evil.close();
    }
  });

  /** Drops page A with `away` messages published while it is away; checks they all arrive once, in order. */
  const dropAndResume = async (label: string) => {
    const reconnects = Number(await text(a, 'p-reconnects'));
    const before = (await lines(a)).length;
    await a.locator('#drop-away').click();
    await waitText(a, 'p-reconnects', String(reconnects + 1));
    await waitText(a, 'state', 'OPEN');
    await waitText(a, 'p-caught-up', '5');
    const away = (await lines(a)).slice(before).filter((l) => l.includes('published while away'));
    expect(
      away.map((l) => l.replace(/ #\d+$/, '')),
      label,
    ).toEqual([1, 2, 3, 4, 5].map((i) => `#lobby server published while away ${i}/5`));
    expect(await text(a, 'p-gaps')).toBe('0');
    expect(await text(a, 'p-dups')).toBe('0');
    expect(await text(a, 'p-resumed')).not.toBe('(none)');
  };

  it('drops the connection and resumes with Last-Event-ID, losing nothing (@sse/client)', async () => {
    await dropAndResume('@sse/client over /events');
    // The retry the client scheduled was shown (its countdown) and logged with its delay.
    expect(await text(a, 'log')).toMatch(/retry #1 in \d+ ms \(\w+\)/);
  }, 60_000);

  it('switches to the native EventSource and to the @sse/node route, still losing nothing', async () => {
    await a.locator('input[name=impl][value=native]').check();
    await waitText(a, 'state', 'OPEN');
    await dropAndResume('native EventSource over /events');
    await a.locator('input[name=route][value="/node/events"]').check();
    await waitText(a, 'served-by', '@sse/node');
    await waitText(a, 'state', 'OPEN');
    await dropAndResume('native EventSource over /node/events');
    await a.locator('input[name=impl][value=client]').check();
    await waitText(a, 'state', 'OPEN');
    await dropAndResume('@sse/client over /node/events');
    await waitText(b, 'm-connections-by', 'hono 1 · node 1');
  }, 120_000);

  it('the server endpoint drops every connection and all pages come back', async () => {
    const before = await Promise.all([text(a, 'p-reconnects'), text(b, 'p-reconnects')]);
    await b.locator('#drop-all').click();
    await waitText(a, 'p-reconnects', String(Number(before[0]) + 1));
    await waitText(b, 'p-reconnects', String(Number(before[1]) + 1));
    await Promise.all([waitText(a, 'state', 'OPEN'), waitText(b, 'state', 'OPEN')]);
  });

  it('shows the reset notice when the cursor is older than the history', async () => {
    expect(await a.locator('#reset-notice').isHidden()).toBe(true);
    await a.locator('#outage').click();
    await expect.poll(() => a.locator('#reset-notice').isVisible(), { timeout: 15_000 }).toBe(true);
    expect(await text(a, 'reset-notice')).toMatch(/older than the hub's history/);
    // The reload brought the room's recent messages back, marked as a snapshot.
    await expect.poll(() => a.locator('#messages li.snapshot').count()).toBeGreaterThan(0);
    // The timeline marks that gap as a reset, in words and on the strip.
    await expect
      .poll(() => a.locator('#gaps li').first().getAttribute('data-outcome'))
      .toBe('reset');
    expect(await a.locator('#timeline-track .reset').count()).toBeGreaterThan(0);
    // A later clean resume hides the notice again; the timeline keeps both gaps.
    await a.locator('#drop-me').click();
    await expect
      .poll(() => a.locator('#gaps li').first().getAttribute('data-outcome'), { timeout: 15_000 })
      .toBe('resumed');
    expect(await a.locator('#reset-notice').isHidden()).toBe(true);
    expect(await a.locator('#gaps li[data-outcome="reset"]').count()).toBe(1);
  });

  it('ticks the "try this" steps the page has seen happen', async () => {
    for (const step of ['chat', 'resume', 'switch', 'reset'])
      expect(await a.locator(`#try [data-step="${step}"]`).getAttribute('data-done'), step).toBe(
        'true',
      );
    // The picture for the README: every step ticked, the timeline with resumes and a reset,
    // and a chart that has filled up.
    await expect.poll(() => samples(a), { timeout: 30_000 }).toBeGreaterThanOrEqual(58);
    await a.screenshot({ path: screenshot, fullPage: true });
  }, 60_000);

  it('logged no console error, page error or failed request on any page, through all of the above', async () => {
    // Runs last: connect, chat, drop and resume over both clients and routes, drop all, reset.
    await a.reload();
    await waitText(a, 'state', 'OPEN');
    expect(problems).toEqual([]);
  });
});
