import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ServerSession } from '@sse/server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, listenLocal } from '../../server/test/net';
import { StreamReader, until } from '../../server/test/support';
import { createNodeSSE } from '../src';

const NGINX = process.env.SSE_NGINX ?? '/usr/sbin/nginx';
const haveNginx = existsSync(NGINX);

describe.skipIf(!haveNginx)(
  haveNginx
    ? 'behind nginx with default proxy buffering'
    : `behind nginx: SKIPPED, no nginx at ${NGINX} (install it or set SSE_NGINX)`,
  () => {
    let dir: string;
    let nginx: ChildProcess;
    let app: Server;
    let proxyPort: number;
    const sessions: ServerSession[] = [];

    beforeAll(async () => {
      const sse = createNodeSSE({ heartbeat: false });
      app = createServer((req, res) => {
        const s = sse(req, res);
        if (s) sessions.push(s);
      });
      const appPort = await listenLocal(app);
      proxyPort = await freePort();
      dir = mkdtempSync(join(tmpdir(), 'sse-nginx-'));
      // Deliberately no `proxy_buffering off`: the app's X-Accel-Buffering header must do it.
      writeFileSync(
        join(dir, 'nginx.conf'),
        `daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_processes 1;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  server {
    listen 127.0.0.1:${proxyPort};
    location / {
      proxy_pass http://127.0.0.1:${appPort};
      proxy_http_version 1.1;
    }
  }
}
`,
      );
      nginx = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf')], { stdio: 'ignore' });
      // Ready when it accepts connections.
      const start = Date.now();
      for (;;) {
        if (nginx.exitCode !== null) throw new Error(`nginx exited; see ${dir}/error.log`);
        const ok = await new Promise<boolean>((resolve) =>
          connect(proxyPort, '127.0.0.1')
            .on('connect', function (this: Socket) {
              this.destroy();
              resolve(true);
            })
            .on('error', () => resolve(false)),
        );
        if (ok) break;
        if (Date.now() - start > 20_000) throw new Error('nginx did not start listening');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    });

    afterAll(async () => {
      if (nginx && nginx.exitCode === null) {
        nginx.kill('SIGTERM');
        await once(nginx, 'exit');
      }
      app?.closeAllConnections();
      app?.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
    });

    it('delivers events one by one, each before the next is sent', async () => {
      const response = await fetch(`http://127.0.0.1:${proxyPort}/events`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
      const reader = new StreamReader(response.body!);
      await until(() => sessions.length === 1);
      const session = sessions[0]!;
      for (let i = 0; i < 5; i++) {
        session.send({ id: String(i), data: `event ${i}` });
        // The next event is sent only after this one came through the proxy.
        expect(await reader.nextEvent()).toMatchObject({ data: `event ${i}` });
      }
      session.close();
      await reader.ended;
      expect(reader.events()).toHaveLength(5);
    });
  },
);
