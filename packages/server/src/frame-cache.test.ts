// Model-based test of `send`: the process-wide one-entry frame cache, the message
// checks and `maxEventBytes`, driven by random sends of plain, hostile and shifting
// messages to two sessions, against a model that encodes what each send read once.
import { encode, type Message, SSEError } from '@sse/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { expectAllReleased } from '../test/support';
import { createSessionFactory } from './factory';
import type { ServerSession } from './session';

const MAX_EVENT_BYTES = 64;
const FIELDS = ['data', 'event', 'id', 'retry', 'comment'] as const;
type Field = (typeof FIELDS)[number];

/** Few distinct values, so consecutive sends often repeat one (cache hits). */
const strings = fc.constantFrom('', 'a', 'b', 'a\nb', 'x\ndata: injected', 'y'.repeat(60));
const hostile = fc.constantFrom<unknown>(
  7,
  null,
  { toString: () => 'a' },
  { [Symbol.toPrimitive]: () => 'a' },
);
const plainValue = (field: Field) =>
  field === 'retry' ? fc.constantFrom<unknown>(0, 10, -1, 1.5) : strings;
/** A field's answers, one per read (the last one repeats). */
const answers = (field: Field) =>
  fc.array(
    fc.oneof({ weight: 4, arbitrary: plainValue(field) }, { weight: 1, arbitrary: hostile }),
    {
      minLength: 1,
      maxLength: 2,
    },
  );
const spec = fc.record(
  {
    data: answers('data'),
    event: answers('event'),
    id: answers('id'),
    retry: answers('retry'),
    comment: answers('comment'),
  },
  { requiredKeys: [] },
);
type Spec = Partial<Record<Field, unknown[]>>;

/** The message a spec describes: each field a getter giving its answers in turn. */
function build(from: Spec): Message {
  const message = {};
  for (const [field, values] of Object.entries(from)) {
    let reads = 0;
    Object.defineProperty(message, field, {
      enumerable: true,
      get: () => values[Math.min(reads++, values.length - 1)],
    });
  }
  return message as Message;
}

interface Model {
  /** What each session's client must receive, in order. */
  expected: [string, string];
}
interface Real {
  sessions: [ServerSession, ServerSession];
  received: [string[], string[]];
}

const utf8 = new TextEncoder();
const text = new TextDecoder();

class Send implements fc.Command<Model, Real> {
  constructor(
    readonly to: 0 | 1,
    readonly spec: Spec,
  ) {}
  check(): boolean {
    return true;
  }
  run(model: Model, real: Real): void {
    // The model reads each field once, like send must: the first answers.
    const snapshot = Object.fromEntries(
      Object.entries(this.spec).map(([field, values]) => [field, values[0]]),
    ) as Message;
    let want: string | { code: string };
    try {
      want = encode(snapshot);
      if (utf8.encode(want).byteLength > MAX_EVENT_BYTES) want = { code: 'EVENT_TOO_LARGE' };
    } catch (error) {
      want = { code: (error as SSEError).code };
    }
    const session = real.sessions[this.to];
    if (typeof want === 'string') {
      expect(session.send(build(this.spec))).toBe(true);
      model.expected[this.to] += want;
    } else {
      let thrown: unknown;
      try {
        session.send(build(this.spec));
      } catch (error) {
        thrown = error;
      }
      expect(thrown).toBeInstanceOf(SSEError);
      expect(thrown).toMatchObject(want);
    }
  }
  toString(): string {
    return `send(${this.to}, ${fc.stringify(this.spec)})`;
  }
}

afterEach(() => {
  expectAllReleased();
});

describe('model: send, the frame cache and maxEventBytes', () => {
  it('every accepted send delivers exactly the frame of the values it read, in order', async () => {
    const command = fc
      .tuple(fc.constantFrom<0 | 1>(0, 1), spec)
      .map(([to, s]) => new Send(to, s) as fc.Command<Model, Real>);
    await fc.assert(
      fc.asyncProperty(fc.commands([command], { size: '+1' }), async (commands) => {
        const factory = createSessionFactory({ heartbeat: false, maxEventBytes: MAX_EVENT_BYTES });
        const received: [string[], string[]] = [[], []];
        const open = (i: 0 | 1) =>
          factory.open(
            {
              write: (chunk) => {
                received[i].push(text.decode(chunk));
                return true;
              },
              end: () => {},
              abort: () => {},
            },
            { lastEventId: '' },
          );
        const real: Real = { sessions: [open(0), open(1)], received };
        const model: Model = { expected: [':\n\n', ':\n\n'] };
        try {
          fc.modelRun(() => ({ model, real }), commands);
          await new Promise((resolve) => setTimeout(resolve, 0));
          expect(received.map((chunks) => chunks.join(''))).toEqual(model.expected);
        } finally {
          for (const session of real.sessions) session.close();
        }
      }),
      { numRuns: 300 },
    );
  });
});
