import { createDecoder, type DecoderHandlers, type DecoderOptions } from './decoder';
import type { DecodedEvent } from './types';

/** The decoder's options, the side channels a stream cannot carry, and the end-of-stream rule. */
export interface EventStreamDecoderOptions extends DecoderOptions {
  /** Called for each valid `retry` field (milliseconds); events keep flowing through the stream. */
  onRetry?: DecoderHandlers['onRetry'];
  /** Called for each comment line, one leading space removed. */
  onComment?: DecoderHandlers['onComment'];
  /** Dispatch an event left without its final blank line when the input ends. Default `false` (the spec: discard it). */
  dispatchIncomplete?: boolean;
}

/**
 * The decoder as a `TransformStream`, for `response.body.pipeThrough(new EventStreamDecoder())`.
 * Takes bytes (decoded as UTF-8 itself: no `TextDecoderStream` needed) or strings; the end of
 * the input calls `end()`. A breached limit or a throwing callback errors the stream with
 * the `SSEError`.
 */
export class EventStreamDecoder extends TransformStream<Uint8Array | string, DecodedEvent> {
  readonly #lastEventId: () => string;

  constructor(options: EventStreamDecoderOptions = {}) {
    let output!: TransformStreamDefaultController<DecodedEvent>;
    const decoder = createDecoder(
      {
        onEvent: (event) => output.enqueue(event),
        onRetry: options.onRetry,
        onComment: options.onComment,
      },
      options,
    );
    const dispatchIncomplete = options.dispatchIncomplete === true;
    super({
      start(controller) {
        output = controller;
      },
      transform(chunk) {
        decoder.feed(chunk);
      },
      flush() {
        decoder.end({ dispatchIncomplete });
      },
    });
    this.#lastEventId = () => decoder.lastEventId;
  }

  /** The stream's last event ID so far: what a client sends back as `Last-Event-ID`. */
  get lastEventId(): string {
    return this.#lastEventId();
  }
}
