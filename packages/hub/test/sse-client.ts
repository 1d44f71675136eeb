/**
 * A small EventSource-like test client over node:http, decoding with @sse/core: it
 * sends Last-Event-ID like a browser does on reconnect, and can move between servers.
 * Shared by the hub and redis end-to-end suites.
 */
import { type ClientRequest, request } from 'node:http';
import { createDecoder, type DecodedEvent } from '@sse/core';

/** A client that keeps every event it ever received, across connections. */
export class SSEClient {
  readonly events: DecodedEvent[] = [];
  /** The last event ID, as the spec keeps it (it persists across connections). */
  lastEventId = '';
  private req: ClientRequest | undefined;
  private waiters = new Set<() => void>();
  /** Resolves when the current connection ends (for any reason). */
  ended: Promise<void> = Promise.resolve();

  /**
   * `bursts`: after every chunk the client stops reading until the next turn of the
   * event loop, like a busy or slow reader, so the server sees real backpressure.
   */
  constructor(
    private readonly path: string,
    private readonly options: { bursts?: boolean } = {},
  ) {}

  /** Opens a connection to `port`, resuming after `lastEventId`; resolves once the stream is open. */
  connect(port: number): Promise<void> {
    const decoder = createDecoder(
      {
        onEvent: (event) => {
          this.events.push(event);
          this.notify();
        },
      },
      { lastEventId: this.lastEventId },
    );
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastEventId !== '') headers['last-event-id'] = this.lastEventId;
    return new Promise((resolve, reject) => {
      let endConnection: () => void = () => {};
      this.ended = new Promise((r) => {
        endConnection = r;
      });
      const req = request(
        { host: '127.0.0.1', port, path: this.path, headers, agent: false },
        (res) => {
          if (res.statusCode !== 200) {
            reject(new Error(`status ${res.statusCode}`));
            res.resume();
            return;
          }
          resolve();
          res.on('data', (chunk: Buffer) => {
            if (this.options.bursts) {
              res.pause();
              setImmediate(() => res.resume());
            }
            decoder.feed(chunk);
            // The id-only frames the hub sends move the cursor without an event: wake
            // waiters on every chunk, so a condition on the cursor is seen at once.
            this.lastEventId = decoder.lastEventId;
            this.notify();
          });
          res.on('close', () => {
            endConnection();
            this.notify();
          });
        },
      );
      req.on('error', (error) => {
        reject(error);
        endConnection();
        this.notify();
      });
      req.end();
      this.req = req;
    });
  }

  /** Drops the connection, as a network failure or a closed tab would. */
  async disconnect(): Promise<void> {
    this.req?.destroy();
    await this.ended;
  }

  /**
   * Resolves once `predicate` holds, re-checking on every chunk read and connection end.
   * Rejects after `timeoutMs` with what the client has, so a failure explains itself
   * instead of hanging (a guard against bugs, not a timing assertion).
   */
  async until(predicate: (events: DecodedEvent[]) => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate(this.events)) {
      const left = deadline - Date.now();
      if (left <= 0) {
        const tail = this.events
          .slice(-5)
          .map((e) => `${e.type}:${e.data.slice(0, 40)}@${e.lastEventId}`);
        throw new Error(
          `${this.path}: condition not met; ${this.events.length} events, cursor ${this.lastEventId}, last ${tail.join(' ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.add(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  private notify(): void {
    const waiters = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiters) wake();
  }
}
