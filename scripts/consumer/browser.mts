// A browser application (DOM lib, no @types/node) using the client and the decoder.

import { EventSource, type EventSourceOptions, events } from '@sse/client';
import { EventStreamDecoder, isEventStreamContentType } from '@sse/core';

const options: EventSourceOptions = { withCredentials: true, headers: new Headers({ a: 'b' }) };
const source = new EventSource('/events', options);
const native: globalThis.EventSource = source; // fits where the DOM's EventSource is expected
native.onmessage = (event: MessageEvent<string>) => console.log(event.data);
source.addEventListener('price', (event) => console.log(event.lastEventId), { passive: true });

export async function read(response: Response): Promise<void> {
  if (!response.body || !isEventStreamContentType(response.headers.get('content-type'))) return;
  const reader = response.body.pipeThrough(new EventStreamDecoder()).getReader();
  for (let r = await reader.read(); !r.done; r = await reader.read()) console.log(r.value.data);
  for await (const event of events('/events', { body: new Blob(['x']), method: 'POST' }))
    console.log(event);
}
