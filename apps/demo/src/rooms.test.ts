import { isSSEError } from '@sse/core';
import { describe, expect, it } from 'vitest';
import { LIMITS, parseRooms, RoomLog } from './rooms';

describe('rooms', () => {
  it('parses a room list, defaulting to every room, and rejects unknown names', () => {
    expect(parseRooms(null)).toEqual(['lobby', 'dev', 'random']);
    expect(parseRooms('dev,lobby,dev')).toEqual(['dev', 'lobby']);
    expect(() => parseRooms('lobby,nope')).toThrow(/unknown room "nope"/);
    try {
      parseRooms('x');
    } catch (error) {
      expect(isSSEError(error, 'INVALID_TOPIC')).toBe(true);
    }
  });

  it('numbers messages per room and keeps only the last few', () => {
    const log = new RoomLog();
    for (let i = 1; i <= LIMITS.roomLog + 5; i++) log.next('lobby', 'u', `m${i}`);
    expect(log.next('dev', '  ', 'hi')).toMatchObject({ room: 'dev', seq: 1, user: 'anonymous' });
    const recent = log.recent('lobby');
    expect(recent).toHaveLength(LIMITS.roomLog);
    expect(recent[0]?.seq).toBe(6);
    expect(recent.at(-1)?.seq).toBe(LIMITS.roomLog + 5);
    // The newest few, oldest first, for a new connection's snapshot; a copy, not the log.
    expect(log.recent('lobby', 3).map((m) => m.seq)).toEqual([53, 54, 55]);
    expect(log.recent('lobby', 0)).toEqual([]);
    expect(log.recent('lobby', 1000)).toHaveLength(LIMITS.roomLog);
    log.recent('lobby', 3).pop();
    expect(log.recent('lobby', 1)[0]?.seq).toBe(55);
    expect(log.recent('random', 5)).toEqual([]);
  });

  it('refuses empty, oversized and misplaced messages with typed errors', () => {
    const log = new RoomLog();
    expect(() => log.next('lobby', 'u', '   ')).toThrow(/1 to 500/);
    expect(() => log.next('lobby', 'u', 'x'.repeat(LIMITS.textChars + 1))).toThrow(/1 to 500/);
    expect(() => log.next('nope', 'u', 'x')).toThrow(/unknown room/);
    expect(log.next('lobby', 'u'.repeat(100), 'x').user).toHaveLength(LIMITS.userChars);
  });
});
