import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import {
  type ClientHttp2Session,
  connect,
  createSecureServer,
  createServer,
  type Http2SecureServer,
  type Http2Server,
  type IncomingHttpHeaders,
} from 'node:http2';
import { createServer as createHttpsServer, get as httpsGet } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { type ServerSession, serverCounters } from '@sse/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listenLocal } from '../../server/test/net';
import { StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

const openssl = ['/usr/bin/openssl', '/usr/local/bin/openssl'].find((p) => existsSync(p));

/** A self-signed key pair for 127.0.0.1, made fresh for this run. */
function selfSigned(): { key: Buffer; cert: Buffer; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sse-h2-'));
  execFileSync(
    openssl!,
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      join(dir, 'key.pem'),
      '-out',
      join(dir, 'cert.pem'),
    ],
    { stdio: 'ignore' },
  );
  return {
    key: readFileSync(join(dir, 'key.pem')),
    cert: readFileSync(join(dir, 'cert.pem')),
    dir,
  };
}

/** Opens one HTTP/2 request and exposes its headers and body as a web stream. */
async function h2get(
  client: ClientHttp2Session,
  path: string,
  headers: Record<string, string> = {},
) {
  const stream = client.request({ ':path': path, accept: 'text/event-stream', ...headers });
  const [responseHeaders] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream.on('data', (chunk: Buffer) => controller.enqueue(new Uint8Array(chunk)));
      stream.on('end', () => controller.close());
      stream.on('error', (e) => controller.error(e));
    },
    cancel() {
      stream.close();
    },
  });
  return { headers: responseHeaders, reader: new StreamReader(body), stream };
}

async function exercise(server: Http2Server | Http2SecureServer, origin: string, ca?: Buffer) {
  const sessions: ServerSession[] = [];
  const sse = createNodeSSE({ heartbeat: false });
  server.on('request', (req, res) => {
    const s = sse(req, res);
    if (s) sessions.push(s);
  });
  const port = await listenLocal(server);
  const client = connect(`${origin}:${port}`, ca ? { ca } : {});
  try {
    const { headers, reader, stream } = await h2get(client, '/events', { 'last-event-id': '9' });
    expect(headers[':status']).toBe(200);
    expect(headers['content-type']).toBe('text/event-stream; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache, no-transform');
    expect(headers.connection).toBeUndefined();
    expect(headers['transfer-encoding']).toBeUndefined();
    await until(() => sessions.length === 1);
    const session = sessions[0]!;
    expect(session.lastEventId).toBe('9');
    session.send({ data: 'over h2', id: '10' });
    expect(await reader.nextEvent()).toMatchObject({ data: 'over h2', lastEventId: '10' });
    // The client goes away: the session ends by itself.
    stream.close();
    await session.closed;
    expect((session as ServerSession).endReason).toBe('peer');

    // And a server-side close ends the client's stream.
    const second = await h2get(client, '/events');
    await until(() => sessions.length === 2);
    sessions[1]!.send({ data: 'bye' });
    sessions[1]!.close();
    await second.reader.ended;
    expect(second.reader.events().map((e) => e.data)).toEqual(['bye']);
  } finally {
    client.close();
    server.close();
  }
  await until(() => serverCounters().sessions === 0);
}

describe('@sse/node over TLS and HTTP/2', () => {
  it('streams over plain HTTP/2 (h2c) without connection headers', async () => {
    await exercise(createServer(), 'http://127.0.0.1');
  });

  describe.skipIf(!openssl)(
    openssl ? 'over TLS' : 'over TLS: SKIPPED, openssl is needed to make a test certificate',
    () => {
      let pair: ReturnType<typeof selfSigned>;
      beforeAll(() => {
        pair = selfSigned();
      });
      afterAll(() => rmSync(pair.dir, { recursive: true, force: true }));

      it('streams over HTTPS (HTTP/1.1 over TLS, node:https)', async () => {
        const sse = createNodeSSE({ heartbeat: false });
        const sessions: ServerSession[] = [];
        const server = createHttpsServer({ key: pair.key, cert: pair.cert }, (req, res) => {
          const s = sse(req, res);
          if (s) sessions.push(s);
        });
        const port = await listenLocal(server);
        const res = await new Promise<IncomingMessage>((resolve) =>
          httpsGet({ host: '127.0.0.1', port, path: '/events', ca: pair.cert }, resolve),
        );
        expect(res.headers['content-type']).toBe('text/event-stream; charset=utf-8');
        expect(res.headers.connection).toBe('keep-alive');
        const reader = new StreamReader(Readable.toWeb(res) as ReadableStream<Uint8Array>);
        await until(() => sessions.length === 1);
        sessions[0]!.send({ data: 'over https' });
        expect((await reader.nextEvent()).data).toBe('over https');
        sessions[0]!.close();
        await reader.ended;
        server.close();
      });

      it('streams over HTTP/2 with TLS', async () => {
        await exercise(
          createSecureServer({ key: pair.key, cert: pair.cert }),
          'https://127.0.0.1',
          pair.cert,
        );
      });
    },
  );
});
