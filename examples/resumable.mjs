// resumable.mjs: an AI-chat-shaped answer that survives a dropped connection. The POST
// starts the answer (a fake token generator), the response names its resume URL; when the
// connection drops mid-answer, the client resumes there with GET + Last-Event-ID: the
// question is not sent again and no token is lost or repeated.
//   npm install @sse/resumable @sse/node @sse/client && node resumable.mjs
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { events } from '@sse/client';
import { createNodeSSE } from '@sse/node';
import { createResumableStreams, RESUME_URL_HEADER, resumeFetch } from '@sse/resumable';

const port = Number(process.env.PORT ?? 3000);
const streams = createResumableStreams(); // in memory; @sse/redis has the multi-process store
const sse = createNodeSSE();

/** The "model": yields tokens until done, or until its signal says the answer was stopped. */
async function* model(question, signal) {
  for (const token of `You asked: ${question}. Answers outlive their connections.`.split(/(?= )/)) {
    if (signal.aborted) return;
    await sleep(5);
    yield token;
  }
}

const requests = [];
const server = createServer(async (req, res) => {
  requests.push(req.method);
  if (req.method === 'POST' && req.url === '/chat') {
    let body = '';
    for await (const chunk of req) body += chunk;
    const id = randomUUID();
    await streams.start(id, (signal) => model(JSON.parse(body).question, signal));
    res.setHeader(RESUME_URL_HEADER, `/chat/${id}`);
    const session = sse(req, res);
    if (session) await streams.follow(session, id, { lastEventId: '' });
    return;
  }
  const id = req.url.slice('/chat/'.length);
  // 200: follow; 204: it ended and you have it all; 404: unknown or expired; 400: bad cursor.
  const decision = await streams.decide(id, req.headers['last-event-id'] ?? '');
  if (decision.status !== 200) return void res.writeHead(decision.status).end();
  const session = sse(req, res);
  if (session) await streams.follow(session, id);
});
server.listen(port, '127.0.0.1');
await once(server, 'listening');

let answer = '';
let tokens = 0;
for await (const event of events(`http://127.0.0.1:${port}/chat`, {
  method: 'POST',
  body: JSON.stringify({ question: 'does it resume' }),
  fetch: resumeFetch(), // later attempts: GET the resume URL, with Last-Event-ID
  retryDelay: 50,
})) {
  if (event.type === 'end') {
    console.log('end:', event.data);
    break;
  }
  answer += event.data;
  if (++tokens === 3) sse.factory.closeAll(); // the connection drops mid-answer
}
console.log('answer:', answer);
console.log('requests:', requests.join(', '));
server.close();
await streams.close();
