import { readFile } from 'node:fs/promises';
import { isSSEError } from '@sse/core';
import type { ResumableStreams } from '@sse/resumable';
import { type Handler, Hono } from 'hono';
import { answerRoutes } from './answers';
import type { Connections } from './connections';
import { type GuardLimits, jsonBody, rateLimit, sameOrigin } from './guard';
import type { TrackedHub } from './newest';
import { RateLimiter } from './rate-limit';
import { isRoom, ROOMS, type RoomLog, roomTopic } from './rooms';

/** What GET /api/info answers (JSON): the server's settings, so the page never guesses. */
export interface Info {
  rooms: readonly string[];
  backend: string;
  retryMs: number;
  history: { maxEvents: number };
  resetEvent: string;
  awayBurst: number;
  outageBurst: number;
  metricsIntervalMs: number;
  recentPerRoom: number;
  limits: GuardLimits;
}

/** What the routes need; `server.ts` builds it once per demo instance. */
export interface DemoContext {
  hub: TrackedHub;
  connections: Connections;
  rooms: RoomLog;
  /** Folder with index.html, style.css and app.js (the bundled page). */
  publicDir: string;
  /** Shown on the page: `memory` or `redis`. */
  backend: string;
  /** The reconnection time hint the sessions send (`retry:`), in ms. */
  retryMs: number;
  /** The in-memory history's `maxEvents` (events of every topic count). */
  historyMaxEvents: number;
  resetEvent: string;
  /** Messages "Drop + publish while away" sends: few enough to replay. */
  awayBurst: number;
  /** How often the `metrics` topic gets a sample, in ms. */
  metricsIntervalMs: number;
  /** Messages of each room a new connection gets first (the `recent` event). */
  recentPerRoom: number;
  /** Body size and per-client rate limits of the state-changing endpoints. */
  limits: GuardLimits;
  /** Messages "Outage beyond history" sends: more than the history keeps, to force a reset. */
  outageBurst: number;
  /** The answer panel's resumable streams (same store kind as the hub: memory or Redis). */
  streams: ResumableStreams;
}

const files: Record<string, string> = {
  '/': 'index.html',
  '/favicon.svg': 'favicon.svg',
  // Browsers and crawlers ask for it whatever the page links: answer, never 404.
  '/favicon.ico': 'favicon.svg',
  '/style.css': 'style.css',
  '/app.js': 'app.js',
  '/app.js.map': 'app.js.map',
};
const types: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  css: 'text/css; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  map: 'application/json',
  svg: 'image/svg+xml',
};

/** A JSON object body (already bounded by `jsonBody`), or an empty object for a missing or malformed one. */
async function readJson<T extends object>(request: Request): Promise<Partial<T>> {
  const value: unknown = await request.json().catch(() => ({}));
  return typeof value === 'object' && value !== null ? (value as Partial<T>) : {};
}

/**
 * The demo's Hono app: the page, the chat API, the drop/resume controls, and the
 * `/events` stream (handled by `events`, the @sse/hono route built in `server.ts`).
 */
export function createApp(demo: DemoContext, events: Handler): Hono {
  const app = new Hono();
  // Messages of one room are published one after another, so seq order is id order.
  let publishing = Promise.resolve();
  const publishChat = (room: string, user: string, text: string) => {
    const message = demo.rooms.next(room, user, text);
    const done = publishing.then(() =>
      demo.hub.publish(roomTopic(room), { event: 'chat', data: JSON.stringify(message) }),
    );
    publishing = done.then(
      () => {},
      () => {},
    );
    return done.then((id) => ({ id, seq: message.seq }));
  };

  // Every state-changing endpoint: same origin first (a forged request spends nobody's
  // budget), then the client's rate, then the body's type and size.
  const { limits } = demo;
  const limiter = (rate: GuardLimits['chat']) =>
    new RateLimiter({ ...rate, maxKeys: limits.maxClients });
  const body = jsonBody(limits.maxBodyBytes);
  const chatGuard = [sameOrigin(), rateLimit(limiter(limits.chat), 'messages'), body] as const;
  const controlGuard = [sameOrigin(), rateLimit(limiter(limits.control), 'drops'), body] as const;

  app.onError((error, c) => {
    if (isSSEError(error)) return c.json({ error: error.message, code: error.code }, 400);
    console.error('demo:', error);
    return c.json({ error: 'internal error' }, 500);
  });

  for (const [path, file] of Object.entries(files)) {
    app.get(path, async (c) => {
      const body = await readFile(`${demo.publicDir}/${file}`);
      return c.body(body, 200, {
        'content-type': types[file.split('.').pop() ?? ''] ?? 'application/octet-stream',
        'cache-control': 'no-cache',
      });
    });
  }

  app.get('/events', events);

  app.get('/api/info', (c) =>
    c.json({
      rooms: ROOMS,
      backend: demo.backend,
      retryMs: demo.retryMs,
      history: { maxEvents: demo.historyMaxEvents },
      resetEvent: demo.resetEvent,
      awayBurst: demo.awayBurst,
      outageBurst: demo.outageBurst,
      metricsIntervalMs: demo.metricsIntervalMs,
      recentPerRoom: demo.recentPerRoom,
      limits: demo.limits,
    } satisfies Info),
  );

  app.get('/api/rooms/:room/messages', (c) => {
    const room = c.req.param('room');
    if (!isRoom(room)) return c.json({ error: `unknown room "${room}"` }, 404);
    return c.json(demo.rooms.recent(room));
  });

  app.post('/api/rooms/:room/messages', ...chatGuard, async (c) => {
    const room = c.req.param('room');
    if (!isRoom(room)) return c.json({ error: `unknown room "${room}"` }, 404);
    const body = await readJson<{ user?: unknown; text?: unknown }>(c.req.raw);
    if (typeof body.text !== 'string')
      return c.json({ error: 'body must be {"text": "..."}' }, 400);
    const user = typeof body.user === 'string' ? body.user : 'anonymous';
    return c.json(await publishChat(room, user, body.text), 201);
  });

  // Closes this client's sessions; with `away: n`, publishes n messages to `room` while
  // its reconnect is held back, so they are certainly missed live and must be replayed.
  app.post('/api/clients/:client/drop', ...controlGuard, async (c) => {
    const client = c.req.param('client');
    const body = await readJson<{ away?: unknown; room?: unknown }>(c.req.raw);
    // At most what the outage button needs, whatever a request asks for.
    const away = Math.min(demo.outageBurst, Math.max(0, Math.floor(Number(body.away ?? 0)) || 0));
    const room = typeof body.room === 'string' && isRoom(body.room) ? body.room : ROOMS[0];
    const ids: string[] = [];
    const dropped = await demo.connections.dropAndHold(client, async () => {
      for (let i = 1; i <= away; i++)
        ids.push((await publishChat(room, 'server', `published while away ${i}/${away}`)).id);
    });
    return c.json({ dropped, published: away, room, firstId: ids[0], lastId: ids.at(-1) });
  });

  app.post('/api/connections/drop', ...controlGuard, (c) =>
    c.json({ dropped: demo.connections.drop() }),
  );

  answerRoutes(app, demo.streams, controlGuard, demo.retryMs);

  return app;
}
