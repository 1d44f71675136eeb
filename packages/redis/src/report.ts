import type { SSEError } from '@sse/core';
import { compareStreamIds } from './ids';

/** Where the backend tells what it recovered from by itself; see {@link createReporter}. */
export interface Reporter {
  /** A failure worth knowing about: reader outages, skipped entries. */
  error(error: SSEError): void;
  /** The end of an outage reported through `error` (the default logger prints it). */
  recovered(message: string): void;
}

/** Most entry ids remembered as reported (the newest), so that replays over a poison entry do not report it again. */
export const MAX_REPORTED_ENTRIES = 1_024;

/**
 * The reporter of one backend: the application's `onError`, or the default one-line
 * logger. Skipped entries are reported once per id (among the newest
 * {@link MAX_REPORTED_ENTRIES} reported): every replay that covers one meets it again.
 */
export function createReporter(onError: ((error: unknown) => void) | undefined) {
  const sink: Reporter =
    onError === undefined
      ? {
          // Expected trouble (a retry, a skipped entry) is one line, not a stack trace.
          error: (error) => console.error(`[@sse/redis] ${oneLine(error.message)}`),
          recovered: (message) => console.error(`[@sse/redis] ${oneLine(message)}`),
        }
      : {
          error: (error) => {
            // A throwing onError must not end the reader's loop (nor become an
            // unhandled rejection in it): the failure is printed instead.
            try {
              onError(error);
            } catch (thrown) {
              console.error('[@sse/redis] onError threw while reporting:', error.message, thrown);
            }
          },
          recovered: () => {},
        };
  const reported = new Set<string>();
  let skipped = 0;
  return {
    ...sink,
    /** Counts and reports a skipped entry the first time its id is met. */
    skippedEntry(id: string, error: SSEError): void {
      if (reported.has(id)) return;
      reported.add(id);
      if (reported.size > MAX_REPORTED_ENTRIES) {
        // Forget the oldest id (Redis trims the oldest entries first too), which may be
        // this one: a replay walking up through more poison than we remember then
        // reports only the ones below what is remembered again, not all of them.
        let oldest = id;
        for (const other of reported) if (compareStreamIds(other, oldest) < 0) oldest = other;
        reported.delete(oldest);
      }
      skipped++;
      sink.error(error);
    },
    /** Distinct skipped entries reported so far. */
    get skipped(): number {
      return skipped;
    },
  };
}

/** Error messages may quote hostile input: keep a log entry on one line. */
const oneLine = (text: string) => text.replace(/\s*[\r\n]+\s*/g, ' ');
