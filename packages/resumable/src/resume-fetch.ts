/**
 * The response header that names where a stream can be resumed: the starting `POST`
 * answers with it, and a client reconnects there with `GET` and `Last-Event-ID` instead
 * of sending the `POST` (and paying for a generation) again. Cross-origin servers must
 * list it in `Access-Control-Expose-Headers`.
 */
export const RESUME_URL_HEADER = 'sse-resume-url';

/** A `fetch`-compatible function; `@sse/client`'s `FetchLike` accepts it. */
export type ResumeFetch = (input: string, init: RequestInit) => Promise<Response>;

/**
 * Wraps `fetch` for `@sse/client` (`events(url, { method: 'POST', body, fetch:
 * resumeFetch() })`, or its `EventSource`): the first request goes out as given; once a
 * response names its resume URL (`sse-resume-url`), every later attempt (the client's
 * reconnects, which carry `Last-Event-ID`) is a `GET` of that URL without a body. Use
 * one per stream: it remembers the URL.
 */
export function resumeFetch(
  fetchImpl: ResumeFetch = (input, init) => fetch(input, init),
): ResumeFetch {
  let resumeUrl: string | undefined;
  return async (input, init) => {
    if (resumeUrl !== undefined) {
      const headers = Object.fromEntries(new Headers(init.headers));
      delete headers['content-type'];
      delete headers['content-length'];
      const { body: _body, ...rest } = init;
      return fetchImpl(resumeUrl, { ...rest, method: 'GET', headers });
    }
    const response = await fetchImpl(input, init);
    const named = response.headers.get(RESUME_URL_HEADER);
    if (named) resumeUrl = new URL(named, response.url || input).href;
    return response;
  };
}
