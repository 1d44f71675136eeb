import type { SSEError } from '@sse/core';

/**
 * The whole contract between a session and a transport. An adapter implements it
 * for one kind of response and calls back into the session (`drain()`, `peerGone()`)
 * when the transport becomes writable again or the peer disappears.
 */
export interface SessionSink {
  /**
   * Hands bytes to the transport. Returns false when the transport wants nothing
   * more until it calls `session.drain()` (the socket's own backpressure). May throw:
   * the session then ends with reason `'error'`.
   */
  write(chunk: Uint8Array): boolean;
  /** Ends the response gracefully: everything written so far is still delivered. */
  end(): void;
  /**
   * Tears the connection down now (slow reader, failed write, peer gone). Must be
   * idempotent. `reason` is the session's end reason, the same error as `session.signal.reason`.
   */
  abort(reason: SSEError): void;
}
