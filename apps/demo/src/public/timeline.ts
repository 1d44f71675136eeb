/** Gaps listed under the strip (and kept in memory). */
const MAX_GAPS = 6;

/** How one gap in the connection ended: resumed from the hub's history, or reset past it. */
export type GapOutcome = 'away' | 'resumed' | 'reset' | 'fresh';

interface Span {
  kind: 'connected' | 'gap' | 'reset';
  start: number;
  end: number | undefined;
}

interface Gap {
  start: number;
  end: number | undefined;
  outcome: GapOutcome;
  resumedFrom: string;
  caughtUp: number;
  item: HTMLLIElement;
  /** Its stretch of the strip, drawn red once the gap ends in a reset. */
  span: Span;
}

/**
 * The connection's life as a strip from the page's first connect, or over the last
 * `windowMs` once it is older (connected in green, away in grey, reset in red) and a list of its last gaps: how long each lasted, the id it
 * resumed from, and how many missed messages the replay brought. It only shows what
 * the page saw; it counts nothing the stream does not prove.
 */
export class Timeline {
  readonly #track: HTMLElement;
  readonly #list: HTMLOListElement;
  readonly #windowMs: number;
  readonly #spans: Span[] = [];
  readonly #gaps: Gap[] = [];
  /** When the page first connected: the strip's left end until it is `windowMs` wide. */
  #origin: number | undefined;

  constructor(track: HTMLElement, list: HTMLOListElement, windowMs = 120_000) {
    this.#track = track;
    this.#list = list;
    this.#windowMs = windowMs;
    setInterval(() => this.#draw(), 1000);
  }

  /** The stream opened: ends the current gap, if any. */
  opened(now = performance.now()): void {
    this.#origin ??= now;
    this.#close(now);
    this.#spans.push({ kind: 'connected', start: now, end: undefined });
    const gap = this.#gaps.at(-1);
    if (gap && gap.end === undefined) {
      gap.end = now;
      this.#show(gap);
    }
    this.#draw();
  }

  /** The stream was lost (dropped, server gone): a gap starts. */
  lost(now = performance.now()): void {
    const current = this.#spans.at(-1);
    if (current !== undefined && current.kind !== 'connected' && current.end === undefined) return;
    this.#close(now);
    const span: Span = { kind: 'gap', start: now, end: undefined };
    this.#spans.push(span);
    const item = document.createElement('li');
    const gap: Gap = {
      start: now,
      end: undefined,
      outcome: 'away',
      resumedFrom: '',
      caughtUp: 0,
      item,
      span,
    };
    this.#gaps.push(gap);
    this.#list.prepend(item);
    // The last few gaps are listed; older ones are dropped from the list and from memory.
    while (this.#gaps.length > MAX_GAPS) this.#gaps.shift()?.item.remove();
    this.#show(gap);
    this.#draw();
  }

  /** The server's hello after a gap: which id the new stream resumed from ('' for none). */
  resumed(from: string): void {
    const gap = this.#lastClosedGap();
    if (!gap) return;
    gap.resumedFrom = from;
    gap.outcome = from ? 'resumed' : 'fresh';
    this.#show(gap);
  }

  /** A message published during the last gap arrived after it (replayed). */
  caughtUp(count: number): void {
    const gap = this.#lastClosedGap();
    if (!gap) return;
    gap.caughtUp = count;
    this.#show(gap);
  }

  /** The hub could not replay the last gap (its cursor was older than the history). */
  reset(): void {
    const gap = this.#lastClosedGap();
    if (!gap) return;
    gap.outcome = 'reset';
    gap.span.kind = 'reset';
    this.#show(gap);
    this.#draw();
  }

  #lastClosedGap(): Gap | undefined {
    const gap = this.#gaps.at(-1);
    return gap?.end !== undefined ? gap : undefined;
  }

  #close(now: number): void {
    const current = this.#spans.at(-1);
    if (current && current.end === undefined) current.end = now;
    // Spans older than the window are not drawn again.
    while (this.#spans.length > 0 && (this.#spans[0]?.end ?? now) < now - this.#windowMs)
      this.#spans.shift();
  }

  #show(gap: Gap): void {
    const item = gap.item;
    item.dataset.outcome = gap.end === undefined ? 'away' : gap.outcome;
    const took =
      gap.end === undefined ? 'away…' : `away ${((gap.end - gap.start) / 1000).toFixed(2)} s`;
    const how =
      gap.end === undefined
        ? 'reconnecting'
        : gap.outcome === 'reset'
          ? 'reset: older than the history, rooms reloaded'
          : gap.outcome === 'fresh'
            ? 'new stream, no cursor'
            : `resumed after ${gap.resumedFrom}, ${gap.caughtUp} missed message${gap.caughtUp === 1 ? '' : 's'} replayed`;
    item.textContent = `${took} · ${how}`;
  }

  #draw(): void {
    const now = performance.now();
    // From the first connect until the strip is full, then a sliding window.
    const width = Math.max(1000, Math.min(this.#windowMs, now - (this.#origin ?? now)));
    const from = now - width;
    const parts: HTMLElement[] = [];
    for (const span of this.#spans) {
      const start = Math.max(from, span.start);
      const end = span.end ?? now;
      if (end <= from) continue;
      const div = document.createElement('div');
      div.className = span.kind;
      div.style.left = `${((start - from) / width) * 100}%`;
      // A gap of a few ms would be invisible: at least a sliver.
      div.style.width = `max(3px, ${((end - start) / width) * 100}%)`;
      parts.push(div);
    }
    this.#track.replaceChildren(...parts);
  }
}
