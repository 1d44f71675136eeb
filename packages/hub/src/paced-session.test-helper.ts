import {
  createSessionFactory,
  type ServerSession,
  type SessionSink,
  type SlowClientPolicy,
} from '@sse/server';
import { parseFrames, type Seen } from './fake-session.test-helper';

/**
 * A real `ServerSession` on a transport the test drives: the transport holds up to
 * `capacity` unread bytes (then pushes back, like a full socket buffer) and the test
 * reads from it with `read(n)`, slowly or in bursts. Used by the model-based test, where
 * real sockets would take the order of events out of the test's hands.
 */
export class PacedSession implements SessionSink {
  readonly session: ServerSession;
  /** Complete frames the client has read, in order (the opening comment included). */
  readonly frames: Seen[] = [];
  private unread: Uint8Array[] = [];
  private unreadBytes = 0;
  private text = '';
  private readonly decoder = new TextDecoder();

  constructor(
    lastEventId: string,
    slowClient: SlowClientPolicy,
    private readonly capacity = 64,
    maxQueueBytes = 128,
  ) {
    const factory = createSessionFactory({ heartbeat: false, slowClient, maxQueueBytes });
    this.session = factory.open(this, { lastEventId });
  }

  write(chunk: Uint8Array): boolean {
    this.unread.push(chunk);
    this.unreadBytes += chunk.byteLength;
    return this.unreadBytes < this.capacity;
  }
  end(): void {}
  abort(): void {}

  /** Bytes written by the session and not yet read. */
  get pending(): number {
    return this.unreadBytes;
  }

  /** Reads up to `bytes` bytes, then tells the session it may write again when there is room. */
  read(bytes: number): void {
    let left = bytes;
    while (left > 0 && this.unread.length > 0) {
      const chunk = this.unread[0] as Uint8Array;
      const taken = chunk.subarray(0, left);
      if (taken.byteLength === chunk.byteLength) this.unread.shift();
      else this.unread[0] = chunk.subarray(left);
      left -= taken.byteLength;
      this.unreadBytes -= taken.byteLength;
      this.text += this.decoder.decode(taken, { stream: true });
    }
    const { frames, rest } = parseFrames(this.text);
    this.frames.push(...frames);
    this.text = rest;
    if (this.unreadBytes < this.capacity) this.session.drain();
  }
}
