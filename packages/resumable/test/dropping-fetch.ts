/**
 * A client-side fault: a `fetch` for `@sse/client` that sends attempt `i` to
 * `bases[i % bases.length]` (a load balancer moving the client between processes) and,
 * for the first `cuts.length` attempts, closes the real connection after `cuts[i]`
 * bytes of the body, usually in the middle of an event.
 */
import { RESUME_URL_HEADER, type ResumeFetch } from '../src/index';

export interface Dropping {
  readonly fetch: ResumeFetch;
  /** Attempts made so far, each with the status it got. */
  readonly attempts: {
    url: string;
    method: string;
    status: number;
    lastEventId: string;
    resumeUrl: string;
  }[];
}

export function droppingFetch(bases: readonly string[], cuts: readonly number[]): Dropping {
  const attempts: Dropping['attempts'] = [];
  const doFetch: ResumeFetch = async (input, init) => {
    const i = attempts.length;
    const url = new URL(input);
    const target = new URL(`${url.pathname}${url.search}`, bases[i % bases.length]).href;
    const headers = new Headers(init.headers);
    const record = {
      url: target,
      method: init.method ?? 'GET',
      status: 0,
      lastEventId: headers.get('last-event-id') ?? '',
      resumeUrl: '',
    };
    attempts.push(record);
    const controller = new AbortController();
    init.signal?.addEventListener('abort', () => controller.abort(init.signal?.reason), {
      once: true,
    });
    const response = await fetch(target, { ...init, signal: controller.signal });
    record.status = response.status;
    record.resumeUrl = response.headers.get(RESUME_URL_HEADER) ?? '';
    const cut = cuts[i];
    if (cut === undefined || response.body === null) return response;
    const reader = response.body.getReader();
    let seen = 0;
    const body = new ReadableStream<Uint8Array>({
      async pull(c) {
        const { done, value } = await reader.read();
        if (done) return c.close();
        if (seen + value.byteLength < cut) {
          seen += value.byteLength;
          return c.enqueue(value);
        }
        c.enqueue(value.subarray(0, cut - seen));
        seen = cut;
        // The real socket goes away, as on a network change.
        controller.abort(new Error('dropped by the test'));
        reader.cancel().catch(() => {});
        c.error(new TypeError('network connection lost (test)'));
      },
      cancel(reason) {
        controller.abort(reason);
        return reader.cancel(reason).catch(() => {});
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  };
  // `Response.url` is empty on a constructed response: resumeFetch resolves the resume URL against the input.
  return { fetch: doFetch, attempts };
}

/** The stream id the starting response named in its resume URL (`/answers/<id>`). */
export function idOf(dropping: Dropping): string {
  const url = dropping.attempts[0]?.resumeUrl ?? '';
  if (!/^\/answers\/[\w-]+$/.test(url))
    throw new Error(`no resume URL in the first response: ${url}`);
  return url.slice('/answers/'.length);
}
