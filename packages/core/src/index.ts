export {
  createDecoder,
  DEFAULT_MAX_EVENT_SIZE,
  DEFAULT_MAX_LINE_LENGTH,
  type Decoder,
  type DecoderHandlers,
  type DecoderOptions,
  type EndOptions,
} from './decoder';
export { encode, encodeComment } from './encode';
export { isSSEError, SSEError, type SSEErrorCode } from './errors';
export type { DecodedEvent, Message } from './types';
