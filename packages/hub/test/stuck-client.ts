/**
 * A client that sends its request and then never reads: its socket stays paused, so
 * the server's writes back up into the kernel buffers and then the session's queue.
 * Shared by the suites that check that slow-client bounds still end such clients.
 */
import { connect, type Socket } from 'node:net';

/** Opens `path` on 127.0.0.1:`port` (resuming after `lastEventId` when given) and never reads. */
export function stuckClient(port: number, path: string, lastEventId = ''): Promise<Socket> {
  const resume = lastEventId === '' ? '' : `Last-Event-ID: ${lastEventId}\r\n`;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n${resume}\r\n`,
      );
      socket.pause();
      resolve(socket);
    });
    socket.once('error', reject);
  });
}
