import type { Session } from '@sse/server';

/** Which server adapter carries a connection: shown on the page, counted in metrics. */
export type AdapterName = 'hono' | 'node';

/** Live connections by count, for the dashboard. */
export interface ConnectionCounts {
  total: number;
  hono: number;
  node: number;
}

interface Entry {
  session: Session;
  client: string;
  adapter: AdapterName;
}

/**
 * Every live SSE connection of this process, by the page's client id, so that the
 * "drop my connection" and "drop all" buttons can close real sessions (the browser
 * then reconnects by itself with Last-Event-ID), and so that a client's reconnect can
 * be held back while the server publishes a burst "while it is away".
 */
export class Connections {
  readonly #entries = new Set<Entry>();
  readonly #holds = new Map<string, Promise<void>>();

  /** Tracks a session until it ends. */
  add(session: Session, client: string, adapter: AdapterName): void {
    const entry = { session, client, adapter };
    this.#entries.add(entry);
    session.signal.addEventListener('abort', () => this.#entries.delete(entry), { once: true });
  }

  /** Counts live sessions, in total and per adapter. */
  counts(): ConnectionCounts {
    const counts = { total: 0, hono: 0, node: 0 };
    for (const entry of this.#entries) {
      counts.total++;
      counts[entry.adapter]++;
    }
    return counts;
  }

  /** Closes every session of one client (all of them when `client` is omitted); returns how many. */
  drop(client?: string): number {
    let dropped = 0;
    for (const entry of [...this.#entries]) {
      if (client !== undefined && entry.client !== client) continue;
      entry.session.close();
      dropped++;
    }
    return dropped;
  }

  /**
   * Drops a client and keeps its reconnect waiting until `whileAway` has finished, so
   * what `whileAway` publishes is, deterministically, published while it is away.
   */
  async dropAndHold(client: string, whileAway: () => Promise<void>): Promise<number> {
    let release = () => {};
    const hold = new Promise<void>((resolve) => (release = resolve));
    this.#holds.set(client, hold);
    try {
      const dropped = this.drop(client);
      await whileAway();
      return dropped;
    } finally {
      this.#holds.delete(client);
      release();
    }
  }

  /** Resolves when the client may (re)subscribe: at once unless a hold is in place. */
  ready(client: string): Promise<void> {
    return this.#holds.get(client) ?? Promise.resolve();
  }
}
