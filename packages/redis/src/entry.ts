import { checkMessage, type Message, SSEError } from '@sse/core';
import { type HubEvent, MAX_TOPIC_LENGTH } from '@sse/hub';

/** One stream entry as ioredis returns it: the id and a flat field/value list. */
export type StreamEntry = [id: string, fields: string[]];

/** The `t` (topic) field of an entry, read without parsing its message (replay filters on it first). */
export function topicOf(fields: readonly string[]): string | undefined {
  let topic: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === 't') topic = fields[i + 1];
  return topic;
}

const invalid = (id: string, key: string, why: string, cause?: unknown) =>
  new SSEError(
    'INVALID_ENTRY',
    `Skipped stream entry ${id} of ${key}: ${why}. It was not written by this version of @sse/redis; it stays in Redis until trimmed.`,
    cause === undefined ? undefined : { cause },
  );

/**
 * Turns a stream entry into an event the hub can encode, or says why it cannot: the
 * one check that both the live reader and replay use, so an entry another writer (or
 * an older version) left in the stream is skipped the same way by both, instead of
 * failing a replay or a live fan-out. The message must pass `checkMessage` as the hub
 * will send it (with the topic as event type when it has none), so whatever is
 * accepted here encodes.
 */
export function parseEntry([id, fields]: StreamEntry, key: string): HubEvent | SSEError {
  let topic: string | undefined;
  let json: string | undefined;
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] === 't') topic = fields[i + 1];
    else if (fields[i] === 'm') json = fields[i + 1];
  }
  if (topic === undefined || json === undefined) return invalid(id, key, 'no t or m field');
  if (topic.length === 0 || topic.length > MAX_TOPIC_LENGTH || /[\r\n\0]/.test(topic)) {
    return invalid(id, key, `topic ${JSON.stringify(topic.slice(0, 64))} is not a valid topic`);
  }
  let message: unknown;
  try {
    message = JSON.parse(json);
  } catch (error) {
    return invalid(id, key, 'm is not JSON', error);
  }
  if (typeof message !== 'object' || message === null || Array.isArray(message)) {
    return invalid(id, key, 'm is not a JSON object');
  }
  if ('id' in message) return invalid(id, key, 'm has an id (the stream assigns ids)');
  const event = message as Omit<Message, 'id'>;
  try {
    checkMessage(event.event === undefined ? { ...event, event: topic } : event);
  } catch (error) {
    return invalid(id, key, `m cannot be sent (${(error as Error).message})`, error);
  }
  return { id, topic, message: event };
}
