import { isSSEError } from '@sse/core';
import { describe, expect, it } from 'vitest';
import { events, type StreamEvent } from '../src/index';
import { lifecycle, openStream, send, sleep } from './helpers';

const { serve, serveSSE } = lifecycle();

describe('events(): async iteration', () => {
  it('yields events across reconnects, and break closes the connection', async () => {
    let closed!: () => void;
    const gone = new Promise<void>((r) => (closed = r));
    const server = await serve((req, res, _seen, i) => {
      openStream(res);
      if (i === 0) {
        send(res, { id: '1', data: 'a' }, { event: 'named', data: 'b' });
        res.end();
      } else {
        req.socket.on('close', closed);
        send(res, { data: 'c' }, { data: 'never read' });
      }
    });
    const got: StreamEvent[] = [];
    for await (const event of events(server.url, { retryDelay: 5 })) {
      got.push(event);
      if (got.length === 3) break;
    }
    await gone;
    expect(got.map((e) => [e.type, e.data, e.lastEventId])).toEqual([
      ['message', 'a', '1'],
      ['named', 'b', '1'],
      ['message', 'c', '1'],
    ]);
    expect(got[0]).toMatchObject({ id: '1', origin: server.origin });
    expect(server.requests[1]!.headers['last-event-id']).toBe('1');
  });

  it('oneShot: POSTs once and ends the loop with the response (an LLM-style stream)', async () => {
    const server = await serveSSE((session, seen) => {
      const { prompt } = JSON.parse(seen.body) as { prompt: string };
      for (const word of prompt.split(' ')) session.send({ data: JSON.stringify({ token: word }) });
      session.send({ data: '[DONE]' });
      session.close();
    });
    const tokens: string[] = [];
    for await (const event of events(server.url, {
      oneShot: true,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'hello there world' }),
    })) {
      if (event.data === '[DONE]') continue;
      tokens.push((JSON.parse(event.data) as { token: string }).token);
    }
    expect(tokens).toEqual(['hello', 'there', 'world']);
    expect(server.requests).toHaveLength(1);
  });

  it('throws the final error from the loop (404: HTTP_STATUS with status)', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(404);
      res.end();
    });
    const error = await (async () => {
      for await (const _ of events(server.url)) {
        // never reached
      }
    })().catch((e: unknown) => e);
    expect(isSSEError(error, 'HTTP_STATUS')).toBe(true);
    expect(error).toMatchObject({ status: 404 });
  });

  it('delivers events that arrived before a final error, then throws', async () => {
    const server = await serveSSE((session) => {
      session.send({ data: 'kept' });
      session.close();
    });
    const got: string[] = [];
    const error = await (async () => {
      for await (const event of events(server.url, { retryDelay: 5, maxAttempts: 1 })) {
        got.push(event.data);
      }
    })().catch((e: unknown) => e);
    expect(got).toEqual(['kept']);
    expect(isSSEError(error, 'MAX_ATTEMPTS')).toBe(true);
  });

  it('throws ABORTED when the signal aborts', async () => {
    const server = await serve((_req, res) => {
      openStream(res);
      send(res, { data: 'first' });
    });
    const controller = new AbortController();
    const error = await (async () => {
      for await (const _ of events(server.url, { signal: controller.signal })) {
        controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(isSSEError(error, 'ABORTED')).toBe(true);
  });

  it('applies backpressure with a full buffer: nothing is dropped, reading resumes', async () => {
    const total = 2000;
    const server = await serve((_req, res) => {
      openStream(res);
      let i = 0;
      const pump = () => {
        while (i < total) {
          const more = res.write(`data: ${i++}\n\n`);
          if (!more) return void res.once('drain', pump);
        }
        res.end();
      };
      pump();
    });
    const stream = events(server.url, { bufferSize: 4, oneShot: true });
    const first = await stream.next();
    expect(first.value?.data).toBe('0');
    await sleep(100); // a slow consumer: the client must stop reading, not drop events
    let expected = 1;
    for await (const event of stream) {
      expect(event.data).toBe(String(expected++));
    }
    expect(expected).toBe(total);
  });
});
