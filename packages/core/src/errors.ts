/**
 * Every failure the toolkit reports has a stable `code`, so callers can branch on
 * the kind of failure without parsing messages.
 */
export type SSEErrorCode =
  // encoder
  | 'INVALID_EVENT'
  | 'INVALID_ID'
  | 'INVALID_RETRY'
  | 'INVALID_DATA'
  | 'INVALID_COMMENT'
  // decoder
  | 'LINE_TOO_LONG'
  | 'EVENT_TOO_LARGE'
  | 'DECODER_FAILED'
  | 'DECODER_ENDED'
  // server
  | 'SESSION_CLOSED'
  | 'QUEUE_FULL'
  | 'TOO_MANY_SESSIONS'
  | 'WRITE_FAILED'
  // client
  | 'HTTP_STATUS'
  | 'CONTENT_TYPE'
  | 'NETWORK'
  | 'IDLE_TIMEOUT'
  | 'MAX_ATTEMPTS'
  | 'ABORTED'
  | 'INVALID_REQUEST'
  | 'INVALID_RESPONSE'
  // hub / backends
  | 'UNAUTHORIZED'
  | 'BACKEND_UNAVAILABLE'
  | 'BACKEND_BUFFER_FULL'
  /** A publish was written to the backend but its outcome is unknown (timeout, dropped connection): it may appear later. */
  | 'PUBLISH_OUTCOME_UNKNOWN'
  /** A stored entry the backend cannot turn into an event (another writer, an older version): skipped and reported. */
  | 'INVALID_ENTRY'
  /** A backend's reader fell behind its bounded history: events it never read were trimmed. Reported, never silent. */
  | 'EVENTS_LOST'
  | 'INVALID_TOPIC'
  // resumable streams
  /** A resumable stream id that cannot travel in a URL segment or a store key. */
  | 'INVALID_STREAM_ID'
  /** A resumable stream with this id exists (running, or kept after its end until its TTL). */
  | 'STREAM_EXISTS'
  /** A resumable stream is no longer running (stopped, failed or expired): its producer must stop. */
  | 'STREAM_FINISHED';

/**
 * The one error class of the toolkit. The message says what was wrong and what to
 * do about it; `code` is for programs, `cause` keeps the underlying failure.
 */
export class SSEError extends Error {
  readonly code: SSEErrorCode;

  constructor(code: SSEErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'SSEError';
    this.code = code;
  }
}

/** Narrows an unknown thrown value to an `SSEError`, optionally of one code. */
export function isSSEError(value: unknown, code?: SSEErrorCode): value is SSEError {
  return value instanceof SSEError && (code === undefined || value.code === code);
}
