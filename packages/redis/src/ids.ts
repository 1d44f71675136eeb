/** A Redis stream id: `<milliseconds>-<sequence>`, both decimal. */
const STREAM_ID = /^(\d{1,16})-(\d{1,16})$/;

/** The id before every entry of a stream: the cursor of a client that has seen nothing yet. */
export const ORIGIN = '0-0';

/** Parses a stream id into its two numbers, or returns undefined for anything else. */
export function parseStreamId(id: string): [number, number] | undefined {
  const match = STREAM_ID.exec(id);
  if (match === null) return undefined;
  const ms = Number(match[1]);
  const seq = Number(match[2]);
  return Number.isSafeInteger(ms) && Number.isSafeInteger(seq) ? [ms, seq] : undefined;
}

/** Orders stream ids as Redis does (time, then sequence); malformed ids sort first. */
export function compareStreamIds(a: string, b: string): number {
  const x = parseStreamId(a) ?? [-1, -1];
  const y = parseStreamId(b) ?? [-1, -1];
  return x[0] - y[0] || x[1] - y[1];
}
