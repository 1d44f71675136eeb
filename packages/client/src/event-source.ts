import {
  type Connection,
  connect,
  type ReadyState,
  resolveUrl,
  type StreamEvent,
} from './connection';
import { EventSourceErrorEvent } from './error';
import type { AddEventListenerOptions } from './fetch-types';
import type { EventSourceOptions } from './options';

/** Handler attribute types, declared method-style (bivariant) so narrower event types are accepted. */
type Handler<E extends Event> = { bivariant(event: E): unknown }['bivariant'];

/** The event each built-in type carries; named events are `MessageEvent`s too. */
export interface EventSourceEventMap {
  open: Event;
  message: MessageEvent;
  error: EventSourceErrorEvent;
  /** Only with `oneShot: true`: the response ended and the source closed without an error. */
  close: Event;
}

type Listener<E> = ((this: EventSource, event: E) => unknown) | { handleEvent(event: E): unknown };

/**
 * Typed listeners, as the DOM's `EventSource` declares them, and the handler attributes
 * (implemented as accessors on the prototype, in the class's static block).
 */
export interface EventSource {
  /** Fires when the connection opens. */
  onopen: Handler<Event> | null;
  /** Fires for unnamed events (type `message`). */
  onmessage: Handler<MessageEvent> | null;
  /**
   * Fires on failure, with the reason in `event.error` (an `EventSourceError`). Read back as
   * taking any `Event`, so the instance still fits the DOM's `EventSource` type.
   */
  get onerror(): Handler<Event> | null;
  set onerror(value: Handler<EventSourceErrorEvent> | null);
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
 * The spec's `MessageEvent`, with the decoded event as its own init dictionary (data,
 * lastEventId, origin: no copy per event). workerd's `MessageEvent` keeps only `data`
 * of its init, so where `origin` (never empty) did not come through, both are set on it.
 */
function messageEvent(event: StreamEvent): MessageEvent {
  const message = new MessageEvent(event.type, event);
  if (message.origin !== event.origin) {
    Object.defineProperties(message, {
      lastEventId: { value: event.lastEventId },
      origin: { value: event.origin },
    });
  }
  return message;
}

/**
 * A WHATWG `EventSource` on `fetch`: the browser's surface and behaviour, plus the
 * options the native one lacks (headers, POST, backoff, limits, idle timeout).
 * Use it anywhere the DOM `EventSource` is expected, in any runtime with `fetch`.
 */
// biome-ignore lint/suspicious/noUnsafeDeclarationMerging: the interface types inherited EventTarget methods and the handler accessors the static block defines.
export class EventSource extends EventTarget {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readonly CONNECTING = 0;
  readonly OPEN = 1;
  readonly CLOSED = 2;
  static {
    // Event handler attributes: setting a function adds the source's one handler listener for
    // that type (a no-op when it is already there, so the listener keeps its place); anything
    // else removes it, and setting a function again adds it at the end, as the spec says.
    for (const type of ['open', 'message', 'error']) {
      Object.defineProperty(EventSource.prototype, `on${type}`, {
        get(this: EventSource) {
          return this.#handlers[type] ?? null;
        },
        set(this: EventSource, value: unknown) {
          const handler = typeof value === 'function' ? (value as Handler<Event>) : undefined;
          this[handler ? 'addEventListener' : 'removeEventListener'](type, this.#handle);
          this.#handlers[type] = handler;
        },
      });
    }
  }

  /** The absolute URL the source connects (and always reconnects) to. */
  declare readonly url: string;
  /** Whether cross-origin requests carry credentials (`credentials: 'include'`). */
  declare readonly withCredentials: boolean;
  readonly #connection: Connection;
  readonly #handlers: Record<string, Handler<Event> | undefined> = {};
  /** The listener behind every handler attribute: it calls the current handler of the event's type. */
  readonly #handle = (event: Event) => this.#handlers[event.type]?.call(this, event);

  constructor(url: string | URL, options: EventSourceOptions = {}) {
    super();
    try {
      this.url = resolveUrl(url);
    } catch {
      throw new DOMException(`Invalid EventSource URL: ${url}`, 'SyntaxError');
    }
    this.withCredentials = !!options.withCredentials;
    this.#connection = connect(this.url, options, {
      open: () => this.dispatchEvent(new Event('open')),
      event: (event) => this.dispatchEvent(messageEvent(event)),
      error: (error) => this.dispatchEvent(new EventSourceErrorEvent(error)),
      end: (aborted) => aborted || this.dispatchEvent(new Event('close')),
    });
  }

  /** CONNECTING (0), OPEN (1) or CLOSED (2), as in the spec. */
  get readyState(): ReadyState {
    return this.#connection.readyState;
  }

  /** Stops for good: no event, reconnect or fetch happens after it, whatever was pending. */
  close(): void {
    this.#connection.close();
  }
}
