import type { Hub } from '@sse/hub';
import type { Session } from '@sse/server';
import type { AdapterName, Connections } from './connections';
import { METRICS_TOPIC } from './metrics';
import { parseRooms, roomTopic } from './rooms';

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
 */
export async function runStream(
  hub: Hub,
  connections: Connections,
  session: Session,
  request: StreamRequest,
  adapter: AdapterName,
): Promise<void> {
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
  try {
    await hub.subscribe(session, [METRICS_TOPIC, ...request.rooms.map(roomTopic)]);
  } catch (error) {
    // A session that ended while subscribing is normal (the page navigated away).
    if (session.isOpen) {
      console.error('demo: subscribe failed:', error);
      session.close();
    }
  }
}
