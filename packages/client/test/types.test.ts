import { describe, expect, it } from 'vitest';
import { EventSource as Client, type EventSourceErrorEvent } from '../src/index';

/**
 * Compiled by `tsc -p packages/client` (part of `npm test`): the client must be usable
 * wherever the DOM's `EventSource` type is expected. The runtime part checks the same values.
 */
function takesNative(source: EventSource): number {
  source.onmessage = (event: MessageEvent) => void event.data;
  source.addEventListener('open', (event: Event) => void event.type);
  return source.readyState;
}

describe('types', () => {
  it('stands where the DOM EventSource is expected, with typed handlers of its own', () => {
    const client = new Client('http://127.0.0.1:9/', { signal: AbortSignal.abort() });
    const asNative: EventSource = client;
    expect(takesNative(asNative)).toBe(2);
    const ctor: { readonly CONNECTING: 0; readonly OPEN: 1; readonly CLOSED: 2 } = Client;
    expect(ctor.CLOSED).toBe(2);
    client.onerror = (event: EventSourceErrorEvent) => void event.error.code;
    client.addEventListener('error', (event) => void event.error.status);
    client.addEventListener('message', (event) => void event.origin);
    client.addEventListener('custom-name', (event) => void event.lastEventId);
    client.onerror = null;
    client.close();
  });
});
