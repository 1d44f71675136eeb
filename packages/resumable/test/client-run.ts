/**
 * One asking client, as an app would write it with `@sse/client`: `POST` the question,
 * read tokens until the end event, resume by `GET` + `Last-Event-ID` whenever the
 * connection drops (the `fetch` given decides where each attempt goes and when it drops).
 */
import { events } from '@sse/client';
import { isSSEError } from '@sse/core';
import { type ResumeFetch, resumeFetch } from '../src/index';

/** What a client assembled: every token event's data in order, and the end event's payload. */
export interface Assembled {
  tokens: string[];
  end: { state: string; reason?: string } | undefined;
  /** Events after the end event (must stay empty). */
  afterEnd: number;
}

/** Asks `url` and reads the answer through every drop, until the server says 204. */
export async function ask(
  url: string,
  fetch: ResumeFetch,
  onToken?: (count: number) => void,
): Promise<Assembled> {
  const out: Assembled = { tokens: [], end: undefined, afterEnd: 0 };
  try {
    await read(url, fetch, out, onToken);
  } catch (error) {
    // 204 is the server's "stop" at the end of an answer: the client closes (as the spec says).
    if (!(isSSEError(error, 'HTTP_STATUS') && (error as { status?: number }).status === 204))
      throw error;
  }
  return out;
}

async function read(
  url: string,
  fetch: ResumeFetch,
  out: Assembled,
  onToken?: (count: number) => void,
): Promise<void> {
  for await (const event of events(url, {
    method: 'POST',
    body: '{}',
    fetch: resumeFetch(fetch),
    retryDelay: 1,
    maxRetryDelay: 50,
  })) {
    if (out.end !== undefined) out.afterEnd++;
    else if (event.type === 'end') out.end = JSON.parse(event.data);
    else {
      out.tokens.push(event.data);
      onToken?.(out.tokens.length);
    }
  }
}
