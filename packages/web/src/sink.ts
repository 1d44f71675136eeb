import type { SSEError } from '@sse/core';
import type { ServerSession, SessionSink } from '@sse/server';

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
    try {
      this.controller.close();
    } catch {
      // Already closed or cancelled.
    }
  }

  abort(reason: SSEError): void {
    const session = this.session;
    this.session = undefined;
    try {
      // The peer is gone: nobody reads, just release the stream (runtimes log errored bodies).
      if (session === undefined || session.endReason === 'peer') this.controller.close();
      // Slow or failed: erroring the body makes the runtime drop the connection.
      else this.controller.error(reason);
    } catch {
      // Already closed or cancelled.
    }
  }
}
