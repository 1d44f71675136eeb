import { type Connection, connect, type ReadyState } from './connection';
import { EventSourceErrorEvent } from './error';
import type { EventSourceOptions } from './options';

/** Handler attribute types, declared method-style so the class stands where the DOM's is expected. */
type Handler<E extends Event> = { bivariant(this: EventSource, event: E): unknown }['bivariant'];

/** `MessageEvent` where the runtime has one (browsers, Node, Deno, Bun, Workers). */
const Message: typeof MessageEvent = globalThis.MessageEvent;

/** The event each built-in type carries; named events are `MessageEvent`s too. */
export interface EventSourceEventMap {
  open: Event;
  message: MessageEvent;
  error: EventSourceErrorEvent;
  /** Only with `oneShot: true`: the response ended and the source closed without an error. */
  close: Event;
}

type Listener<E> = ((this: EventSource, event: E) => unknown) | { handleEvent(event: E): unknown };

/** Typed listeners, as the DOM's `EventSource` declares them. */
export interface EventSource {
  addEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  addEventListener(
    type: string,
    listener: Listener<MessageEvent> | null,
    options?: boolean | AddEventListenerOptions,
  ): void;
  removeEventListener<K extends keyof EventSourceEventMap>(
    type: K,
    listener: Listener<EventSourceEventMap[K]> | null,
    options?: boolean | EventListenerOptions,
  ): void;
  removeEventListener(
    type: string,
    listener: Listener<MessageEvent> | null,
    options?: boolean | EventListenerOptions,
  ): void;
}

/**
 * A WHATWG `EventSource` on `fetch`: the browser's surface and behaviour, plus the
 * options the native one lacks (headers, POST, backoff, limits, idle timeout).
 * Use it anywhere the DOM `EventSource` is expected, in any runtime with `fetch`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface only adds typed overloads of inherited EventTarget methods, no properties.
export class EventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  declare readonly CONNECTING: 0;
  declare readonly OPEN: 1;
  declare readonly CLOSED: 2;
  static {
    // The spec puts the constants on the prototype too, so instances expose them.
    for (const [value, name] of ['CONNECTING', 'OPEN', 'CLOSED'].entries()) {
      Object.defineProperty(EventSource.prototype, name, { value, enumerable: true });
    }
  }

  /** The absolute URL the source connects (and always reconnects) to. */
  readonly url: string;
  /** Whether cross-origin requests carry credentials (`credentials: 'include'`). */
  readonly withCredentials: boolean;
  private readonly connection: Connection;
  private readonly handlers: Record<string, [Handler<Event>, (event: Event) => void]> = {};

  constructor(url: string | URL, options: EventSourceOptions = {}) {
    super();
    const base = (globalThis as { location?: { href?: string } }).location?.href;
    let parsed: URL;
    try {
      parsed = new URL(url, base);
    } catch {
      throw new DOMException(`Invalid EventSource URL: ${String(url)}`, 'SyntaxError');
    }
    this.url = parsed.href;
    this.withCredentials = !!options.withCredentials;
    this.connection = connect(this.url, options, {
      open: () => this.dispatchEvent(new Event('open')),
      event: ({ type, data, lastEventId }, origin) =>
        this.dispatchEvent(new Message(type, { data, lastEventId, origin })),
      error: (error) => this.dispatchEvent(new EventSourceErrorEvent(error)),
      end: (aborted) => aborted || this.dispatchEvent(new Event('close')),
    });
  }

  /** CONNECTING (0), OPEN (1) or CLOSED (2), as in the spec. */
  get readyState(): ReadyState {
    return this.connection.readyState;
  }

  /** Stops for good: no event, reconnect or fetch happens after it, whatever was pending. */
  close(): void {
    this.connection.close();
  }

  get onopen(): Handler<Event> | null {
    return this.handler('open');
  }
  set onopen(value: Handler<Event> | null) {
    this.setHandler('open', value);
  }
  get onmessage(): Handler<MessageEvent> | null {
    return this.handler('message');
  }
  set onmessage(value: Handler<MessageEvent> | null) {
    this.setHandler('message', value as Handler<Event> | null);
  }
  get onerror(): Handler<EventSourceErrorEvent> | null {
    return this.handler('error');
  }
  set onerror(value: Handler<EventSourceErrorEvent> | null) {
    this.setHandler('error', value as Handler<Event> | null);
  }

  private handler(type: string): Handler<Event> | null {
    return this.handlers[type]?.[0] ?? null;
  }

  /** Event handler attribute semantics: one listener per type; null removes it. */
  private setHandler(type: string, value: Handler<Event> | null): void {
    const entry = this.handlers[type];
    if (typeof value !== 'function') {
      if (entry) this.removeEventListener(type, entry[1]);
      delete this.handlers[type];
    } else if (entry) {
      entry[0] = value;
    } else {
      const listener = (event: Event) => this.handlers[type]?.[0].call(this, event);
      this.handlers[type] = [value, listener];
      this.addEventListener(type, listener);
    }
  }
}
