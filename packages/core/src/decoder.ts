/**
 * A streaming event-stream decoder that follows the WHATWG HTML "server-sent events"
 * parsing rules exactly (§9.2.5–9.2.6), for bytes or strings, whatever the chunking.
 * @see https://html.spec.whatwg.org/multipage/server-sent-events.html#event-stream-interpretation
 */
import { SSEError } from './errors';
import type { DecodedEvent } from './types';

/** Where a decoder delivers what it finds. Only `onEvent` is required. */
export interface DecoderHandlers {
  /** A blank line ended a block that had at least one `data` field. */
  onEvent(event: DecodedEvent): void;
  /** A `retry` field of ASCII digits only: the server's reconnection time in milliseconds. */
  onRetry?(ms: number): void;
  /** A comment line: the text after `:`, one leading space removed (the mirror of `encodeComment`). */
  onComment?(text: string): void;
  /**
   * A limit was exceeded. Without this handler the error is thrown from `feed`/`end`
   * instead. Either way the decoder refuses further input until `reset()`.
   */
  onError?(error: SSEError): void;
}

/** Limits and the starting state of a decoder. */
export interface DecoderOptions {
  /** The last event ID to start from, e.g. the `Last-Event-ID` a reconnecting client sent. Default `''`. */
  lastEventId?: string;
  /**
   * The longest line accepted, in UTF-16 code units (bytes, for ASCII), terminator excluded,
   * checked also while the line is still arriving. Default {@link DEFAULT_MAX_LINE_LENGTH}.
   * `Infinity` disables the check.
   */
  maxLineLength?: number;
  /**
   * The most data one event may buffer: its joined `data` values plus the line being
   * received, in UTF-16 code units. Default {@link DEFAULT_MAX_EVENT_SIZE}. `Infinity`
   * disables the check.
   */
  maxEventSize?: number;
}

/** How `end()` treats an event whose final blank line never arrived. */
export interface EndOptions {
  /**
   * `false` (the default, as the spec says): an unterminated event, and any `id` it set,
   * is discarded. `true`: the last line and the event are dispatched as if a blank line
   * had followed, for servers that close without one.
   */
  dispatchIncomplete?: boolean;
}

/** One decoder per stream: feed it chunks, then end it. */
export interface Decoder {
  /** Decodes one chunk of bytes (UTF-8) or text and calls the handlers for what it completes. */
  feed(chunk: Uint8Array | string): void;
  /** Ends the stream: flushes an incomplete UTF-8 sequence, then discards (or dispatches) an unterminated event. */
  end(options?: EndOptions): void;
  /**
   * Starts a new stream on the same decoder (for a reconnect): clears buffers, errors and
   * the ended state, re-arms BOM stripping; keeps the last event ID unless one is given.
   */
  reset(options?: { lastEventId?: string }): void;
  /** The stream's last event ID, as of the last blank line. */
  readonly lastEventId: string;
}

/** 8 MiB: room for a large single-line payload (a base64 image in JSON), far below a memory risk. */
export const DEFAULT_MAX_LINE_LENGTH = 8 * 1024 * 1024;
/** 16 MiB: the most data a single event may accumulate before the stream is refused. */
export const DEFAULT_MAX_EVENT_SIZE = 16 * 1024 * 1024;

// Character codes used in the hot path.
const LF = 10;
const SPACE = 32;
const COLON = 58;
const BOM = 0xfeff;

// Decoder states.
const OPEN = 0;
const FAILED = 1;
const ENDED = 2;

/** How many pending pieces are joined into one block (see `blocks`). */
const PIECES_PER_BLOCK = 1024;

/** Passed to every streaming `TextDecoder.decode` call; one shared object, no allocation per chunk. */
const STREAM = { stream: true } as const;

function checkLimit(name: string, value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !(value > 0)) {
    throw new RangeError(`${name} must be a positive number (or Infinity), got ${String(value)}.`);
  }
  return value;
}

/**
 * One or more ASCII digits, the only `retry` value the spec accepts (`\d` without the `u`
 * flag, as with it, is [0-9] only: no other script's digits).
 */
const DIGITS = /^\d+$/;

/**
 * Creates a decoder for one event stream. Bytes are decoded as UTF-8 by one streaming
 * `TextDecoder` (multi-byte sequences may be split across chunks; invalid bytes become
 * U+FFFD); exactly one leading BOM is dropped, for bytes and strings alike. Lines end in
 * LF, CR or CRLF; a CR ends its line at once, and an LF that starts the next chunk is
 * then swallowed. Time is linear in the input whatever the chunking.
 */
export function createDecoder(handlers: DecoderHandlers, options: DecoderOptions = {}): Decoder {
  const { onEvent, onRetry, onComment, onError } = handlers;
  if (typeof onEvent !== 'function') {
    throw new TypeError('handlers.onEvent must be a function.');
  }
  const maxLineLength = checkLimit('maxLineLength', options.maxLineLength, DEFAULT_MAX_LINE_LENGTH);
  const maxEventSize = checkLimit('maxEventSize', options.maxEventSize, DEFAULT_MAX_EVENT_SIZE);

  // Bytes to text. `ignoreBOM` because the BOM rule is ours: it must also hold for strings.
  let utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
  // True while `utf8` may hold the first bytes of an unfinished sequence.
  let bytesPending = false;
  // True until the first character of the stream has been seen (it may be a BOM).
  let atStart = true;
  // True after a chunk ended in CR: an LF at the start of the next text belongs to it.
  let skipLF = false;

  // The unterminated line, as pieces (joined once when its terminator arrives: never
  // `pending + chunk` per chunk, which is quadratic for a long line in small chunks).
  let pieces: string[] = [];
  // Every PIECES_PER_BLOCK pieces are joined into one block, so a line fed one byte at a
  // time costs two copies per character rather than one array slot per byte.
  let blocks: string[] = [];
  let pendingLength = 0;

  // The spec's buffers. `data` is kept without its trailing LF; `dataLines` counts lines.
  let data = '';
  let dataLines = 0;
  let type = '';
  let idBuffer = options.lastEventId ?? '';
  // This block's own `id` field, reported as `event.id`.
  let blockId: string | undefined;
  // The stream's last event ID: becomes `idBuffer` on every blank line.
  let lastEventId = idBuffer;

  let state = OPEN;
  let failure: SSEError | undefined;
  // Bumped whenever a handler may have ended, reset or failed the decoder mid-chunk,
  // so the loop that called it stops rather than parse into a state it no longer owns.
  let generation = 0;

  function dropPending(): void {
    pieces = [];
    blocks = [];
    pendingLength = 0;
  }

  /** The unterminated line completed by `tail`; the pending buffers are emptied. */
  function takePending(tail: string): string {
    pieces.push(tail);
    const whole = blocks.join('') + pieces.join('');
    dropPending();
    return whole;
  }

  function clearEvent(): void {
    data = '';
    dataLines = 0;
    type = '';
    blockId = undefined;
  }

  /** Drops the unfinished line and event and the id they set (the spec's end-of-stream rule; also on failure and reset). */
  function discardEvent(): void {
    dropPending();
    clearEvent();
    idBuffer = lastEventId;
  }

  /** Stops the decoder on a breached limit: reports (or throws) a typed error and drops buffers. */
  function fail(error: SSEError): void {
    state = FAILED;
    failure = error;
    generation++;
    discardEvent();
    if (onError) onError(error);
    else throw error;
  }

  function lineTooLong(length: number): void {
    fail(
      new SSEError(
        'LINE_TOO_LONG',
        `Line of ${length} characters exceeds maxLineLength (${maxLineLength}).`,
      ),
    );
  }

  function eventTooLarge(size: number): void {
    fail(
      new SSEError(
        'EVENT_TOO_LARGE',
        `Event data of ${size} characters exceeds maxEventSize (${maxEventSize}).`,
      ),
    );
  }

  /** A blank line: the spec's "dispatch the event" steps. */
  function dispatch(): void {
    // The last event ID changes on every blank line, even when nothing fires.
    lastEventId = idBuffer;
    if (dataLines === 0) {
      // No `data` field: nothing fires; the type buffer is reset all the same.
      clearEvent();
      return;
    }
    const event: DecodedEvent =
      blockId === undefined
        ? { type: type === '' ? 'message' : type, data, lastEventId }
        : { type: type === '' ? 'message' : type, data, lastEventId, id: blockId };
    clearEvent();
    onEvent(event);
  }

  /** One complete, non-empty line `text[start, end)`: a comment or a field. */
  function line(text: string, start: number, end: number): void {
    if (text.charCodeAt(start) === COLON) {
      // A comment. Sliced only when someone listens.
      if (onComment) {
        const from = text.charCodeAt(start + 1) === SPACE ? start + 2 : start + 1;
        onComment(text.slice(from, end));
      }
      return;
    }
    // Find the colon within this line only (an unbounded indexOf could scan far past it,
    // quadratic over many colon-less lines). No colon: the whole line is the name and the
    // value is empty.
    let colon = start + 1;
    while (colon < end && text.charCodeAt(colon) !== COLON) colon++;
    // One space after the colon is dropped. The char at `end` is a terminator or nothing,
    // never a space, so peeking there is safe.
    const from = text.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
    const value = text.slice(from, end);
    // Field names are case-sensitive and compared literally: by length, then in place
    // (no slice of the name).
    switch (colon - start) {
      case 4:
        if (text.startsWith('data', start)) appendData(value);
        return;
      case 5:
        if (text.startsWith('event', start)) {
          type = value;
        } else if (text.startsWith('retry', start)) {
          // ASCII digits only; values a double cannot hold exactly are ignored rather
          // than rounded (the spec sets no maximum).
          if (onRetry && DIGITS.test(value)) {
            const ms = Number(value);
            if (Number.isSafeInteger(ms)) onRetry(ms);
          }
        }
        return;
      case 2:
        // An id containing NULL is ignored: the buffer keeps its old value.
        if (text.startsWith('id', start) && value.indexOf('\0') === -1) idBuffer = blockId = value;
        return;
      default:
      // Unknown fields are ignored, as the spec says.
    }
  }

  function appendData(value: string): void {
    const size = dataLines === 0 ? value.length : data.length + 1 + value.length;
    if (size > maxEventSize) {
      eventTooLarge(size);
      return;
    }
    data = dataLines++ === 0 ? value : data + '\n' + value;
  }

  /** Parses decoded text: complete lines now, the unterminated rest into `pieces`. */
  function parse(text: string): void {
    const length = text.length;
    if (length === 0) return;
    const gen = generation;
    let pos = 0;
    if (atStart) {
      atStart = false;
      // Exactly one BOM, only at the very start of the stream.
      if (text.charCodeAt(0) === BOM) pos = 1;
    }
    if (skipLF) {
      skipLF = false;
      if (text.charCodeAt(pos) === LF) pos++;
    }
    // Next CR and LF at or after `pos`; rescanned only once consumed, so each
    // character is scanned at most once per terminator kind.
    let cr = text.indexOf('\r', pos);
    let lf = text.indexOf('\n', pos);

    while (true) {
      if (lf !== -1 && lf < pos) lf = text.indexOf('\n', pos);
      let end: number;
      if (cr === -1) {
        // Fast path: no CR in the rest of this chunk (the usual LF-only stream).
        if (lf === -1) break;
        end = lf;
      } else {
        if (cr < pos) cr = text.indexOf('\r', pos);
        if (cr === -1 || (lf !== -1 && lf < cr)) {
          if (lf === -1) break;
          end = lf;
        } else end = cr;
      }
      if (pendingLength > 0) {
        // Finish the line that earlier chunks started (never empty: only non-empty slices
        // are kept pending, so even a terminator right here ends a line, not an event).
        const whole = takePending(text.slice(pos, end));
        if (whole.length > maxLineLength) {
          lineTooLong(whole.length);
          return;
        }
        line(whole, 0, whole.length);
        if (gen !== generation) return;
      } else if (end === pos) {
        dispatch();
        if (gen !== generation) return;
      } else if (end - pos > maxLineLength) {
        lineTooLong(end - pos);
        return;
      } else if (
        // `data:` inline: the hot line of every stream.
        text.charCodeAt(pos) === 100 &&
        text.charCodeAt(pos + 4) === COLON &&
        text.charCodeAt(pos + 1) === 97 &&
        text.charCodeAt(pos + 2) === 116 &&
        text.charCodeAt(pos + 3) === 97
      ) {
        const from = text.charCodeAt(pos + 5) === SPACE ? pos + 6 : pos + 5;
        appendData(text.slice(from, end));
        if (gen !== generation) return;
        if (end === lf && text.charCodeAt(end + 1) === LF) {
          // `data: x` then a blank line, the shape of most events: dispatch right away
          // instead of going round the loop for the empty line.
          pos = end + 2;
          dispatch();
          if (gen !== generation) return;
          continue;
        }
      } else {
        line(text, pos, end);
        if (gen !== generation) return;
      }
      pos = end + 1;
      if (end === cr) {
        // CR acts at once; an LF right after it is part of the same terminator,
        // even when it only arrives with the next chunk.
        if (pos === length) skipLF = true;
        else if (text.charCodeAt(pos) === LF) pos++;
      }
    }
    if (pos < length) keep(text, pos, length);
  }

  /** Buffers the unterminated tail `text[from, to)`, enforcing both limits on it. */
  function keep(text: string, from: number, to: number): void {
    if (from === to) return;
    pieces.push(text.slice(from, to));
    pendingLength += to - from;
    if (pieces.length === PIECES_PER_BLOCK) {
      blocks.push(pieces.join(''));
      pieces = [];
    }
    if (pendingLength > maxLineLength) {
      lineTooLong(pendingLength);
      return;
    }
    if (data.length + pendingLength > maxEventSize) eventTooLarge(data.length + pendingLength);
  }

  function refuse(): SSEError {
    if (state === ENDED) {
      return new SSEError('DECODER_ENDED', 'Decoder ended; reset() it to decode a new stream.');
    }
    return new SSEError(
      'DECODER_FAILED',
      `Decoder failed (${failure?.code}); reset() it to decode a new stream.`,
      { cause: failure },
    );
  }

  /** A handler threw: the decoder stops (the rest of that chunk cannot be parsed safely). */
  function stopOn(error: unknown): void {
    if (state !== OPEN) return;
    state = FAILED;
    generation++;
    failure =
      error instanceof SSEError
        ? error
        : new SSEError('DECODER_FAILED', 'A decoder handler threw.', { cause: error });
  }

  function feedChunk(chunk: Uint8Array | string): void {
    if (typeof chunk === 'string') {
      if (bytesPending) {
        // Text after bytes: an unfinished byte sequence can no longer complete.
        bytesPending = false;
        parse(utf8.decode());
        if (state !== OPEN) return;
      }
      parse(chunk);
    } else {
      bytesPending = true;
      parse(utf8.decode(chunk, STREAM));
    }
  }

  function endStream(dispatchIncomplete: boolean): void {
    if (bytesPending) {
      bytesPending = false;
      // A truncated sequence at the very end becomes U+FFFD.
      parse(utf8.decode());
      if (state !== OPEN) return;
    }
    if (dispatchIncomplete) {
      if (pendingLength > 0) {
        const last = takePending('');
        line(last, 0, last.length);
        if (state !== OPEN) return;
      }
      dispatch();
    } else {
      // The spec: pending data is discarded at end of stream, its id included.
      discardEvent();
    }
  }

  return {
    feed(chunk) {
      if (state !== OPEN) throw refuse();
      if (typeof chunk !== 'string' && !(chunk instanceof Uint8Array)) {
        throw new TypeError(`feed expects a Uint8Array or a string, got ${typeof chunk}.`);
      }
      try {
        feedChunk(chunk);
      } catch (error) {
        stopOn(error);
        throw error;
      }
    },
    end(endOptions) {
      // Ending twice, or after a failure, has nothing left to do.
      if (state !== OPEN) return;
      try {
        endStream(endOptions?.dispatchIncomplete === true);
      } catch (error) {
        stopOn(error);
        throw error;
      }
      if (state === OPEN) {
        state = ENDED;
        generation++;
      }
    },
    reset(resetOptions) {
      utf8 = new TextDecoder('utf-8', { ignoreBOM: true });
      bytesPending = false;
      atStart = true;
      skipLF = false;
      if (resetOptions?.lastEventId !== undefined) lastEventId = resetOptions.lastEventId;
      discardEvent();
      state = OPEN;
      failure = undefined;
      generation++;
    },
    get lastEventId() {
      return lastEventId;
    },
  };
}
