// The page's gap/duplicate proof against an oracle computed from sets (what was shown,
// what the stream brought), on generated streams: rooms interleaved, a snapshot whose
// tail the stream repeats, and injected faults (a message lost, a message sent twice).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ChatProof, type Numbered } from './proof';

interface Room {
  name: string;
  snapshot: number[];
  stream: number[];
}

/** One room: `total` messages, a snapshot of the last few of the first `atSnapshot`, a stream from a cursor at or before them. */
const room = (name: string) =>
  fc
    .record({
      total: fc.integer({ min: 1, max: 40 }),
      atSnapshot: fc.nat(40),
      window: fc.nat(20),
      back: fc.nat(20),
    })
    .map(({ total, atSnapshot, window, back }): Room => {
      const existing = Math.min(atSnapshot, total);
      const size = Math.min(window, existing);
      const snapshot = Array.from({ length: size }, (_, i) => existing - size + 1 + i);
      // The cursor lies within the snapshot's tail (or at its end): those are repeated.
      const cursor = existing - Math.min(back, size);
      const stream = Array.from({ length: total - cursor }, (_, i) => cursor + 1 + i);
      return { name, snapshot, stream };
    });

/** A message lost, sent twice in a row, or sent once more later (as a late live copy of a replayed event would be). */
type Fault = { kind: 'lose' | 'twice' | 'again'; at: number; later: number };

/** What the proof must say, from sets: gaps inside what was shown, and repeats within the stream. */
function oracle(rooms: Room[], faulty: Map<string, number[]>) {
  const counts = { received: 0, gaps: 0, duplicates: 0 };
  for (const r of rooms) {
    const stream = faulty.get(r.name) ?? [];
    const shown = new Set([...r.snapshot, ...stream]);
    if (shown.size > 0) counts.gaps += Math.max(...shown) - Math.min(...shown) + 1 - shown.size;
    counts.duplicates += stream.length - new Set(stream).size;
    counts.received += [...new Set(stream)].filter((s) => !r.snapshot.includes(s)).length;
  }
  return counts;
}

describe('ChatProof', () => {
  it('counts exactly the gaps and duplicates injected, and shows every message once', () => {
    fc.assert(
      fc.property(
        fc.tuple(room('lobby'), room('dev'), room('random')),
        fc.array(fc.nat(2), { maxLength: 200 }),
        fc.array(
          fc.record({
            kind: fc.constantFrom('lose', 'twice', 'again'),
            at: fc.nat(),
            later: fc.nat(),
          }),
          {
            maxLength: 4,
          },
        ) as fc.Arbitrary<Fault[]>,
        (rooms, picks, faults) => {
          // Interleave the rooms' streams, each in its own order.
          const queues = rooms.map((r) => r.stream.map((seq): Numbered => ({ room: r.name, seq })));
          let merged: Numbered[] = [];
          let p = 0;
          while (queues.some((q) => q.length > 0)) {
            const open = queues.filter((q) => q.length > 0);
            const next = open[(picks[p++] ?? 0) % open.length]?.shift();
            if (next) merged.push(next);
          }
          // Losses first: losing the original of a later copy would be a reorder, not a duplicate.
          const ordered = [...faults].sort(
            (x, y) => Number(x.kind !== 'lose') - Number(y.kind !== 'lose'),
          );
          for (const fault of ordered) {
            if (merged.length === 0) break;
            const at = fault.at % merged.length;
            const message = merged[at] as Numbered;
            // 'twice' puts the copy right after the message, 'again' anywhere after it.
            const copyAt =
              fault.kind === 'twice' ? at + 1 : at + 1 + (fault.later % (merged.length - at));
            merged =
              fault.kind === 'lose'
                ? merged.filter((_, i) => i !== at)
                : [...merged.slice(0, copyAt), message, ...merged.slice(copyAt)];
          }
          const proof = new ChatProof();
          proof.snapshot(rooms.flatMap((r) => r.snapshot.map((seq) => ({ room: r.name, seq }))));
          const shownNew: string[] = [];
          for (const message of merged) {
            if (proof.live(message) === 'new') shownNew.push(`${message.room}/${message.seq}`);
          }
          const faulty = new Map(
            rooms.map((r) => [r.name, merged.filter((m) => m.room === r.name).map((m) => m.seq)]),
          );
          expect(proof.counts).toEqual(oracle(rooms, faulty));
          // Shown once: nothing the snapshot showed, nothing twice.
          expect(new Set(shownNew).size).toBe(shownNew.length);
          const snapshotKeys = new Set(
            rooms.flatMap((r) => r.snapshot.map((s) => `${r.name}/${s}`)),
          );
          expect(shownNew.filter((k) => snapshotKeys.has(k))).toEqual([]);
          if (faults.length === 0)
            expect([proof.counts.gaps, proof.counts.duplicates]).toEqual([0, 0]);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('starts afresh after a reset: the next message of a room is new whatever its seq', () => {
    const proof = new ChatProof();
    proof.snapshot([{ room: 'lobby', seq: 10 }]);
    expect(proof.live({ room: 'lobby', seq: 10 })).toBe('repeat');
    expect(proof.live({ room: 'lobby', seq: 10 })).toBe('duplicate');
    proof.reset();
    expect(proof.live({ room: 'lobby', seq: 90 })).toBe('new');
    expect(proof.counts).toEqual({ received: 1, gaps: 0, duplicates: 1 });
  });
});
