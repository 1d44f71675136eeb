export { encode, encodeComment } from './encode';
export { isSSEError, SSEError, type SSEErrorCode } from './errors';
export type { DecodedEvent, Message } from './types';
