import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromiumOptions, chromiumPath } from '../../../scripts/chromium.mjs';
import { listenLocal } from '../../server/test/net';
import { until } from '../../server/test/support';
import { createResumableStreams, type ResumableStreams } from '../src/index';
import { nodeAnswers, tokens } from './answers';

/** The page follows one answer with the browser's own EventSource and logs what it sees. */
const PAGE = `<!doctype html><meta charset="utf-8"><script>
window.follow = (url) => new Promise((resolve) => {
  const es = new EventSource(url);
  const log = { tokens: [], end: null, errors: 0, opens: 0, state: -1 };
  es.onopen = () => log.opens++;
  es.onmessage = (e) => log.tokens.push(e.data);
  es.addEventListener('end', (e) => { log.end = JSON.parse(e.data); });
  es.onerror = () => {
    log.errors++;
    // CLOSED: the browser gave up for good (the 204 at the end); CONNECTING: it will retry.
    if (es.readyState === 2) { log.state = 2; resolve(log); }
  };
});
</script>`;

describe.skipIf(!existsSync(chromiumPath))('native EventSource in Chromium as a follower', () => {
  let streams: ResumableStreams;
  let server: Server;
  let answers: ReturnType<typeof nodeAnswers>;
  let context: BrowserContext;
  let profile: string;
  let origin = '';
  const requests: { url: string; lastEventId: string; status: number }[] = [];
  /** Drops every follower's connection once, when this many tokens of the answer exist. */
  let gate: () => void = () => {};

  beforeAll(async () => {
    streams = createResumableStreams();
    // A short retry hint, so the browser's reconnects (after a drop, and at the end) come at once.
    answers = nodeAnswers(streams, { retry: 20 });
    server = createServer((req, res) => {
      if (req.url === '/')
        return void res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      if (req.url === '/favicon.ico') return void res.writeHead(204).end();
      const record = {
        url: req.url ?? '',
        lastEventId: String(req.headers['last-event-id'] ?? ''),
        status: 0,
      };
      requests.push(record);
      res.on('finish', () => {
        record.status = res.statusCode;
      });
      answers(req, res);
    });
    origin = `http://127.0.0.1:${await listenLocal(server)}`;
    profile = mkdtempSync(join(tmpdir(), 'sse-resumable-chromium-'));
    context = await chromium.launchPersistentContext(profile, chromiumOptions());
  });
  afterAll(async () => {
    await context?.close();
    rmSync(profile, { recursive: true, force: true });
    await streams.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('follows through a dropped connection by Last-Event-ID, gets the end event, and stops at the 204 (no reconnect loop)', async () => {
    const want = tokens(2_000, 5);
    let release: () => void = () => {};
    const half = new Promise<void>((resolve) => {
      release = resolve;
    });
    gate = release;
    async function* answer(): AsyncGenerator<string> {
      yield* want.slice(0, 1_000);
      await half;
      yield* want.slice(1_000);
    }
    await streams.start('chromium-1', answer());
    const page = await context.newPage();
    const consoleErrors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push(m.text());
    });
    await page.goto(`${origin}/`);
    const following = page.evaluate(() =>
      (window as unknown as { follow(url: string): Promise<unknown> }).follow(
        '/answers/chromium-1',
      ),
    );
    await until(() => streams.stats().followers === 1);
    // The server drops the follower mid-answer; the browser resumes by itself with Last-Event-ID.
    answers.factory.closeAll();
    await until(() => requests.filter((r) => r.url === '/answers/chromium-1').length >= 2);
    gate();
    const log = (await following) as {
      tokens: string[];
      end: unknown;
      state: number;
      opens: number;
    };
    expect(log.tokens).toEqual(want);
    expect(log.end).toEqual({ state: 'ended' });
    expect(log.state).toBe(2);
    const mine = requests.filter((r) => r.url === '/answers/chromium-1');
    // First connection, the resume after the drop, then the reconnect at the end: 204, and nothing more.
    expect(mine.map((r) => r.status)).toEqual([200, 200, 204]);
    expect(mine[1]?.lastEventId).not.toBe('');
    expect(mine[2]?.lastEventId).toBe('2001');
    // Nothing comes after the 204, however long we look: the server counts no new request.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 200)));
    expect(requests.filter((r) => r.url === '/answers/chromium-1')).toHaveLength(3);
    await page.close();
    // The browser logs a failed load for the 204 of an EventSource; anything else is a failure.
    expect(consoleErrors.filter((e) => !e.includes('204'))).toEqual([]);
  });
});
