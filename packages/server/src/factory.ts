import { encode, encodeComment } from '@sse/core';
import { clockFor, HeartbeatClock } from './clock';
import { negotiateEncoding } from './encoding';
import { addCors, appendVary, baseHeaders, type HeaderRecord } from './headers';
import { type ContentEncoding, DEFAULTS, positive, type SessionOptions } from './options';
import { lastEventIdOf, type RequestInfo } from './request';
import { ServerSession, type SessionLimits } from './session';
import type { SessionSink } from './sink';
import { type FactoryStats, newFactoryStats } from './stats';

/**
 * The order `compression: true` offers codings in: gzip first, because at the settings
 * adapters use for live streams it compresses a JSON stream about as well as Brotli for
 * well under half the memory per session (measured in the @sse/node README).
 */
const ALL_ENCODINGS: readonly ContentEncoding[] = ['gzip', 'br', 'deflate'];

/**
 * What to answer a request with. Adapters write `status` and `headers`; only for
 * `'open'` do they then create a sink and call `factory.open(...)`.
 */
export type Negotiation =
  | {
      /** A CORS preflight: answer with these headers and no body. */
      kind: 'preflight';
      status: 204;
      headers: HeaderRecord;
    }
  | {
      /** Too many sessions: answer 503 with `Retry-After` and no body. */
      kind: 'busy';
      status: 503;
      headers: HeaderRecord;
    }
  | {
      /** Open the stream with these headers. */
      kind: 'open';
      status: number;
      headers: HeaderRecord;
      lastEventId: string;
      /** The negotiated content coding the adapter must apply, if any. */
      encoding: ContentEncoding | undefined;
    };

/**
 * Resolves options once (headers, first frame, limits) and opens sessions from
 * them: the piece every adapter wraps. Counts its own live sessions for `maxSessions`.
 */
export class SessionFactory<State = Record<string, unknown>> {
  /** The bytes every stream starts with: the retry hint, or an empty comment. */
  readonly openFrame: Uint8Array;
  private readonly limits: SessionLimits;
  private readonly headers1: HeaderRecord;
  private readonly headers2: HeaderRecord;
  private readonly status: number;
  private readonly heartbeat: number | false;
  private readonly maxAge: number | undefined;
  private readonly jitter: number;
  private readonly maxSessions: number;
  private readonly retryAfter: string;
  /** Live sessions and the content coding each one was opened with. */
  private readonly live = new Map<ServerSession<State>, ContentEncoding | 'identity'>();
  /**
   * This factory's counters, updated in place by its sessions (see `FactoryStats`):
   * read them, never write them. `@sse/metrics` exports them for Prometheus and
   * OpenTelemetry.
   */
  readonly stats: FactoryStats = newFactoryStats();

  constructor(private readonly options: SessionOptions<State> = {}) {
    const maxQueueBytes = positive('maxQueueBytes', options.maxQueueBytes, DEFAULTS.maxQueueBytes);
    this.limits = {
      maxQueueBytes,
      waitLimitBytes: positive('waitLimitBytes', options.waitLimitBytes, 2 * maxQueueBytes),
      maxBatchBytes: positive('maxBatchBytes', options.maxBatchBytes, DEFAULTS.maxBatchBytes),
      slowClient: options.slowClient ?? DEFAULTS.slowClient,
      maxEventBytes: positive('maxEventBytes', options.maxEventBytes, DEFAULTS.maxEventBytes),
      stats: this.stats,
    };
    if (!['disconnect', 'drop-oldest', 'wait'].includes(this.limits.slowClient)) {
      throw new TypeError(
        `@sse/server: slowClient must be 'disconnect', 'drop-oldest' or 'wait', got ${String(this.limits.slowClient)}.`,
      );
    }
    this.status = options.status ?? DEFAULTS.status;
    this.heartbeat =
      options.heartbeat === false
        ? false
        : positive('heartbeat', options.heartbeat, DEFAULTS.heartbeat);
    this.maxAge = options.maxAge === undefined ? undefined : positive('maxAge', options.maxAge, 0);
    this.jitter = Math.min(1, Math.max(0, options.maxAgeJitter ?? DEFAULTS.maxAgeJitter));
    this.maxSessions = positive('maxSessions', options.maxSessions, Number.POSITIVE_INFINITY);
    this.retryAfter = String(positive('retryAfter', options.retryAfter, DEFAULTS.retryAfter));
    this.headers2 = baseHeaders(options.headers);
    this.headers1 = { ...this.headers2, Connection: 'keep-alive' };
    this.openFrame = new TextEncoder().encode(
      options.retry === undefined ? encodeComment() : encode({ retry: options.retry }),
    );
    if (this.openFrame.byteLength > this.limits.maxEventBytes) {
      throw new TypeError(
        `@sse/server: option maxEventBytes (${this.limits.maxEventBytes}) must fit the first frame of every stream (${this.openFrame.byteLength} bytes).`,
      );
    }
  }

  /** Sessions of this factory that are open now. */
  get size(): number {
    return this.live.size;
  }

  /**
   * Decides the answer to a request. `supported` lists the codings the adapter can
   * apply; the options' `compression` picks among them.
   */
  negotiate(request: RequestInfo, supported: readonly ContentEncoding[] = []): Negotiation {
    const { cors } = this.options;
    if (request.method === 'OPTIONS') {
      const headers: HeaderRecord = {};
      if (cors) addCors(headers, cors, request.origin, true);
      return { kind: 'preflight', status: 204, headers };
    }
    if (this.live.size >= this.maxSessions) {
      this.stats.busy++;
      return {
        kind: 'busy',
        status: 503,
        headers: { 'Retry-After': this.retryAfter, 'Cache-Control': 'no-store' },
      };
    }
    const base = request.httpVersionMajor === 1 ? this.headers1 : this.headers2;
    const encoding = this.pickEncoding(request.acceptEncoding, supported);
    let headers = base;
    if (cors || encoding) {
      headers = { ...base };
      if (cors) addCors(headers, cors, request.origin, false);
      if (encoding) {
        headers['Content-Encoding'] = encoding;
        appendVary(headers, 'Accept-Encoding');
      }
    }
    return {
      kind: 'open',
      status: this.status,
      headers,
      lastEventId: lastEventIdOf(request),
      encoding,
    };
  }

  private pickEncoding(
    accept: string | null | undefined,
    supported: readonly ContentEncoding[],
  ): ContentEncoding | undefined {
    const { compression } = this.options;
    if (!compression || supported.length === 0) return undefined;
    const wanted = compression === true ? ALL_ENCODINGS : compression;
    return negotiateEncoding(
      accept,
      wanted.filter((coding) => supported.includes(coding)),
    );
  }

  /**
   * Opens a session on `sink` after the adapter wrote the head of an `'open'`
   * negotiation. The first frame is queued at once; `writable` is false for
   * transports that must not be written before their consumer asks (web streams).
   */
  open(
    sink: SessionSink,
    negotiation: { lastEventId: string; encoding?: ContentEncoding | undefined },
    writable = true,
  ): ServerSession<State> {
    const clock =
      this.heartbeat === false
        ? undefined
        : this.options.timerScope === 'session'
          ? new HeartbeatClock(this.heartbeat)
          : clockFor(this.heartbeat);
    const session = new ServerSession<State>(
      sink,
      this.limits,
      negotiation.lastEventId,
      writable,
      this,
      clock,
      this.options.state,
    );
    const encoding = negotiation.encoding ?? 'identity';
    this.live.set(session, encoding);
    this.stats.opened++;
    this.stats.open++;
    this.stats.openByEncoding[encoding]++;
    if (this.maxAge !== undefined) {
      session.expireAfter(this.maxAge * (1 - this.jitter * Math.random()));
    }
    session.start(this.openFrame);
    return session;
  }

  /** @internal Called once by each session when it ends. */
  released(session: object): void {
    const live = session as ServerSession<State>;
    const encoding = this.live.get(live);
    if (encoding === undefined) return;
    this.live.delete(live);
    this.stats.open--;
    this.stats.openByEncoding[encoding]--;
    this.stats.ended[live.endReason ?? 'closed']++;
  }

  /** Closes every open session gracefully, for a clean shutdown. */
  closeAll(): void {
    for (const session of [...this.live.keys()]) session.close();
  }
}

/** Creates a factory; adapters call this once per handler, not once per request. */
export function createSessionFactory<State = Record<string, unknown>>(
  options?: SessionOptions<State>,
): SessionFactory<State> {
  return new SessionFactory(options);
}
