/**
 * What a server sends: every field is optional so that id-only, retry-only and
 * comment-only frames can be written too.
 */
export interface Message {
  /** The payload. Newlines (CR, LF, CRLF) become separate `data:` lines; they arrive as LF. */
  data?: string;
  /** The event type; the client dispatches it to listeners of that name. */
  event?: string;
  /** Sets the client's last event ID, which it sends back as `Last-Event-ID` on reconnect. */
  id?: string;
  /** The reconnection time, in milliseconds, that the client should use from now on. */
  retry?: number;
  /** A comment: ignored by clients, useful as a heartbeat or for debugging. */
  comment?: string;
}

/** What a client receives: one dispatched event, as the WHATWG spec defines it. */
export interface DecodedEvent {
  /** The event type, `message` when the block had no `event` field. */
  type: string;
  /** The data lines joined with LF. */
  data: string;
  /** The stream's last event ID at dispatch (persists across events, as in the spec). */
  lastEventId: string;
  /** This block's own `id` field, when it had one. */
  id?: string;
}
