import type { Message } from '@sse/core';
import { History, type HistoryLimits } from './history';
import type { Backend, HubEvent, RangeResult } from './types';
import { utf8Length } from './utf8';

/** Options of the in-memory backend. */
export interface MemoryBackendOptions {
  /** History bounds for replay; see {@link HistoryLimits} for the defaults. */
  history?: HistoryLimits;
  /** The clock used for `maxAgeMs`; injectable so tests need not sleep. Default `Date.now`. */
  now?: () => number;
  /** The id epoch; default 8 random hex digits, new for every backend (so every process restart). */
  epoch?: string;
}

/** A fresh epoch: 8 hex digits from the platform's CSPRNG, available in every runtime. */
function randomEpoch(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(4));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

const SEQ = /^\d{1,15}$/;

/**
 * Bytes a message field counts for `maxBytes`. The hub validates what it publishes, but
 * a backend takes anything: a field that is not a string (skipped later as poison by
 * the hub) is counted as its string form, so the byte total stays a number.
 */
const fieldBytes = (value: unknown): number =>
  value === undefined || value === null ? 0 : utf8Length(String(value));

/**
 * The default backend: one process, no dependencies. Ids are `<epoch>-<seq>` (the
 * origin, before the first event, is `<epoch>-0`): the
 * sequence is global across topics (one cursor resumes them all) and consecutive
 * (the resume point is found in O(1)); the epoch changes with every backend, so a
 * cursor from before a restart is recognised as stale.
 */
export function createMemoryBackend(options: MemoryBackendOptions = {}): Backend {
  const epoch = options.epoch ?? randomEpoch();
  if (!/^[0-9A-Za-z]+$/.test(epoch)) throw new RangeError('epoch must be letters and digits only');
  const now = options.now ?? Date.now;
  const history = new History(options.history);
  const listeners = new Set<(event: HubEvent) => void>();
  const idOf = (seq: number) => `${epoch}-${seq}`;

  /** The sequence of an id of this epoch, or -1 for anything else (foreign, malformed). */
  function seqOf(id: string): number {
    const dash = id.lastIndexOf('-');
    if (dash < 0 || id.slice(0, dash) !== epoch) return -1;
    const digits = id.slice(dash + 1);
    return SEQ.test(digits) ? Number(digits) : -1;
  }

  return {
    append(topic: string, message: Omit<Message, 'id'>): Promise<string> {
      const id = idOf(history.lastSeq + 1);
      const event: HubEvent = { id, topic, message };
      const bytes =
        utf8Length(topic) +
        fieldBytes(message?.data) +
        fieldBytes(message?.event) +
        fieldBytes(message?.comment);
      history.push(event, bytes, now());
      for (const listener of listeners) listener(event);
      return Promise.resolve(id);
    },

    range(cursor: string, topics: ReadonlySet<string>): Promise<RangeResult> {
      history.trim(now());
      const seq = seqOf(cursor);
      if (seq < 0 || seq > history.lastSeq)
        return Promise.resolve({ reset: true, reason: 'stale' });
      // `first - 1` is still lossless: the client saw it, and everything after it is kept.
      if (seq < history.firstSeq - 1) {
        return Promise.resolve({ reset: true, reason: 'expired' });
      }
      const events = history.after(seq, (e) => topics.has(e.topic));
      return Promise.resolve({ reset: false, events });
    },

    ready(): Promise<void> {
      return Promise.resolve();
    },

    position(): string {
      return idOf(history.lastSeq);
    },

    listen(listener: (event: HubEvent) => void): () => void {
      // Wrap, so the same function can listen twice and stop independently.
      const own = (event: HubEvent) => listener(event);
      listeners.add(own);
      return () => listeners.delete(own);
    },

    compare(a: string, b: string): number {
      return seqOf(a) - seqOf(b);
    },

    close(): Promise<void> {
      listeners.clear();
      return Promise.resolve();
    },
  };
}
