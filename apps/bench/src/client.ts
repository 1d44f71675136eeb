import { fetchEventSource } from '@microsoft/fetch-event-source';
import { EventSource as NpmEventSource } from 'eventsource';
import { ChildServer } from './load';
import {
  fmt,
  median,
  type Ratio,
  type RunConfig,
  ratioTable,
  type SectionResult,
  spread,
  timeRotated,
  tryImport,
} from './util';

type Consume = (url: string, n: number) => Promise<void>;

interface EventSourceLike {
  addEventListener(type: 'message', listener: () => void): void;
  onerror: ((e: unknown) => void) | null;
  close(): void;
}
type EventSourceCtor = new (url: string) => EventSourceLike;

/** Counts `n` messages with an EventSource-shaped client, then closes it. */
function viaEventSource(Ctor: EventSourceCtor): Consume {
  return (url, n) =>
    new Promise((resolve, reject) => {
      let count = 0;
      const es = new Ctor(url);
      // A listener, not `onmessage`: the spec delivers both through dispatchEvent, but
      // eventsource 4 calls `onmessage` directly, which would skip its dispatch cost.
      es.addEventListener('message', () => {
        if (++count === n) {
          es.close();
          resolve();
        }
      });
      es.onerror = (e) => {
        if (count < n) {
          es.close();
          reject(new Error(`client error after ${count} events: ${String(e)}`));
        }
      };
    });
}

/**
 * @microsoft/fetch-event-source expects browser globals: `window` for its timers and
 * `document` for visibility (it removes its listener even with `openWhenHidden`).
 */
const fetchEs: Consume = (url, n) => {
  const g = globalThis as { window?: unknown; document?: unknown };
  g.window ??= globalThis;
  g.document ??= { hidden: false, addEventListener() {}, removeEventListener() {} };
  const ac = new AbortController();
  let count = 0;
  return new Promise((resolve, reject) => {
    fetchEventSource(url, {
      signal: ac.signal,
      openWhenHidden: true,
      onmessage() {
        if (++count === n) {
          ac.abort();
          resolve();
        }
      },
      onerror(e) {
        ac.abort();
        reject(e);
        throw e;
      },
    }).catch(() => {});
  });
};

/** Events per second consumed from a local server that writes as fast as it can. */
export async function clientBench(cfg: RunConfig): Promise<SectionResult> {
  const n = cfg.quick ? 20_000 : 200_000;
  const mod = await tryImport('@sse/client');
  const Ours = mod?.EventSource as EventSourceCtor | undefined;
  const entrants: [string, Consume | null][] = [
    ['@sse/client EventSource', Ours ? viaEventSource(Ours) : null],
    ['eventsource 4 (npm)', viaEventSource(NpmEventSource as unknown as EventSourceCtor)],
    ['@microsoft/fetch-event-source', fetchEs],
  ];
  const server = await ChildServer.start('firehose', { firehose: n });
  if (typeof server === 'string') throw new Error(server);
  const url = `http://127.0.0.1:${server.port}/`;
  let times: Map<string, number[]>;
  try {
    times = await timeRotated(entrants, cfg.reps, (_name, consume) => consume(url, n));
  } finally {
    await server.stop();
  }
  const perSec = (name: string) => {
    const t = times.get(name)!;
    return t.length ? (n / median(t)) * 1000 : null;
  };
  const rows = entrants.map(([name, c]) => [
    name,
    c ? fmt(perSec(name)) : 'not available (@sse/client has no EventSource in dist)',
    spread(times.get(name)!.map((ms) => (n / ms) * 1000)),
  ]);
  const ours = perSec(entrants[0]![0]);
  const best = Math.max(perSec(entrants[1]![0]) ?? 0, perSec(entrants[2]![0]) ?? 0);
  const ratios: Ratio[] = [
    {
      name: 'client consume rate vs the faster peer',
      value: ours && best ? ours / best : null,
      target: 2,
      floor: 'one MessageEvent created and dispatched per event (~2M/s here)',
    },
  ];
  return {
    name: 'client',
    tables: [
      {
        title: `Client: ${fmt(n)} small events from a local server, per client (median of ${cfg.reps})`,
        columns: ['client', 'events/s', 'min..max'],
        rows,
      },
      ratioTable('Client ratio (ours / theirs, higher is better)', ratios),
    ],
    ratios,
    notes: [
      'Each client runs in this process; the server (pre-encoded frames) in a child process.',
    ],
    data: Object.fromEntries(times),
  };
}
