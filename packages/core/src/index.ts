export {
  EVENT_STREAM_CONTENT_TYPE,
  EVENT_STREAM_MIME_TYPE,
  isEventStreamContentType,
} from './content-type';
export { type DecodedStream, type DecodeStreamOptions, decodeStream } from './decode-stream';
export {
  createDecoder,
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  type Decoder,
  type DecoderHandlers,
  type DecoderOptions,
  type EndOptions,
} from './decoder';
export { EventStreamDecoder, type EventStreamDecoderOptions } from './decoder-stream';
export { checkMessage, encode, encodeComment } from './encode';
export { EventStreamEncoder } from './encoder-stream';
export { isSSEError, SSEError, type SSEErrorCode } from './errors';
export type { DecodedEvent, Message } from './types';
