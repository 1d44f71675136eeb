import { SSEError, type SSEErrorCode } from '@sse/core';

/**
 * Why a connection failed, with what the server answered when it answered: the client's
 * errors are `SSEError`s (codes `HTTP_STATUS`, `CONTENT_TYPE`, `NETWORK`, `IDLE_TIMEOUT`,
 * `MAX_ATTEMPTS`, `ABORTED`, or a decoder limit) plus `status` and `response`.
 */
export class EventSourceError extends SSEError {
  /** The HTTP status, when a response arrived. */
  declare readonly status: number | undefined;
  /** The response (its body already cancelled), when one arrived. */
  declare readonly response: Response | undefined;

  constructor(code: SSEErrorCode, message: string, cause?: unknown, response?: Response) {
    super(code, message, { cause });
    this.response = response;
    this.status = response?.status;
  }
}

/**
 * The `error` event, shaped like the DOM's `ErrorEvent` (`error`, `message`) so that the
 * reason is not lost, unlike the native `EventSource`'s bare `Event`.
 */
export class EventSourceErrorEvent extends Event {
  /** The reason; `readyState` tells whether the source will retry (CONNECTING) or gave up (CLOSED). */
  declare readonly error: EventSourceError;
  /** The reason in words. */
  declare readonly message: string;

  constructor(error: EventSourceError) {
    super('error');
    this.error = error;
    this.message = error.message;
  }
}
