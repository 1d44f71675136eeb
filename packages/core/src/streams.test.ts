import { describe, expect, it } from 'vitest';
import { EventStreamDecoder } from './decoder-stream';
import { EventStreamEncoder } from './encoder-stream';
import type { DecodedEvent, Message } from './types';

/** A readable stream of the given chunks, as a fetch body would deliver them. */
function source<T>(chunks: T[]): ReadableStream<T> {
  return new ReadableStream<T>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });
}

async function collect<T>(stream: ReadableStream<T>): Promise<T[]> {
  const out: T[] = [];
  const reader = stream.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return out;
    out.push(value);
  }
}

describe('EventStreamDecoder', () => {
  it('decodes a byte stream split anywhere, and its flush ends the stream', async () => {
    const bytes = new TextEncoder().encode('\uFEFFid: 1\ndata: h€llo\r\n\r\ndata: cut');
    const retries: number[] = [];
    const comments: string[] = [];
    const decoder = new EventStreamDecoder({
      onRetry: (ms) => retries.push(ms),
      onComment: (text) => comments.push(text),
    });
    const chunks = [bytes.subarray(0, 2), bytes.subarray(2, 19), bytes.subarray(19)];
    const events = await collect(source<Uint8Array | string>(chunks).pipeThrough(decoder));
    expect(events).toEqual<DecodedEvent[]>([
      { type: 'message', data: 'h€llo', lastEventId: '1', id: '1' },
    ]);
    expect(decoder.lastEventId).toBe('1');
    const both = await collect(
      source<string>([': hi\nretry: 5\n', 'data: cut']).pipeThrough(
        new EventStreamDecoder({
          dispatchIncomplete: true,
          onRetry: (ms) => retries.push(ms),
          onComment: (t) => comments.push(t),
        }),
      ),
    );
    expect(both).toEqual([{ type: 'message', data: 'cut', lastEventId: '' }]);
    expect(retries).toEqual([5]);
    expect(comments).toEqual(['hi']);
  });

  it('errors the stream with the typed error when a limit is exceeded', async () => {
    const stream = source(['data: ', 'x'.repeat(100)]).pipeThrough(
      new EventStreamDecoder({ maxLineLength: 50 }),
    );
    await expect(collect(stream)).rejects.toMatchObject({
      name: 'SSEError',
      code: 'LINE_TOO_LONG',
    });
  });
});

describe('EventStreamEncoder', () => {
  it('turns messages into UTF-8 frames that the decoder reads back', async () => {
    const messages: Message[] = [
      { data: 'a\nb', event: 'e', id: '1' },
      { comment: 'ping' },
      { retry: 10 },
      { data: '€' },
    ];
    const events = await collect(
      source(messages).pipeThrough(new EventStreamEncoder()).pipeThrough(new EventStreamDecoder()),
    );
    expect(events).toEqual([
      { type: 'e', data: 'a\nb', lastEventId: '1', id: '1' },
      { type: 'message', data: '€', lastEventId: '1' },
    ]);
  });

  it('errors the stream when a message cannot be encoded safely', async () => {
    const stream = source<Message>([{ id: 'a\nb' }]).pipeThrough(new EventStreamEncoder());
    await expect(collect(stream)).rejects.toMatchObject({ code: 'INVALID_ID' });
  });
});
