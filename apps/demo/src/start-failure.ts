/**
 * The demo's port from `PORT` (default 3000). A value that is not a port is refused
 * here with a message that says what to set, instead of a stack from inside `net`.
 */
export function parsePort(value: string | undefined): number {
  if (value === undefined || value === '') return 3000;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535)
    throw new RangeError(
      `PORT must be a number from 0 to 65535 (0 picks a free port), got "${value}"`,
    );
  return Number(value);
}

/**
 * One line that says why the demo could not start and what to do about it (a port in
 * use is the common case: try another `PORT`), printed instead of a raw stack.
 */
export function startFailure(error: unknown, host: string, port: string | number): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'EADDRINUSE')
    return `@sse demo: port ${port} is already in use on ${host}; start it on another one, e.g. PORT=3001 npm start (PORT=0 picks a free port)`;
  if (code === 'EACCES')
    return `@sse demo: no permission to listen on ${host}:${port}; use a PORT above 1023, e.g. PORT=3001 npm start`;
  if (code === 'EADDRNOTAVAIL')
    return `@sse demo: ${host} is not an address of this machine; set HOST to one that is (default 127.0.0.1)`;
  return `@sse demo: could not start: ${error instanceof Error ? error.message : String(error)}`;
}
