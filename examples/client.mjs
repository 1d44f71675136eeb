// client.mjs: POST a prompt to a streaming endpoint (the shape LLM APIs use) and read the
// answer with for await, never reconnecting. The server part stands in for the API.
//   npm install @sse/client && node client.mjs
import { once } from 'node:events';
import { createServer } from 'node:http';
import { EventSourceError, events } from '@sse/client';

const port = Number(process.env.PORT ?? 3000);
const server = createServer(async (req, res) => {
  let body = '';
  for await (const chunk of req) body += chunk;
  const { prompt } = JSON.parse(body);
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  for (const token of ['You', ' said', `: ${prompt}`])
    res.write(`data: ${JSON.stringify({ token })}\n\n`);
  res.end('data: [DONE]\n\n');
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

let text = '';
try {
  for await (const event of events(`http://127.0.0.1:${port}/v1/chat`, {
    oneShot: true, // the loop ends when the response ends; nothing is sent twice
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer my-api-key' },
    body: JSON.stringify({ prompt: 'hello' }),
  })) {
    if (event.data === '[DONE]') break; // break closes the connection
    text += JSON.parse(event.data).token;
  }
  console.log(text);
} catch (error) {
  // A non-200 answer, a wrong content type or a network error: an EventSourceError.
  if (error instanceof EventSourceError)
    console.error(error.code, error.status ?? '', error.message);
  else throw error;
} finally {
  server.close();
}
