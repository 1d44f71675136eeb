// REDIS_URL mode: two demo processes' hubs share one real redis-server started here;
// a message posted to one demo reaches a page on the other, and resume still loses nothing.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REDIS_SERVER, RedisServer } from '../../../packages/redis/test/redis-server';
// @ts-expect-error: a plain .mjs build script without types
import { buildPublic } from '../build.mjs';
import { type Demo, startDemo } from '../src/server';
import { chromiumPath, launchChromium, openDemo } from './browser';

const missing = [chromiumPath, REDIS_SERVER].filter((path) => !existsSync(path));

describe.skipIf(missing.length > 0)(
  `demo with REDIS_URL${missing.length ? ` (skipped: missing ${missing.join(', ')})` : ''}`,
  () => {
    let dir: string;
    let redis: RedisServer;
    let one: Demo;
    let two: Demo;
    let context: BrowserContext;
    let page: Page;
    const text = (id: string) =>
      page
        .locator(`#${id}`)
        .textContent()
        .then((t) => t ?? '');

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'sse-demo-redis-'));
      await buildPublic(join(dir, 'public'));
      redis = await RedisServer.start();
      const options = { port: 0, publicDir: join(dir, 'public'), redisUrl: redis.url };
      one = await startDemo(options);
      two = await startDemo(options);
      context = await launchChromium(dir);
      page = context.pages()[0] ?? (await context.newPage());
      await openDemo(page, two.url);
    }, 120_000);

    afterAll(async () => {
      await context?.close();
      await one?.close();
      await two?.close();
      await redis?.stop();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('says it runs on Redis and delivers a message posted to the other process', async () => {
      expect(one.backend).toBe('redis');
      expect(await text('info')).toContain('hub backend: redis');
      const response = await fetch(new URL('/api/rooms/dev/messages', one.url), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ user: 'carol', text: 'posted to process one' }),
      });
      expect(response.status).toBe(201);
      await expect
        .poll(() => page.locator('#messages').textContent(), { timeout: 20_000 })
        .toContain('carol');
      expect(await page.locator('#messages').textContent()).toContain('posted to process one');
    });

    it('resumes from the Redis stream after a drop, losing nothing', async () => {
      await page.locator('#drop-away').click();
      await expect.poll(() => text('p-reconnects'), { timeout: 20_000 }).toBe('1');
      await expect.poll(() => text('p-caught-up'), { timeout: 20_000 }).toBe('5');
      const away = await page
        .locator('#messages li')
        .evaluateAll((items) =>
          items.map((li) => li.textContent ?? '').filter((t) => t.includes('while away')),
        );
      expect(away.map((t) => t.match(/away (\d)\/5/)?.[1])).toEqual(['1', '2', '3', '4', '5']);
      expect(await text('p-gaps')).toBe('0');
      expect(await text('p-dups')).toBe('0');
    }, 60_000);
  },
);
