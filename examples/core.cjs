// core.cjs: every package also ships CommonJS, for require().
//   npm install @sse/core && node core.cjs
const { createDecoder, encode } = require('@sse/core');

const decoder = createDecoder({ onEvent: (event) => console.log(event.type, event.data) });
decoder.feed(encode({ event: 'greeting', data: 'hello from require()' }));
decoder.end();
