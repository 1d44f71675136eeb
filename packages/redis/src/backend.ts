import { type Message, SSEError } from '@sse/core';
import type { Backend, HubEvent, RangeResult } from '@sse/hub';
import { Redis, type RedisOptions, ReplyError } from 'ioredis';
import { parseEntry, type StreamEntry, topicOf } from './entry';
import { compareStreamIds, ORIGIN, parseStreamId } from './ids';
import { createReporter } from './report';

/** Options of {@link createRedisBackend}; every one has a default. */
export interface RedisBackendOptions {
  /** Where Redis is: a `redis://` URL or ioredis options. Default `redis://127.0.0.1:6379`. */
  connection?: string | RedisOptions;
  /** The stream key shared by every hub of one application. Default `'sse:hub'`. */
  key?: string;
  /** History cap: `XADD MAXLEN ~` this many entries (Redis may keep somewhat more). Default 10,000. */
  maxLen?: number;
  /** How long one blocking `XREAD` waits for new entries, in ms. Default 5,000. */
  blockMs?: number;
  /** Entries fetched per `XREAD` / `XRANGE` call. Default 500. */
  batch?: number;
  /**
   * How long a command waits for a connection before failing with
   * `BACKEND_UNAVAILABLE`, in ms (also the grace period at startup). Default 2,000.
   */
  unavailableAfterMs?: number;
  /**
   * How long one command may take once sent, in ms, before it fails (a Redis that
   * hangs must not hang publishes): a publish then fails with
   * `PUBLISH_OUTCOME_UNKNOWN`, because Redis may still execute it. The blocking read
   * gets `blockMs` more. Default 5,000.
   */
  commandTimeoutMs?: number;
  /** Most delay between the reader's reconnection attempts, in ms. Default 2,000. */
  maxRetryDelayMs?: number;
  /**
   * Told about failures the backend recovers from by itself, as `SSEError`s: a reader
   * outage (`BACKEND_UNAVAILABLE`, once per outage, not per retry) and each skipped
   * entry (`INVALID_ENTRY`, once per entry id). Default: one line per report on
   * `console.error`, plus one line when the reader recovers.
   */
  onError?: (error: unknown) => void;
}

/** The defaults of {@link RedisBackendOptions}, exported so documentation and tests agree. */
export const REDIS_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  key: 'sse:hub',
  maxLen: 10_000,
  blockMs: 5_000,
  batch: 500,
  unavailableAfterMs: 2_000,
  commandTimeoutMs: 5_000,
  maxRetryDelayMs: 2_000,
} as const;

/** A Redis backend: the hub {@link Backend}, plus what operators may want to look at. */
export interface RedisBackend extends Backend {
  /** The stream key. */
  readonly key: string;
  /** The id of the newest entry the reader has delivered (`0-0` before the first). */
  readonly lastDeliveredId: string;
  /** Counters since the backend was created, for dashboards and alerts. */
  stats(): RedisBackendStats;
}

/** What {@link RedisBackend.stats} counts. */
export interface RedisBackendStats {
  /** Stream entries skipped (by the reader or a replay) because they cannot be sent; each reported once. */
  skipped: number;
  /** Times the reader found entries trimmed before it could read them (`EVENTS_LOST`, each reported). */
  gaps: number;
}

/**
 * Connection options that make failures definite: a command is never queued while
 * Redis is away and never resent after a reconnect, so a publish that was reported
 * as failed cannot appear later.
 */
/** An error reply from Redis: the command was received and refused, so it had no effect. */
const isReplyError = (error: unknown): error is Error => error instanceof ReplyError;

/** ioredis's refusal to write a command without a writable socket: it was definitely not sent. */
const NOT_SENT = /isn't writeable/;

const STRICT = {
  enableOfflineQueue: false,
  autoResendUnfulfilledCommands: false,
  maxRetriesPerRequest: 0,
  lazyConnect: false,
} satisfies RedisOptions;

/**
 * A hub backend on one Redis stream: `XADD` ids are the event ids (ordered across
 * every topic, so one cursor resumes a whole connection), `XADD MAXLEN ~` bounds the
 * history, one blocking `XREAD` loop per process fans events out, and `XRANGE`
 * replays from a cursor.
 */
export function createRedisBackend(options: RedisBackendOptions = {}): RedisBackend {
  const o = { ...REDIS_DEFAULTS, ...options };
  const report = createReporter(options.onError);
  for (const name of [
    'maxLen',
    'blockMs',
    'batch',
    'unavailableAfterMs',
    'commandTimeoutMs',
    'maxRetryDelayMs',
  ] as const) {
    if (!(Number.isSafeInteger(o[name]) && o[name] > 0)) {
      throw new RangeError(`${name} must be a positive integer, got ${o[name]}`);
    }
  }
  const base: RedisOptions = typeof o.connection === 'string' ? {} : o.connection;
  // Named so that operators (and tests) can tell the two apart in CLIENT LIST.
  const name = base.connectionName ?? 'sse-redis';
  const strict: RedisOptions = {
    ...base,
    ...STRICT,
    commandTimeout: o.commandTimeoutMs,
    connectionName: `${name}:writer`,
  };
  const writer =
    typeof o.connection === 'string' ? new Redis(o.connection, strict) : new Redis(strict);
  const reader = writer.duplicate({
    commandTimeout: o.blockMs + o.commandTimeoutMs,
    connectionName: `${name}:reader`,
  });
  // ioredis emits 'error' on every failed reconnect; the commands report what matters.
  // The reader's latest one names the cause of an outage (ECONNREFUSED, say).
  let readerCause = '';
  writer.on('error', () => {});
  reader.on('error', (error: NodeJS.ErrnoException) => {
    readerCause = error.code ?? error.message;
  });
  const listeners = new Set<(event: HubEvent) => void>();
  const stopping = new AbortController();
  let closed = false;
  let lastId: string | undefined;
  let gaps = 0;
  let markReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    markReady = resolve;
  });

  // One pending 'ready' wait per connection, however many commands wait on it.
  const readyWaits = new Map<Redis, Promise<void>>();
  function nextReady(client: Redis): Promise<void> {
    let wait = readyWaits.get(client);
    if (wait === undefined) {
      wait = new Promise<void>((resolve) =>
        client.once('ready', () => {
          readyWaits.delete(client);
          resolve();
        }),
      );
      readyWaits.set(client, wait);
    }
    return wait;
  }

  /** Waits (bounded) until `client` is connected, or fails with BACKEND_UNAVAILABLE. */
  async function connected(client: Redis, what: string, until?: Promise<void>): Promise<void> {
    if (closed) throw new SSEError('BACKEND_UNAVAILABLE', 'The Redis backend is closed.');
    if (client.status === 'ready' && until === undefined) return;
    const waiting = until ?? nextReady(client);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), o.unavailableAfterMs);
    });
    const outcome = await Promise.race([waiting, timeout]);
    clearTimeout(timer);
    if (outcome === 'timeout' || closed) {
      throw new SSEError(
        'BACKEND_UNAVAILABLE',
        `Redis is unavailable (${client.status}): could not ${what} within ${o.unavailableAfterMs} ms. Retry later; nothing was stored.`,
      );
    }
  }

  /**
   * Runs one command on the writer. A failure before the command reached the socket
   * (no connection) is `BACKEND_UNAVAILABLE`, as is an error reply (Redis refused it).
   * For a command with effects (`sideEffects`), a failure after it was written (a
   * timeout, a dropped connection) is `PUBLISH_OUTCOME_UNKNOWN`: Redis may have run
   * it or may still run it, and nothing can tell which.
   */
  async function command<T>(what: string, run: () => Promise<T>, sideEffects = false): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      // A second attempt waits for the next connection, as if it had been down.
      await connected(writer, what, attempt === 0 ? undefined : nextReady(writer));
      // ioredis writes a command synchronously when (and only when) the connection is
      // ready; otherwise it rejects it unsent (offline queue off) or as closed.
      const sent = writer.status === 'ready';
      try {
        return await run();
      } catch (error) {
        if (error instanceof SSEError) throw error;
        const message = (error as Error).message;
        // The socket closed under a 'ready' status (the close not yet handled): nothing
        // was sent, so wait for the reconnect instead of failing at once (and instead of
        // letting a caller's retry loop spin without giving ioredis a turn).
        if (NOT_SENT.test(message) && attempt === 0) continue;
        if (!(sideEffects && sent) || isReplyError(error) || NOT_SENT.test(message)) {
          throw new SSEError(
            'BACKEND_UNAVAILABLE',
            `Redis failed to ${what}: ${message}.${sideEffects ? ' Nothing was stored; retry later.' : ''}`,
            { cause: error },
          );
        }
        throw new SSEError(
          'PUBLISH_OUTCOME_UNKNOWN',
          `Redis failed to ${what} after the command was sent (${message}): it may or may not be stored, and may still appear. Retry only if a duplicate is acceptable.`,
          { cause: error },
        );
      }
    }
  }

  /** Turns a stream entry into an event, or counts and reports it (once) and returns undefined. */
  function toEvent(entry: StreamEntry): HubEvent | undefined {
    const event = parseEntry(entry, o.key);
    if (!(event instanceof SSEError)) return event;
    report.skippedEntry(entry[0], event);
    return undefined;
  }

  async function newestId(client: Redis): Promise<string> {
    const newest = (await client.xrevrange(o.key, '+', '-', 'COUNT', 1)) as StreamEntry[];
    return newest[0]?.[0] ?? ORIGIN;
  }

  /** Resolves after `ms`, or at once when the backend closes. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        stopping.signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      stopping.signal.addEventListener('abort', wake);
    });

  /** The fan-out: one blocking read at a time, resuming from the last delivered id after any failure. */
  async function readLoop(): Promise<void> {
    let delay = 50;
    // The outage in progress: reported once when it starts (or changes kind), not per retry.
    let outage: { kind: string; since: number; retries: number } | undefined;
    while (!closed) {
      try {
        if (reader.status !== 'ready') await connected(reader, 'read');
        if (lastId === undefined) {
          // Start at the head: earlier events are the business of `range`.
          lastId = await newestId(reader);
          markReady();
        }
        const entries = await readChecked(lastId);
        delay = 50;
        if (outage !== undefined) {
          const seconds = ((Date.now() - outage.since) / 1000).toFixed(1);
          report.recovered(
            `reader: recovered after ${outage.retries} retries in ${seconds} s, resuming after ${lastId}`,
          );
          outage = undefined;
          readerCause = '';
        }
        for (const entry of entries) {
          lastId = entry[0];
          const event = toEvent(entry);
          if (event !== undefined) for (const listener of listeners) listener(event);
        }
      } catch (error) {
        if (closed) return;
        // A reply error is Redis refusing the read (wrong type, say); anything else is the connection.
        const refused = isReplyError(error);
        const kind = refused ? error.message : 'connection';
        if (outage !== undefined && outage.kind === kind) outage.retries++;
        else {
          outage = { kind, since: Date.now(), retries: 0 };
          const timedOut = (error as Error).message === 'Command timed out';
          const why = refused
            ? `Redis refused to read (${error.message})`
            : timedOut
              ? `no reply within ${o.blockMs + o.commandTimeoutMs} ms`
              : `connection lost (${readerCause || 'closed'})`;
          report.error(
            new SSEError(
              'BACKEND_UNAVAILABLE',
              `reader: ${why}, retrying with backoff up to ${o.maxRetryDelayMs} ms; not reported again until it recovers`,
              { cause: error },
            ),
          );
        }
        await pause(delay);
        delay = Math.min(delay * 2, o.maxRetryDelayMs);
      }
    }
  }
  void readLoop();

  /**
   * The entries after `from` (waiting up to `blockMs` for some), read right after a
   * check that `from` is still stored, in one pipeline (one round trip). While it is,
   * nothing after it can have been trimmed (Redis trims the oldest first); when it is
   * not, entries after it may have gone with it: a reader that fell further behind
   * than the history lost events, and says so (`EVENTS_LOST`, counted in `gaps`).
   */
  async function readChecked(from: string): Promise<StreamEntry[]> {
    const replies = (await reader
      .pipeline()
      .xrange(o.key, from, from)
      .xread('COUNT', o.batch, 'BLOCK', o.blockMs, 'STREAMS', o.key, from)
      .exec()) as [Error | null, unknown][] | null;
    const [kept, read] = replies ?? [];
    if (kept?.[0] || read?.[0]) throw kept?.[0] ?? read?.[0];
    const entries = (read?.[1] as [string, StreamEntry[]][] | null)?.[0]?.[1] ?? [];
    if (entries.length === 0) return entries;
    const stillStored =
      from === ORIGIN
        ? await nothingTrimmed(reader)
        : ((kept?.[1] as unknown[] | undefined) ?? []).length === 1;
    if (!stillStored) {
      gaps++;
      report.error(
        new SSEError(
          'EVENTS_LOST',
          `reader: fell behind by more than the history (maxLen ${o.maxLen}): entries after ${from} were trimmed before it read them, so live subscribers of this process missed them. Raise maxLen, or find why the reader lags.`,
        ),
      );
    }
    return entries;
  }

  /** True when the stream never lost an entry to trimming (so `0-0` still resumes losslessly). */
  async function nothingTrimmed(client: Redis = writer): Promise<boolean> {
    const info = (await client.call('XINFO', 'STREAM', o.key).catch((error: Error) => {
      if (/no such key/i.test(error.message)) return null;
      throw error;
    })) as (string | number)[] | null;
    if (info === null) return true;
    // Trimming does not move max-deleted-entry-id; the count of entries ever added does tell.
    const field = (name: string) => Number(info[info.indexOf(name) + 1]);
    return field('entries-added') === field('length');
  }

  return {
    key: o.key,
    get lastDeliveredId() {
      return lastId ?? ORIGIN;
    },

    stats(): RedisBackendStats {
      return { skipped: report.skipped, gaps };
    },

    append(topic: string, message: Omit<Message, 'id'>): Promise<string> {
      return command(
        'publish',
        async () => {
          const id = await writer.xadd(
            o.key,
            'MAXLEN',
            '~',
            o.maxLen,
            '*',
            't',
            topic,
            'm',
            JSON.stringify(message),
          );
          return id as string;
        },
        true,
      );
    },

    async range(cursor: string, topics: ReadonlySet<string>): Promise<RangeResult> {
      if (parseStreamId(cursor) === undefined) return { reset: true, reason: 'stale' };
      return command('read history', async () => {
        const events: HubEvent[] = [];
        let from = cursor;
        for (;;) {
          const page = (await writer.xrange(
            o.key,
            `(${from}`,
            '+',
            'COUNT',
            o.batch,
          )) as StreamEntry[];
          for (const entry of page) {
            // Entries of other topics are skipped before their message is parsed; an entry
            // without a topic is not ours and goes to toEvent, which skips and reports it.
            const topic = topicOf(entry[1]);
            if (topic !== undefined && !topics.has(topic)) continue;
            const event = toEvent(entry);
            if (event !== undefined) events.push(event);
          }
          const last = page[page.length - 1];
          if (last === undefined || page.length < o.batch) break;
          from = last[0];
        }
        // Checked after reading: trimming removes the oldest entries first, so while the
        // cursor's own entry is still there, nothing after it can have been trimmed.
        const covered =
          cursor === ORIGIN
            ? await nothingTrimmed()
            : ((await writer.xrange(o.key, cursor, cursor)) as StreamEntry[]).length === 1;
        if (covered) return { reset: false, events };
        // Unknown cursor: older than the trimmed history, or from a Redis that lost its data.
        const newest = await newestId(writer);
        return { reset: true, reason: compareStreamIds(cursor, newest) > 0 ? 'stale' : 'expired' };
      });
    },

    async ready(): Promise<void> {
      // Only the first position needs Redis: later, subscribers without a cursor can
      // start during an outage and receive what follows once the reader is back.
      if (lastId === undefined) await connected(reader, 'start reading', ready);
    },

    position(): string | undefined {
      return lastId;
    },

    listen(listener: (event: HubEvent) => void): () => void {
      const own = (event: HubEvent) => listener(event);
      listeners.add(own);
      return () => listeners.delete(own);
    },

    compare: compareStreamIds,

    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      stopping.abort();
      listeners.clear();
      reader.disconnect();
      writer.disconnect();
    },
  };
}
