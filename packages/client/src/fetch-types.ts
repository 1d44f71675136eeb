// Fetch and event-listener types of the public API, declared here instead of taken from the
// DOM lib, so a Node project compiles the client's declarations without `"DOM"` (with only
// `@types/node`, `skipLibCheck: false`). Each one comes from the runtime's own `RequestInit`,
// which both the DOM lib and @types/node declare, so it is exactly what that `fetch` takes.

/** Request headers, as the runtime's `fetch` takes them. */
export type HeadersInit = NonNullable<RequestInit['headers']>;

/** A request body, as the runtime's `fetch` takes it. */
export type BodyInit = NonNullable<RequestInit['body']>;

/** A credentials mode (`'omit'`, `'same-origin'`, `'include'`). */
export type RequestCredentials = NonNullable<RequestInit['credentials']>;

/** The options of `addEventListener`, as the DOM defines them (@types/node has no such type). */
export interface AddEventListenerOptions {
  capture?: boolean;
  once?: boolean;
  passive?: boolean;
  signal?: AbortSignal;
}
