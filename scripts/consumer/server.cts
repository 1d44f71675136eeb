// The same packages from CommonJS: `import` compiles to require() and resolves the
// packages' `require` conditions (index.d.cts).

import { EventSource } from '@sse/client';
import { createDecoder, encode } from '@sse/core';
import { sseHandler } from '@sse/hono';
import { createHub } from '@sse/hub';
import { createNodeSSE } from '@sse/node';
import { createRedisBackend } from '@sse/redis';
import type { Session } from '@sse/server';
import { createWebSSE } from '@sse/web';

createDecoder({ onEvent: (event) => event.data }).feed(encode({ data: 'x' }));
const source = new EventSource('http://127.0.0.1:3000/events', { headers: [['a', 'b']] });
source.close();
const hub = createHub({ backend: createRedisBackend({ connection: 'redis://127.0.0.1:6379' }) });
const sse = createNodeSSE();
export const open = (
  req: Parameters<typeof sse>[0],
  res: Parameters<typeof sse>[1],
): Session | undefined => sse(req, res);
export const web = createWebSSE();
export const route = sseHandler((session) => session.close());
export { hub };
