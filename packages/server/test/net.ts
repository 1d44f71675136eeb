/**
 * Node-only test support for the suites that open real sockets (support.ts stays free
 * of Node imports for the runtime matrix): listen on 127.0.0.1, the only address tests
 * bind, on a port the system picks.
 */
import { once } from 'node:events';
import { type AddressInfo, createServer, type Server } from 'node:net';

/** Starts `server` on a free port of 127.0.0.1 and resolves with that port. */
export async function listenLocal(server: Server, backlog?: number): Promise<number> {
  if (backlog === undefined) server.listen(0, '127.0.0.1');
  else server.listen(0, '127.0.0.1', backlog);
  await once(server, 'listening');
  return (server.address() as AddressInfo).port;
}

/** A free loopback port for a process the test starts: bound, read and released. */
export async function freePort(): Promise<number> {
  const probe = createServer();
  const port = await listenLocal(probe);
  probe.close();
  await once(probe, 'close');
  return port;
}
