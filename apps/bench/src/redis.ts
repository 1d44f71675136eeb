import { type ChildProcess, spawn } from 'node:child_process';
import { createConnection, createServer } from 'node:net';

/** A redis-server of our own on a free loopback port, without persistence. */
export interface RedisServer {
  readonly url: string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  await new Promise((r) => server.close(r));
  return port;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('PING\r\n'));
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts redis-server, or returns the reason it cannot (not installed). */
export async function startRedis(): Promise<RedisServer | string> {
  const port = await freePort();
  let child: ChildProcess;
  try {
    child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
  } catch (e) {
    return `redis-server could not start: ${(e as Error).message}`;
  }
  const failed = new Promise<string>((r) => child.once('error', (e) => r(String(e.message))));
  for (let i = 0; i < 100; i++) {
    const outcome = await Promise.race([
      ping(port),
      failed,
      new Promise((r) => setTimeout(() => r(false), 100)),
    ]);
    if (typeof outcome === 'string') return `redis-server could not start: ${outcome}`;
    if (outcome === true) {
      return {
        url: `redis://127.0.0.1:${port}`,
        async stop() {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
          child.kill('SIGKILL');
        },
      };
    }
  }
  child.kill('SIGKILL');
  return 'redis-server did not answer PING within 10 s';
}
