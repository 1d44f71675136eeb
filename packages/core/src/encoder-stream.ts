import { encode } from './encode';
import type { Message } from './types';

/**
 * `encode` as a `TransformStream`: messages in, UTF-8 frames out, one `TextEncoder` for the
 * stream. A message that `encode` rejects errors the stream with its `SSEError`.
 */
export class EventStreamEncoder extends TransformStream<Message, Uint8Array> {
  constructor() {
    const utf8 = new TextEncoder();
    super({
      transform(message, controller) {
        controller.enqueue(utf8.encode(encode(message)));
      },
    });
  }
}
