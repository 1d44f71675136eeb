import { SSEError } from '@sse/core';

/** The rooms the page offers; each is one hub topic, `room:<name>`. */
export const ROOMS = ['lobby', 'dev', 'random'] as const;

/** Limits on what a POST may carry, so one client cannot grow the server's memory. */
export const LIMITS = { userChars: 32, textChars: 500, roomLog: 50 } as const;

/** One chat message as it travels in an SSE `chat` event's data (JSON). */
export interface ChatMessage {
  room: string;
  /** Position in the room on this process, from 1: lets the page prove "no gap, no duplicate". */
  seq: number;
  user: string;
  text: string;
  /** Publish time (ms since epoch): lets the page count what was published while it was away. */
  at: number;
}

/** The hub topic of a room. */
export function roomTopic(room: string): string {
  return `room:${room}`;
}

/** Narrows a string to a known room name. */
export function isRoom(name: string): boolean {
  return (ROOMS as readonly string[]).includes(name);
}

/** Parses `a,b` into known room names; unknown names are a typed error, not ignored. */
export function parseRooms(value: string | null): string[] {
  if (value === null || value === '') return [...ROOMS];
  const rooms = [...new Set(value.split(','))];
  for (const room of rooms) {
    if (!isRoom(room))
      throw new SSEError('INVALID_TOPIC', `unknown room "${room}": use one of ${ROOMS.join(', ')}`);
  }
  return rooms;
}

/**
 * Numbers the messages of each room and keeps the last few, which the page reloads
 * when the hub tells it (`reset`) that its cursor is older than the history.
 */
export class RoomLog {
  readonly #seq = new Map<string, number>();
  readonly #recent = new Map<string, ChatMessage[]>();

  /** Builds the next message of a room; validates and bounds the user's input. */
  next(room: string, user: string, text: string): ChatMessage {
    if (!isRoom(room)) throw new SSEError('INVALID_TOPIC', `unknown room "${room}"`);
    const cleanUser = user.trim().slice(0, LIMITS.userChars) || 'anonymous';
    if (text.trim() === '' || text.length > LIMITS.textChars)
      throw new SSEError('INVALID_DATA', `text must be 1 to ${LIMITS.textChars} characters`);
    const seq = (this.#seq.get(room) ?? 0) + 1;
    this.#seq.set(room, seq);
    const message = { room, seq, user: cleanUser, text, at: Date.now() };
    const recent = this.#recent.get(room) ?? [];
    recent.push(message);
    if (recent.length > LIMITS.roomLog) recent.shift();
    this.#recent.set(room, recent);
    return message;
  }

  /** The last `count` (default: all kept) messages of a room, oldest first. */
  recent(room: string, count: number = LIMITS.roomLog): ChatMessage[] {
    return count > 0 ? (this.#recent.get(room) ?? []).slice(-count) : [];
  }
}
