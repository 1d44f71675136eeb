import { randomUUID } from 'node:crypto';
import { sse } from '@sse/hono';
import { RESUME_URL_HEADER, type ResumableStreams } from '@sse/resumable';
import type { Hono, MiddlewareHandler } from 'hono';

/** Words of the fake model's answers: no model is needed to show a resumable answer. */
const WORDS =
  'a resumable answer is generated once and outlives the connection that asked for it so a reload a dropped network or another server process loses nothing'.split(
    ' ',
  );

/** Tokens of one answer, and the pause between two of them: slow enough to drop it mid-answer by hand. */
export const ANSWER_TOKENS = 120;
export const TOKEN_INTERVAL_MS = 60;

/** The fake model: `ANSWER_TOKENS` words, one every `TOKEN_INTERVAL_MS`, until its signal aborts (a stop). */
async function* fakeModel(question: string, signal: AbortSignal): AsyncGenerator<string> {
  yield `(${question.slice(0, 80)}) `;
  for (let i = 1; i < ANSWER_TOKENS && !signal.aborted; i++) {
    await new Promise((resolve) => setTimeout(resolve, TOKEN_INTERVAL_MS));
    yield `${WORDS[i % WORDS.length]} `;
  }
}

/**
 * The answer panel's API: `POST /api/answers` asks (the response follows the new answer
 * and names its resume URL), `GET /api/answers/:id` follows one from `Last-Event-ID`
 * (204 at its end, 404 unknown or expired), `POST /api/answers/:id/stop` stops it from
 * anywhere (any tab, any process on the same Redis).
 */
export function answerRoutes(
  app: Hono,
  streams: ResumableStreams,
  guard: readonly [MiddlewareHandler, MiddlewareHandler, MiddlewareHandler],
  retryMs: number,
): void {
  // One options object for every call: @sse/hono keeps one session factory per object.
  const options = { retry: retryMs };
  app.post('/api/answers', ...guard, async (c) => {
    const body: unknown = await c.req.json().catch(() => ({}));
    const question =
      typeof (body as { question?: unknown }).question === 'string'
        ? (body as { question: string }).question
        : 'a question';
    const id = randomUUID();
    await streams.start(id, (signal) => fakeModel(question, signal));
    c.header(RESUME_URL_HEADER, `/api/answers/${id}`);
    return sse(c, (session) => streams.follow(session, id, { lastEventId: '' }), options);
  });
  app.get('/api/answers/:id', async (c) => {
    const id = c.req.param('id');
    const decision = await streams.decide(id, c.req.header('last-event-id') ?? '');
    if (decision.status !== 200) return c.body(null, decision.status);
    return sse(c, (session) => streams.follow(session, id), options);
  });
  app.post('/api/answers/:id/stop', ...guard, async (c) =>
    c.json({ state: (await streams.stop(c.req.param('id') ?? '')) ?? null }),
  );
}
