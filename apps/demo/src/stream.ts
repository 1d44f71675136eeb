import type { Session } from '@sse/server';
import type { DemoContext } from './app';
import type { AdapterName } from './connections';
import { METRICS_TOPIC } from './metrics';
import { type ChatMessage, parseRooms, roomTopic } from './rooms';

/** The data (JSON) of the `hello` event that opens every stream, before any hub event. */
export interface Hello {
  client: string;
  adapter: AdapterName;
  /** The package that serves this route, shown on the page (e.g. `@sse/node`). */
  servedBy: `@sse/${AdapterName}`;
  rooms: string[];
  /** The Last-Event-ID the stream resumed from ('' for none). */
  resumedFrom: string;
  /** Server time of the hello: chat published before it was missed live. */
  at: number;
}

/**
 * The data (JSON) of the `recent` event a new connection (no Last-Event-ID) gets right
 * after `hello`: the last messages of each of its rooms, so a new visitor or a reload
 * does not open on an empty chat. The stream then replays from `cursor`, so a message
 * may come both here and live (the page skips it by room and seq), never in neither.
 */
export interface Recent {
  /** Per room, oldest first. */
  rooms: Record<string, ChatMessage[]>;
  /** The hub id the subscription resumed after ('' when nothing was published yet). */
  cursor: string;
}

/** What one page asks for in its stream URL: `?rooms=a,b&client=<id>`. */
export interface StreamRequest {
  rooms: string[];
  client: string;
}

/** Reads the stream URL's query; a bad room name is a typed error (answered with 400). */
export function parseStreamRequest(url: URL): StreamRequest {
  const rooms = parseRooms(url.searchParams.get('rooms'));
  const raw = url.searchParams.get('client') ?? '';
  const client = /^[\w-]{1,40}$/.test(raw) ? raw : `anon-${Math.random().toString(36).slice(2)}`;
  return { rooms, client };
}

/**
 * Runs one page's stream on a session from either adapter: the same code behind
 * `/events` (@sse/hono) and `/node/events` (@sse/node), which is the point. It waits
 * while the client is held away by a "drop + publish" request, says hello (no id, so
 * the client's last event ID is untouched), then subscribes to `metrics` and the rooms
 * from the session's Last-Event-ID, which replays what was missed or sends `reset`.
 * A new connection first gets the rooms' `recent` messages and resumes from the cursor
 * read before them (see {@link Recent}).
 */
export async function runStream(
  demo: DemoContext,
  session: Session,
  request: StreamRequest,
  adapter: AdapterName,
): Promise<void> {
  const { hub, connections } = demo;
  connections.add(session, request.client, adapter);
  await connections.ready(request.client);
  if (!session.isOpen) return;
  const hello: Hello = {
    client: request.client,
    adapter,
    servedBy: `@sse/${adapter}`,
    rooms: request.rooms,
    resumedFrom: session.lastEventId,
    // Server clock: what was published before this was missed live and must be replayed.
    at: Date.now(),
  };
  session.send({ event: 'hello', data: JSON.stringify(hello) });
  let lastEventId = session.lastEventId;
  if (lastEventId === '') {
    // The cursor first, then the snapshot: every message up to the cursor was numbered
    // (and logged) before its publish completed, so it is in the snapshot; every later
    // one is replayed or live. The demo publishes a metrics sample before it listens, so
    // the cursor is '' (live only, which could miss a message published in between) only
    // if that first publish failed. No id on this event: the client's cursor stays.
    lastEventId = hub.newestId();
    const recent: Recent = { rooms: {}, cursor: lastEventId };
    for (const room of request.rooms)
      recent.rooms[room] = demo.rooms.recent(room, demo.recentPerRoom);
    session.send({ event: 'recent', data: JSON.stringify(recent) });
  }
  try {
    await hub.subscribe(session, [METRICS_TOPIC, ...request.rooms.map(roomTopic)], {
      lastEventId,
    });
  } catch (error) {
    // A session that ended while subscribing is normal (the page navigated away).
    if (session.isOpen) {
      console.error('demo: subscribe failed:', error);
      session.close();
    }
  }
}
