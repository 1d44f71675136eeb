import { SSEError } from '@sse/core';

/** The error a producer's append gets when its stream was ended by someone else: it must stop. */
export const finishedError = (id: string): SSEError =>
  new SSEError(
    'STREAM_FINISHED',
    `The stream ${JSON.stringify(id)} is no longer running (stopped, failed or expired); its producer must stop.`,
  );

/** The error of any call on a closed store. */
export const closedError = (): SSEError =>
  new SSEError('BACKEND_UNAVAILABLE', 'The store is closed. Create a new store to start streams.');

/** Longest stream id accepted: it is part of URLs and of store keys. */
export const MAX_STREAM_ID_LENGTH = 128;

/**
 * Rejects ids that cannot travel in a URL path segment or a store key unescaped:
 * 1 to 128 characters of letters, digits, `-`, `_`, `.` and `:`.
 */
export function checkStreamId(id: unknown): asserts id is string {
  if (typeof id !== 'string' || !/^[A-Za-z0-9._:-]{1,128}$/.test(id)) {
    throw new SSEError(
      'INVALID_STREAM_ID',
      `A stream id must be 1 to ${MAX_STREAM_ID_LENGTH} characters of letters, digits, '-', '_', '.' or ':', got ${JSON.stringify(id)}.`,
    );
  }
}
