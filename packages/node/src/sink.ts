import type { ServerResponse } from 'node:http';
import type { Http2ServerResponse } from 'node:http2';
import { constants, createBrotliCompress, createDeflate, createGzip, type Gzip } from 'node:zlib';
import type { ContentEncoding, ServerSession, SessionSink } from '@sse/server';

/** Any Node response the adapter binds to: HTTP/1.x (`http`, `https`) or the HTTP/2 compat API. */
export type NodeResponse = ServerResponse | Http2ServerResponse;

/**
 * @internal Compressor settings for a live stream, where every write is flushed on its
 * own (the `flush` mode applies to each write: one compression step per write, no
 * separate flush call) and one compressor lives as long as its connection, so its memory
 * is paid per open session. node:zlib's Brotli default (quality 11, a 4 MiB window)
 * cannot keep up with a busy stream; quality 5 keeps up, and a 64 KiB window (lgwin 16)
 * makes Brotli use its small hasher: measured ~335 KiB per session instead of ~1 MiB at
 * lgwin 18, at the same ratio on a JSON stream (apps/bench compression section).
 */
export const BROTLI_OPTIONS = {
  flush: constants.BROTLI_OPERATION_FLUSH,
  params: {
    [constants.BROTLI_PARAM_QUALITY]: 5,
    [constants.BROTLI_PARAM_LGWIN]: 16,
  },
} as const;
/**
 * @internal gzip and deflate: zlib's level 6 with a 4 KiB window (windowBits 12) and
 * memLevel 5, 32 KiB of compressor state by zlib's own formula
 * (`2^(windowBits+2) + 2^(memLevel+9)`) instead of 256 KiB at its defaults (15, 8).
 * Flushed events are small and resemble their recent neighbours, so the short window
 * costs little ratio (measured in the apps/bench compression section).
 */
export const ZLIB_OPTIONS = {
  flush: constants.Z_SYNC_FLUSH,
  level: 6,
  windowBits: 12,
  memLevel: 5,
} as const;

/** Where the session lives on its response, so listeners need no closure per connection. */
const kSession = Symbol('sse.session');
type Tagged = { [kSession]?: ServerSession<unknown> };

function onDrain(this: Tagged): void {
  this[kSession]?.drain();
}
function onClose(this: Tagged): void {
  this[kSession]?.peerGone();
}
function onError(this: Tagged, error: unknown): void {
  this[kSession]?.fail(error);
}

/**
 * Binds a session to a Node response, using the socket's own backpressure:
 * `write()`'s return value and the `drain` event. With a content coding, bytes go
 * through a zlib stream that is flushed after every write, so no event waits in
 * the compressor.
 */
export class ResponseSink implements SessionSink {
  private readonly compressor: Gzip | undefined;
  /** The object whose 'drain' means "write more": the compressor if any, else the response. */
  private readonly target: NodeJS.WritableStream & Tagged;
  private listening = false;

  constructor(
    private readonly res: NodeResponse,
    encoding: ContentEncoding | undefined,
  ) {
    if (encoding === undefined) {
      this.compressor = undefined;
      this.target = res as unknown as NodeJS.WritableStream & Tagged;
    } else {
      this.compressor =
        encoding === 'br'
          ? (createBrotliCompress(BROTLI_OPTIONS) as unknown as Gzip)
          : encoding === 'gzip'
            ? createGzip(ZLIB_OPTIONS)
            : createDeflate(ZLIB_OPTIONS);
      this.compressor.pipe(res as unknown as NodeJS.WritableStream);
      this.target = this.compressor as unknown as NodeJS.WritableStream & Tagged;
    }
  }

  /** Attaches the session and the listeners (shared functions, no closures). */
  bind(session: ServerSession<unknown>): void {
    const res = this.res as unknown as Tagged & NodeJS.EventEmitter;
    res[kSession] = session;
    res.on('close', onClose);
    res.on('error', onError);
    if (this.target !== (res as unknown)) {
      this.target[kSession] = session;
      (this.target as unknown as NodeJS.EventEmitter).on('error', onError);
    }
  }

  write(chunk: Uint8Array): boolean {
    // A compressor flushes each write through its own `flush` mode (see BROTLI_OPTIONS).
    const accepted = this.target.write(chunk);
    // The 'drain' listener is added the first time the socket pushes back: idle
    // sessions that never fill their socket carry one listener less.
    if (!accepted && !this.listening) {
      this.listening = true;
      (this.target as unknown as NodeJS.EventEmitter).on('drain', onDrain);
    }
    return accepted;
  }

  end(): void {
    this.release();
    this.target.end();
  }

  abort(): void {
    this.release();
    this.compressor?.destroy();
    if (!this.res.destroyed) this.res.destroy();
  }

  /** Removes every listener and reference this sink added. */
  private release(): void {
    const res = this.res as unknown as Tagged & NodeJS.EventEmitter;
    res[kSession] = undefined;
    res.off('close', onClose);
    res.off('error', onError);
    const target = this.target as unknown as Tagged & NodeJS.EventEmitter;
    target[kSession] = undefined;
    target.off('drain', onDrain);
    if (target !== res) target.off('error', onError);
  }
}
