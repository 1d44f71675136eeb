import type { SSEError } from '@sse/core';
import type { ServerSession, SessionSink } from '@sse/server';

/**
 * A host's handle on the connection under a response, when it gives one: what
 * `@hono/node-server` passes as its fetch handler's second argument (`{ incoming,
 * outgoing }`) has one in `outgoing`.
 */
export interface Connection {
  /** Tears the connection down now (no error: nothing for the host to log). */
  destroy(): void;
}

/**
 * The session's transport for fetch-style runtimes: the underlying source of a
 * pull-based `ReadableStream` (high-water mark 0). Bytes are enqueued only when
 * the runtime has asked for more (`pull`), so nothing ever waits on a stream that
 * is not being read yet, and the session's own bounded queue holds the rest.
 * (It fits `UnderlyingDefaultSource` structurally; naming that DOM-only type here would
 * make the declarations need the DOM lib.)
 */
export class StreamSink implements SessionSink {
  /** The session this sink feeds; set right after the session is opened. */
  session: ServerSession<unknown> | undefined;
  /** The connection under the response, when the host exposes it (see {@link Connection}). */
  connection: Connection | undefined;
  private controller!: ReadableStreamDefaultController<Uint8Array>;

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.controller = controller;
  }

  /** The runtime wants bytes: let the session write what it has. */
  pull(): void {
    this.session?.drain();
  }

  /** The consumer went away (client disconnected, runtime cancelled the body). */
  cancel(): void {
    this.session?.peerGone();
  }

  write(chunk: Uint8Array): boolean {
    this.controller.enqueue(chunk);
    return (this.controller.desiredSize ?? 0) > 0;
  }

  end(): void {
    this.session = undefined;
    this.connection = undefined;
    try {
      this.controller.close();
    } catch {
      // Already closed or cancelled.
    }
  }

  /**
   * Ends the body for a session that did not end gracefully. An errored body is what
   * makes a runtime drop the connection, but runtimes also log it (a stack trace per
   * client on `@hono/node-server`), so it is kept for real failures and for slow
   * clients where no connection handle is known. Expected ends are quiet: a peer that
   * is gone gets a closed body; a slow client's body is closed and its connection
   * destroyed through the host's handle, so it still sees the connection end (and
   * reconnects) and its socket is released.
   */
  abort(reason: SSEError): void {
    const session = this.session;
    const connection = this.connection;
    this.session = undefined;
    this.connection = undefined;
    const endReason = session?.endReason;
    const quiet =
      endReason === undefined ||
      endReason === 'peer' ||
      (endReason === 'slow' && connection !== undefined);
    try {
      if (quiet) this.controller.close();
      else this.controller.error(reason);
    } catch {
      // Already closed or cancelled.
    }
    if (endReason === 'slow') connection?.destroy();
  }
}
