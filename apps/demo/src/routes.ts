import type { IncomingMessage, ServerResponse } from 'node:http';
import { sse } from '@sse/hono';
import { createNodeSSE } from '@sse/node';
import type { Handler } from 'hono';
import type { DemoContext } from './app';
import { parseStreamRequest, runStream } from './stream';

/**
 * `/node/events`: the page's stream through @sse/node on the raw `ServerResponse`.
 * Query errors (an unknown room) reject before any SSE header is written.
 */
export function nodeEvents(demo: DemoContext) {
  const sse = createNodeSSE({ retry: demo.retryMs });
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const request = parseStreamRequest(new URL(req.url ?? '/', 'http://localhost'));
    const session = sse(req, res);
    if (session) await runStream(demo, session, request, 'node');
  };
}

/**
 * `/events`: the page's stream inside the Hono app, through @sse/hono's `sse(c, ...)`.
 * Query errors throw before the stream opens and reach the app's error handler (400).
 */
export function honoEvents(demo: DemoContext): Handler {
  // One options object for every call: @sse/hono keeps one session factory per object.
  const options = { retry: demo.retryMs };
  return (c) => {
    const request = parseStreamRequest(new URL(c.req.url));
    return sse(c, (session) => runStream(demo, session, request, 'hono'), options);
  };
}
