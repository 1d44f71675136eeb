import type { Subscriber } from './types';

/** One event as a client would see it, parsed from a frame the hub wrote. */
export interface Seen {
  id?: string;
  event?: string;
  data?: string;
}

/**
 * A test double of the Session contract: records every frame it is handed. Used
 * only for the pure ordering and replay tests; the end-to-end suites use real sockets.
 */
export class RecordingSession implements Subscriber {
  readonly frames: Uint8Array[] = [];
  private readonly controller = new AbortController();
  constructor(readonly lastEventId = '') {}
  get signal(): AbortSignal {
    return this.controller.signal;
  }
  get isOpen(): boolean {
    return !this.controller.signal.aborted;
  }
  sendEncoded(frame: Uint8Array): boolean {
    if (!this.isOpen) return false;
    this.frames.push(frame);
    return true;
  }
  close(): void {
    this.controller.abort();
  }
  /** The frames as events (the hub writes one event per frame), without id-only frames. */
  get seen(): Seen[] {
    return this.frames.map(parseFrame).filter((e) => e.data !== undefined || e.event !== undefined);
  }
  /** The id of the frame at `index`, if it has one. */
  cursorAt(index: number): string | undefined {
    const frame = this.frames[index];
    return frame && parseFrame(frame).id;
  }
  /** The last id the client would send back as Last-Event-ID. */
  get cursor(): string {
    let id = this.lastEventId;
    for (const frame of this.frames) {
      const e = parseFrame(frame);
      if (e.id !== undefined) id = e.id;
    }
    return id;
  }
}

/** Parses one single-event frame (LF line endings, as @sse/core writes them). */
export function parseFrame(frame: Uint8Array): Seen {
  const out: Seen = {};
  const data: string[] = [];
  for (const line of new TextDecoder().decode(frame).split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const field = line.slice(0, colon);
    const value = line.slice(colon + 2);
    if (field === 'data') data.push(value);
    else if (field === 'id' || field === 'event') out[field] = value;
  }
  if (data.length > 0) out.data = data.join('\n');
  return out;
}

/** Splits complete frames off `text` (what a client has read so far); returns them and the rest. */
export function parseFrames(text: string): { frames: Seen[]; rest: string } {
  const blocks = text.split('\n\n');
  const rest = blocks.pop() as string;
  const encoder = new TextEncoder();
  return { frames: blocks.map((block) => parseFrame(encoder.encode(block))), rest };
}
