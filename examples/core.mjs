// core.mjs: encode events to bytes and decode a stream that arrives in arbitrary pieces.
//   npm install @sse/core && node core.mjs
import { createDecoder, encode, isSSEError } from '@sse/core';

// Encoding cannot inject fields: data lines are split, CR/LF in `event` or `id` throw.
const bytes = new TextEncoder().encode(
  encode({ event: 'price', id: '1', data: 'line 1\nline 2' }) + encode({ data: 'plain' }),
);

const decoder = createDecoder({
  onEvent: (event) => console.log(event.type, JSON.stringify(event.data), event.lastEventId),
});
// Any chunking gives the same events: here, three bytes at a time.
for (let i = 0; i < bytes.length; i += 3) decoder.feed(bytes.subarray(i, i + 3));
decoder.end();

try {
  encode({ event: 'x\ndata: injected', data: '' });
} catch (error) {
  if (isSSEError(error, 'INVALID_EVENT')) console.log('rejected:', error.code);
  else throw error;
}
