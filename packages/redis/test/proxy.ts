import { createServer, type Server, Socket } from 'node:net';
import { listenLocal } from '../../server/test/net';

/** One relayed connection: what the client named itself, and Redis's replies held back for it. */
interface Pipe {
  client: Socket;
  upstream: Socket;
  name: string;
  held: Buffer[];
}

/**
 * A TCP relay in front of a real redis-server on 127.0.0.1, for faults Redis cannot
 * inject per connection: a reader that falls behind (its replies are held back, as
 * by a network that stalls one way) or a connection dropped while a command is in
 * flight. Connections are told apart by the name the backend gives them
 * (`CLIENT SETNAME …:reader` / `…:writer`), so faults aim at one of them.
 */
export class RedisProxy {
  private readonly pipes = new Set<Pipe>();
  private readonly holding = new Set<string>();

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  /** Starts relaying to the redis-server on `target`. */
  static async start(target: number): Promise<RedisProxy> {
    let self: RedisProxy | undefined;
    const server = createServer((client) => self?.relay(client, target));
    const port = await listenLocal(server);
    self = new RedisProxy(server, port);
    return self;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  private relay(client: Socket, target: number): void {
    const upstream = new Socket();
    const pipe: Pipe = { client, upstream, name: '', held: [] };
    this.pipes.add(pipe);
    let head = '';
    client.on('data', (chunk: Buffer) => {
      if (pipe.name === '' && head.length < 4096) {
        head += chunk.toString('latin1');
        pipe.name = /setname\r\n\$\d+\r\n([^\r]*)\r\n/i.exec(head)?.[1] ?? '';
      }
      upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (this.isHeld(pipe)) pipe.held.push(chunk);
      else client.write(chunk);
    });
    const end = () => {
      this.pipes.delete(pipe);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.on('close', end);
      socket.on('error', end);
    }
    upstream.connect(target, '127.0.0.1');
  }

  private isHeld(pipe: Pipe): boolean {
    for (const suffix of this.holding) if (pipe.name.endsWith(suffix)) return true;
    return false;
  }

  /** Holds back Redis's replies to connections named `…suffix` (now and new ones) until `release`. */
  hold(suffix: string): void {
    this.holding.add(suffix);
  }

  /** Delivers what was held for `…suffix`, in order, and stops holding. */
  release(suffix: string): void {
    this.holding.delete(suffix);
    for (const pipe of this.pipes) {
      if (pipe.name.endsWith(suffix) || !this.isHeld(pipe)) {
        for (const chunk of pipe.held.splice(0)) pipe.client.write(chunk);
      }
    }
  }

  /** Drops connections named `…suffix` at once, with whatever is in flight (their replies are lost). */
  drop(suffix: string): void {
    for (const pipe of this.pipes) {
      if (pipe.name.endsWith(suffix)) {
        pipe.client.destroy();
        pipe.upstream.destroy();
      }
    }
  }

  /** Connections named `…suffix` open now. */
  count(suffix: string): number {
    let n = 0;
    for (const pipe of this.pipes) if (pipe.name.endsWith(suffix)) n++;
    return n;
  }

  close(): Promise<void> {
    for (const pipe of this.pipes) {
      pipe.client.destroy();
      pipe.upstream.destroy();
    }
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
