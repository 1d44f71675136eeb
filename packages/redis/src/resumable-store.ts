import { SSEError } from '@sse/core';
import {
  finishedError,
  type ReadResult,
  type ResumableStore,
  type StreamEntry,
  type StreamMessage,
  type StreamState,
} from '@sse/resumable';
import { Redis, type RedisOptions } from 'ioredis';

/** Options of {@link createRedisResumableStore}; every one has a default. */
export interface RedisResumableStoreOptions {
  /** Where Redis is: a `redis://` URL or ioredis options. Default `redis://127.0.0.1:6379`. */
  connection?: string | RedisOptions;
  /** Prefix of every key and channel. Default `'sse:rs:'`. */
  prefix?: string;
  /**
   * How long a finished stream stays replayable, in ms. A running stream's keys live
   * `ttlMs + leaseMs` after the producer's last append or renewal. Default 300,000.
   */
  ttlMs?: number;
  /**
   * A producer renews its lease every third of this; a stream whose lease lapsed is
   * ended as `failed` by the next read, and idle followers read again after this long,
   * so followers of a dead producer see `failed` at most 2 × `leaseMs` after its last
   * renewal. Default 5,000.
   */
  leaseMs?: number;
  /** How long one command may take, in ms, before it fails with `BACKEND_UNAVAILABLE`. Default 5,000. */
  commandTimeoutMs?: number;
}

/** The defaults of {@link RedisResumableStoreOptions}, exported so documentation and tests agree. */
export const REDIS_RESUMABLE_DEFAULTS = {
  connection: 'redis://127.0.0.1:6379',
  prefix: 'sse:rs:',
  ttlMs: 300_000,
  leaseMs: 5_000,
  commandTimeoutMs: 5_000,
} as const;

/** A Redis resumable store: the {@link ResumableStore}, plus the keys of a stream for operators. */
export interface RedisResumableStore extends ResumableStore {
  /** The three keys of stream `id` (all with a TTL): its state hash, its entries (a Redis Stream) and its lease. */
  keysOf(id: string): readonly [meta: string, log: string, lease: string];
}

// Every script works on one stream's keys (one hash slot: the id is the hash tag), atomically,
// so the end entry is written once whoever asks first, and an append after it is refused.
// KEYS: meta, log, lease. The channel is the meta key's name.

/** ARGV: leaseMs, ttlMs. 1 created, 0 the id is taken. */
const CREATE = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], 'state', 'running', 'n', 0)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('SET', KEYS[3], 1, 'PX', ARGV[1])
return 1`;

/**
 * ARGV: leaseMs, ttlMs, first seq, count, the batch (a JSON array of messages). The whole
 * batch is one log entry (id `0-<last seq>`, fields `b` first seq, `m` the batch), so an
 * answer costs one entry per batch, not per token. Publishes {"f":first,"m":[...]}.
 */
const APPEND = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return redis.error_reply('FINISHED') end
local n = tonumber(redis.call('HGET', KEYS[1], 'n'))
local first = tonumber(ARGV[3])
if n + 1 ~= first then return redis.error_reply('ORDER ' .. n) end
local last = first + tonumber(ARGV[4]) - 1
redis.call('XADD', KEYS[2], '0-' .. last, 'b', first, 'm', ARGV[5])
redis.call('HSET', KEYS[1], 'n', last)
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
redis.call('SET', KEYS[3], 1, 'PX', ARGV[1])
redis.call('PUBLISH', KEYS[1], '{"f":' .. first .. ',"m":' .. ARGV[5] .. '}')
return 1`;

/** Writes the end entry of a running stream; shared by FINISH and READ (a lapsed lease). */
const END = `
local function finish(state, reason, ttl)
  local n = tonumber(redis.call('HGET', KEYS[1], 'n')) + 1
  if reason == '' then
    redis.call('XADD', KEYS[2], '0-' .. n, 'end', state)
  else
    redis.call('XADD', KEYS[2], '0-' .. n, 'end', state, 'r', reason)
  end
  redis.call('HSET', KEYS[1], 'state', state, 'n', n)
  redis.call('PEXPIRE', KEYS[1], ttl)
  redis.call('PEXPIRE', KEYS[2], ttl)
  redis.call('DEL', KEYS[3])
  redis.call('PUBLISH', KEYS[1], cjson.encode({f = n, e = state, r = reason}))
end`;

/** ARGV: state, reason ('' for none), ttlMs. Returns the final state, or nil for an unknown stream. */
const FINISH = `${END}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return nil end
if state ~= 'running' then return state end
finish(ARGV[1], ARGV[2], ARGV[3])
return ARGV[1]`;

/** ARGV: leaseMs, ttlMs. 1 while running (lease and TTLs renewed), else 0. */
const RENEW = `
if redis.call('HGET', KEYS[1], 'state') ~= 'running' then return 0 end
redis.call('SET', KEYS[3], 1, 'PX', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 1`;

/** ARGV: after, limit, ttlMs. Returns nil (unknown) or {state, entries}; ends a stream whose lease lapsed. */
const READ = `${END}
local state = redis.call('HGET', KEYS[1], 'state')
if not state then return nil end
if state == 'running' and redis.call('EXISTS', KEYS[3]) == 0 then
  state = 'failed'
  finish(state, 'the producer stopped renewing its lease', ARGV[3])
end
-- Whole log entries (batches) until they hold at least ARGV[2] events after the cursor.
local after = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local out = {}
local got = 0
local from = '(0-' .. after
while got < limit do
  local batch = redis.call('XRANGE', KEYS[2], from, '+', 'COUNT', 16)
  if #batch == 0 then break end
  for _, e in ipairs(batch) do
    out[#out + 1] = e
    local last = tonumber(string.match(e[1], '%-(%d+)$'))
    local first = last
    if e[2][1] == 'b' then first = tonumber(e[2][2]) end
    if first <= after then first = after + 1 end
    got = got + last - first + 1
    from = '(' .. e[1]
    if got >= limit then break end
  end
end
return {state, out}`;

type RawEntry = [id: string, fields: string[]];
type Published = { f: number; m?: StreamMessage[]; e?: string; r?: string };

interface Scripts {
  rsCreate(
    meta: string,
    log: string,
    lease: string,
    leaseMs: number,
    ttlMs: number,
  ): Promise<number>;
  rsAppend(
    meta: string,
    log: string,
    lease: string,
    leaseMs: number,
    ttlMs: number,
    first: number,
    count: number,
    batch: string,
  ): Promise<number>;
  rsFinish(
    meta: string,
    log: string,
    lease: string,
    state: string,
    reason: string,
    ttlMs: number,
  ): Promise<string | null>;
  rsRenew(
    meta: string,
    log: string,
    lease: string,
    leaseMs: number,
    ttlMs: number,
  ): Promise<number>;
  rsRead(
    meta: string,
    log: string,
    lease: string,
    after: number,
    limit: number,
    ttlMs: number,
  ): Promise<[string, RawEntry[]] | null>;
}

const FINAL = new Set(['ended', 'failed', 'stopped']);

/** The entries of one log entry (a batch of events, or the end) from the fields Redis returns. */
function parseEntries(id: string, fields: string[]): StreamEntry[] {
  const seq = Number(id.slice(id.indexOf('-') + 1));
  if (fields[0] === 'b' && fields[2] === 'm') {
    const first = Number(fields[1]);
    const messages = JSON.parse(fields[3] as string) as StreamMessage[];
    if (first + messages.length - 1 !== seq) {
      throw new SSEError(
        'INVALID_RESPONSE',
        `Entry ${id} of a resumable stream does not hold the events its id says.`,
      );
    }
    return messages.map((message, i) => ({ seq: first + i, kind: 'event', message }));
  }
  const state = fields[1] as string;
  if (fields[0] !== 'end' || !FINAL.has(state)) {
    throw new SSEError(
      'INVALID_RESPONSE',
      `Entry ${id} of a resumable stream is not one this store wrote.`,
    );
  }
  return [
    fields[2] === 'r'
      ? { seq, kind: 'end', state: state as 'ended', reason: fields[3] as string }
      : { seq, kind: 'end', state: state as 'ended' },
  ];
}

/** The message fields a store keeps, each read once. */
function pack(message: StreamMessage): string {
  const { data, event, comment } = message;
  return JSON.stringify({ data, event, comment });
}

/** Wraps a Redis failure in the toolkit's error, keeping the cause. */
function unavailable(error: unknown): SSEError {
  if (error instanceof SSEError) return error;
  return new SSEError('BACKEND_UNAVAILABLE', `Redis failed: ${String(error)}`, { cause: error });
}

/**
 * Resumable streams in Redis, shared by every process on it: per stream three short-lived
 * keys (a hash with the state, a Redis Stream of entries with ids `0-<seq>`, a lease
 * string the producer renews) whose TTL the producer refreshes and which expire by
 * themselves `ttlMs` after the end (no cron). New entries are published on the stream's
 * channel; each process keeps one subscriber connection and subscribes only to the
 * streams its followers read. A follower that misses a publish sees the gap in `seq`
 * and reads it from the stream.
 */
export function createRedisResumableStore(
  options: RedisResumableStoreOptions = {},
): RedisResumableStore {
  const o = { ...REDIS_RESUMABLE_DEFAULTS, ...options };
  for (const name of ['ttlMs', 'leaseMs', 'commandTimeoutMs'] as const) {
    if (!(Number.isSafeInteger(o[name]) && o[name] >= 1)) {
      throw new RangeError(`${name} must be an integer >= 1, got ${o[name]}`);
    }
  }
  // A running stream's keys outlive a renewal period, and a dead producer's stream its end's TTL.
  const runningTtl = o.ttlMs + o.leaseMs;
  const extra: RedisOptions = { commandTimeout: o.commandTimeoutMs, maxRetriesPerRequest: 1 };
  const connect = () =>
    typeof o.connection === 'string'
      ? new Redis(o.connection, extra)
      : new Redis({ ...o.connection, ...extra });
  const redis = connect();
  const subscriber = connect();
  // Connection errors reach every caller as BACKEND_UNAVAILABLE; ioredis reconnects by itself.
  redis.on('error', () => {});
  subscriber.on('error', () => {});
  redis.defineCommand('rsCreate', { numberOfKeys: 3, lua: CREATE });
  redis.defineCommand('rsAppend', { numberOfKeys: 3, lua: APPEND });
  redis.defineCommand('rsFinish', { numberOfKeys: 3, lua: FINISH });
  redis.defineCommand('rsRenew', { numberOfKeys: 3, lua: RENEW });
  redis.defineCommand('rsRead', { numberOfKeys: 3, lua: READ });
  const scripts = redis as unknown as Scripts;

  const keysOf = (id: string) => {
    const base = `${o.prefix}{${id}}`;
    return [base, `${base}:log`, `${base}:lease`] as const;
  };
  /** Local listeners per channel (= meta key), and who waits for an end there. */
  const watchers = new Map<string, Set<(entry: StreamEntry) => void>>();
  const subscribing = new Map<string, Promise<unknown>>();

  /**
   * Per watched channel, the newest seq handed to local watchers, by either path: this
   * process's own append once it is stored, or the channel (another process's append, or
   * the echo of ours, whichever comes first). Nothing at or before it is handed out again.
   */
  const delivered = new Map<string, number>();
  const deliver = (channel: string, entries: readonly StreamEntry[]) => {
    const listeners = watchers.get(channel);
    if (listeners === undefined) return;
    const newest = delivered.get(channel) ?? 0;
    const fresh = entries.filter((entry) => entry.seq > newest);
    if (fresh.length === 0) return;
    delivered.set(channel, (fresh.at(-1) as StreamEntry).seq);
    // One object per entry for every local listener: followers share one encoded frame.
    for (const entry of fresh) for (const listener of [...listeners]) listener(entry);
  };

  subscriber.on('message', (channel: string, text: string) => {
    if (!watchers.has(channel)) return;
    // Already handed out (the echo of this process's own append): skipped without parsing.
    const first = Number(/^\{"f":(\d+),"m"/.exec(text)?.[1] ?? Number.NaN);
    if (first <= (delivered.get(channel) ?? 0)) return;
    let published: Published;
    try {
      published = JSON.parse(text);
    } catch {
      return; // not ours: followers read what they miss
    }
    const entries: StreamEntry[] = [];
    if (published.m !== undefined) {
      published.m.forEach((message, i) => {
        entries.push({ seq: published.f + i, kind: 'event', message });
      });
    } else if (published.e !== undefined && FINAL.has(published.e)) {
      const end: { seq: number; kind: 'end'; state: 'ended'; reason?: string } = {
        seq: published.f,
        kind: 'end',
        state: published.e as 'ended',
      };
      if (published.r) end.reason = published.r;
      entries.push(end);
    }
    deliver(channel, entries);
  });

  async function watch(id: string, listener: (entry: StreamEntry) => void): Promise<() => void> {
    const [channel] = keysOf(id);
    let listeners = watchers.get(channel);
    if (listeners === undefined) {
      listeners = new Set();
      watchers.set(channel, listeners);
      subscribing.set(channel, subscriber.subscribe(channel));
    }
    listeners.add(listener);
    const stop = () => {
      const set = watchers.get(channel);
      if (set === undefined || !set.delete(listener) || set.size > 0) return;
      watchers.delete(channel);
      delivered.delete(channel);
      subscribing.delete(channel);
      subscriber.unsubscribe(channel).catch(() => {});
    };
    try {
      await subscribing.get(channel);
    } catch (error) {
      stop();
      throw unavailable(error);
    }
    return stop;
  }

  const call = async <T>(run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw unavailable(error);
    }
  };

  const store: RedisResumableStore = {
    leaseMs: o.leaseMs,
    keysOf,
    async create(id) {
      const [meta, log, lease] = keysOf(id);
      return (await call(() => scripts.rsCreate(meta, log, lease, o.leaseMs, runningTtl))) === 1;
    },
    async append(id, first, messages) {
      const [meta, log, lease] = keysOf(id);
      try {
        await scripts.rsAppend(
          meta,
          log,
          lease,
          o.leaseMs,
          runningTtl,
          first,
          messages.length,
          `[${messages.map(pack).join(',')}]`,
        );
      } catch (error) {
        if (String((error as Error)?.message).includes('FINISHED')) throw finishedError(id);
        throw unavailable(error);
      }
      // Committed: local followers (usually the asking client's response) get the entries
      // now, without waiting for the channel's echo, which is then skipped.
      deliver(
        meta,
        messages.map((message, i) => ({ seq: first + i, kind: 'event' as const, message })),
      );
    },
    async finish(id, state, reason) {
      const [meta, log, lease] = keysOf(id);
      const final = await call(() =>
        scripts.rsFinish(meta, log, lease, state, reason ?? '', o.ttlMs),
      );
      return final === null ? undefined : (final as 'ended');
    },
    async renew(id) {
      const [meta, log, lease] = keysOf(id);
      return (await call(() => scripts.rsRenew(meta, log, lease, o.leaseMs, runningTtl))) === 1;
    },
    async read(id, after, limit): Promise<ReadResult> {
      const [meta, log, lease] = keysOf(id);
      const result = await call(() => scripts.rsRead(meta, log, lease, after, limit, o.ttlMs));
      if (result === null) return { found: false };
      const [state, raw] = result;
      const entries: StreamEntry[] = [];
      for (const [entryId, fields] of raw) {
        for (const entry of parseEntries(entryId, fields)) {
          if (entry.seq > after && entries.length < limit) entries.push(entry);
        }
      }
      return { found: true, state: state as StreamState, entries };
    },
    watch,
    onStop(id, listener) {
      // Any end entry the producer did not write itself (a stop, a lapsed lease) stops it.
      let stop: (() => void) | undefined;
      let cancelled = false;
      watch(id, (entry) => {
        if (entry.kind === 'end') listener();
      }).then(
        (s) => {
          if (cancelled) s();
          else stop = s;
        },
        () => {
          // Unavailable: the producer's renewals and appends still find the end.
        },
      );
      return () => {
        cancelled = true;
        stop?.();
      };
    },
    async stop(id, reason) {
      return store.finish(id, 'stopped', reason);
    },
    async close() {
      watchers.clear();
      await Promise.allSettled([redis.quit(), subscriber.quit()]);
    },
  };
  return store;
}
