/** What the proof needs of a chat message: its room and its position there. */
export interface Numbered {
  room: string;
  seq: number;
}

/** How one message from the stream counts: new, an expected repeat of the snapshot, or a duplicate. */
export type Verdict = 'new' | 'repeat' | 'duplicate';

interface RoomState {
  /** Highest seq accounted for (shown by a snapshot or received new). */
  last: number;
  /** Snapshot seqs the stream may still bring once more, ascending. */
  repeatable: number[];
}

/**
 * The page's proof that the stream loses nothing and repeats nothing, from the per-room
 * sequence numbers alone. A snapshot (the `recent` event of a new connection) sets each
 * room's baseline; the stream may then repeat the snapshot's tail once, in order (those
 * messages were published after the stream's cursor), before its first new message.
 * Anything at or below the baseline after that is a duplicate; a jump past the next
 * seq is a gap of that many messages. A message lost at the very end cannot be seen
 * until the next one arrives.
 */
export class ChatProof {
  /** Running totals the page shows. */
  readonly counts = { received: 0, gaps: 0, duplicates: 0 };
  readonly #rooms = new Map<string, RoomState>();

  /** A snapshot of messages already shown: raises each room's baseline. */
  snapshot(messages: readonly Numbered[]): void {
    for (const { room, seq } of [...messages].sort((x, y) => x.seq - y.seq)) {
      const state = this.#room(room);
      if (state !== undefined && seq <= state.last) continue;
      if (state === undefined) this.#rooms.set(room, { last: seq, repeatable: [seq] });
      else {
        state.last = seq;
        state.repeatable.push(seq);
      }
    }
  }

  /** Counts one message from the stream and says whether to show it. */
  live({ room, seq }: Numbered): Verdict {
    const state = this.#room(room);
    if (state === undefined) {
      this.#rooms.set(room, { last: seq, repeatable: [] });
      this.counts.received++;
      return 'new';
    }
    const at = state.repeatable.indexOf(seq);
    if (at >= 0) {
      // Repeats come in order: the ones before this one can no longer come.
      state.repeatable.splice(0, at + 1);
      return 'repeat';
    }
    if (seq <= state.last) {
      this.counts.duplicates++;
      return 'duplicate';
    }
    this.counts.gaps += seq - state.last - 1;
    state.last = seq;
    state.repeatable = [];
    this.counts.received++;
    return 'new';
  }

  /** After a `reset` the baselines are gone: the next message of each room starts afresh. */
  reset(): void {
    this.#rooms.clear();
  }

  #room(room: string): RoomState | undefined {
    return this.#rooms.get(room);
  }
}
