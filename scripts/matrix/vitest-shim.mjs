// A small stand-in for the `vitest` module, for runtimes where vitest itself cannot run
// (workerd, a browser page). scripts/matrix.mjs bundles each unchanged test file with
// esbuild, aliasing `vitest` to this file. It keeps vitest's semantics where tests rely
// on them: `expect` is vitest's own (@vitest/expect on chai, the same matchers and
// messages), `vi.fn`/`vi.spyOn` are @vitest/spy, hooks run in vitest's order, a test
// that throws or rejects fails, `skip`/`skipIf`/`runIf`/`only`/`todo`/`each` behave as
// in vitest. What it does not offer (module mocking, fake timers, snapshots) throws a
// clear error, and matrix.mjs leaves files that use those out of these runtimes with
// that reason.

import {
  ASYMMETRIC_MATCHERS_OBJECT,
  ChaiStyleAssertions,
  GLOBAL_EXPECT,
  getState,
  JestAsymmetricMatchers,
  JestChaiExpect,
  JestExtend,
  setState,
} from '@vitest/expect';
import * as spy from '@vitest/spy';
import * as chai from 'chai';

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(ChaiStyleAssertions);
chai.use(JestAsymmetricMatchers);

const DEFAULT_TIMEOUT = 20_000; // the same as vitest.config.ts

function makeExpect() {
  const expect = (value, message) => {
    const { assertionCalls } = getState(expect);
    setState({ assertionCalls: assertionCalls + 1 }, expect);
    return chai.expect(value, message);
  };
  Object.assign(expect, chai.expect);
  Object.assign(expect, globalThis[ASYMMETRIC_MATCHERS_OBJECT]);
  expect.getState = () => getState(expect);
  expect.setState = (state) => setState(state, expect);
  setState(
    {
      assertionCalls: 0,
      isExpectingAssertions: false,
      isExpectingAssertionsError: null,
      expectedAssertionsNumber: null,
      expectedAssertionsNumberErrorGen: null,
    },
    expect,
  );
  expect.extend = (matchers) => chai.expect.extend(expect, matchers);
  expect.assertions = (n) => setState({ expectedAssertionsNumber: n }, expect);
  expect.hasAssertions = () => setState({ isExpectingAssertions: true }, expect);
  expect.unreachable = (message) => {
    chai.assert.fail(`expected${message ? ` "${message}" ` : ' '}not to be reached`);
  };
  expect.soft = () => {
    throw new Error('expect.soft is not supported by the matrix runner');
  };
  expect.poll = (fn, { interval = 50, timeout = 1000 } = {}) =>
    new Proxy(
      {},
      {
        get:
          (_t, key) =>
          async (...args) => {
            const deadline = Date.now() + timeout;
            for (;;) {
              try {
                return expect(await fn())[key](...args);
              } catch (error) {
                if (Date.now() > deadline) throw error;
                await new Promise((r) => setTimeout(r, interval));
              }
            }
          },
      },
    );
  return expect;
}

export const expect = makeExpect();
globalThis[GLOBAL_EXPECT] = expect;

const unsupported = (what) => () => {
  throw new Error(`${what} is not supported by the matrix runner (scripts/matrix/vitest-shim.mjs)`);
};

/** vitest's `vi`, as far as it can exist outside vitest's Node runner. */
export const vi = {
  fn: spy.fn,
  spyOn: spy.spyOn,
  isMockFunction: spy.isMockFunction,
  clearAllMocks: spy.clearAllMocks,
  resetAllMocks: spy.resetAllMocks,
  restoreAllMocks: spy.restoreAllMocks,
  async waitFor(fn, options = {}) {
    const { timeout = 1000, interval = 50 } =
      typeof options === 'number' ? { timeout: options } : options;
    const deadline = Date.now() + timeout;
    for (;;) {
      try {
        return await fn();
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((r) => setTimeout(r, interval));
      }
    }
  },
  async waitUntil(fn, options = {}) {
    const { timeout = 1000, interval = 50 } =
      typeof options === 'number' ? { timeout: options } : options;
    const deadline = Date.now() + timeout;
    for (;;) {
      const v = await fn();
      if (v) return v;
      if (Date.now() > deadline) throw new Error('vi.waitUntil timed out');
      await new Promise((r) => setTimeout(r, interval));
    }
  },
  useFakeTimers: unsupported('vi.useFakeTimers'),
  useRealTimers: () => vi,
  mock: unsupported('vi.mock'),
  doMock: unsupported('vi.doMock'),
  stubGlobal(name, value) {
    globalThis[name] = value;
    return vi;
  },
  unstubAllGlobals: () => vi,
};

// ---- collection ----
const root = { name: '', children: [], hooks: hooks(), mode: 'run' };
let current = root;

function hooks() {
  return { beforeAll: [], afterAll: [], beforeEach: [], afterEach: [] };
}

function format(name, args, index) {
  let i = 0;
  let out = String(name).replace(/%[sdifjo%#$]/g, (m) => {
    if (m === '%%') return '%';
    if (m === '%#') return String(index);
    if (m === '%$') return String(index + 1);
    const v = args[i++];
    if (m === '%d' || m === '%i') return String(Math.trunc(Number(v)));
    if (m === '%f') return String(Number(v));
    if (m === '%j' || m === '%o') return JSON.stringify(v);
    return typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v));
  });
  const obj = args[0];
  if (args.length === 1 && obj && typeof obj === 'object')
    out = out.replace(/\$([\w.]+)/g, (m, key) => (key in obj ? String(obj[key]) : m));
  return out;
}

function options(a, b) {
  if (typeof a === 'number') return { timeout: a };
  if (typeof b === 'number') return { timeout: b };
  if (a && typeof a === 'object') return a;
  return {};
}

function addSuite(mode, name, a, b) {
  const fn = typeof a === 'function' ? a : b;
  const opts = options(a, b);
  if (opts.skip) mode = 'skip';
  if (opts.only) mode = 'only';
  const suite = { name: String(name), children: [], hooks: hooks(), mode, parent: current, opts };
  current.children.push(suite);
  const prev = current;
  current = suite;
  try {
    const r = fn?.();
    if (r && typeof r.then === 'function')
      throw new Error('describe() callbacks must be synchronous (as in vitest)');
  } finally {
    current = prev;
  }
}

function addTest(mode, name, a, b) {
  const fn = typeof a === 'function' ? a : b;
  const opts = options(a, b);
  if (opts.skip) mode = 'skip';
  if (opts.only) mode = 'only';
  if (opts.fails) mode = mode === 'run' ? 'fails' : mode;
  current.children.push({ name: String(name), fn, mode: fn ? mode : 'todo', opts, test: true });
}

function api(add) {
  const make = (mode) => (name, a, b) => add(mode, name, a, b);
  const f = make('run');
  f.skip = make('skip');
  f.only = make('only');
  f.todo = (name) => add('todo', name);
  f.fails = (name, a, b) => add('fails', name, a, b);
  f.concurrent = f;
  f.sequential = f;
  f.skipIf = (cond) => (cond ? f.skip : f);
  f.runIf = (cond) => (cond ? f : f.skip);
  f.each =
    (table, ...rest) =>
    (name, a, b) => {
      let rows = table;
      if (
        Array.isArray(table) &&
        Array.isArray(table[0]) &&
        typeof table[0][0] === 'string' &&
        rest.length
      ) {
        throw new Error('tagged-template each is not supported by the matrix runner');
      }
      if (!Array.isArray(rows)) rows = [...rows];
      rows.forEach((row, i) => {
        const args = Array.isArray(row) ? row : [row];
        const fn = typeof a === 'function' ? a : b;
        const opts = typeof a === 'function' ? b : a;
        add('run', format(name, args, i), opts, fn && (() => fn(...args)));
      });
    };
  f.for = (table) => (name, a, b) => {
    [...table].forEach((row, i) => {
      const fn = typeof a === 'function' ? a : b;
      add('run', format(name, Array.isArray(row) ? row : [row], i), (ctx) => fn(row, ctx));
    });
  };
  return f;
}

export const describe = api(addSuite);
export const suite = describe;
export const it = api(addTest);
export const test = it;
export const beforeAll = (fn, timeout) => current.hooks.beforeAll.push({ fn, timeout });
export const afterAll = (fn, timeout) => current.hooks.afterAll.push({ fn, timeout });
export const beforeEach = (fn, timeout) => current.hooks.beforeEach.push({ fn, timeout });
export const afterEach = (fn, timeout) => current.hooks.afterEach.push({ fn, timeout });
let finishedCallbacks = [];
export const onTestFinished = (fn) => finishedCallbacks.push(fn);
export const onTestFailed = () => {};
export const assert = chai.assert;
/** Type-level assertions are checked by tsc, not at run time (in vitest too). */
const typeProxy = new Proxy(() => typeProxy, { get: () => typeProxy, apply: () => typeProxy });
export const expectTypeOf = () => typeProxy;
export const assertType = () => {};

// ---- running ----
class SkipSignal extends Error {}

// A rejection nobody handles fails the test during which it was reported (as vitest makes it
// fail the run). Not in workerd: there, stopping a fetch response's body while a read is
// pending (`reader.cancel()`, or aborting the fetch's signal, with every rejection handled)
// makes workerd itself report an unhandled "Stream was cancelled." / AbortError, so every
// test that closes a live stream would fail; the same code runs with detection in Node, Bun,
// Deno and Chromium.
const unhandled = [];
if (globalThis.navigator?.userAgent !== 'Cloudflare-Workers') {
  globalThis.addEventListener?.('unhandledrejection', (event) => {
    event.preventDefault?.();
    unhandled.push(event.reason);
  });
}
const takeUnhandled = () =>
  unhandled.length
    ? new Error(`unhandled rejection: ${unhandled.splice(0).map(errorText).join('; ')}`)
    : undefined;

function withTimeout(promiseOrValue, ms, what) {
  if (!promiseOrValue || typeof promiseOrValue.then !== 'function') return promiseOrValue;
  let timer;
  return Promise.race([
    promiseOrValue,
    new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function errorText(error) {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function chain(suite) {
  const out = [];
  for (let s = suite; s; s = s.parent) out.unshift(s);
  return out;
}

async function runTest(t, suite, names, results) {
  const fullName = [...names, t.name].join(' > ');
  const ctx = {
    expect,
    skip: () => {
      throw new SkipSignal();
    },
    signal: new AbortController().signal,
    task: { name: t.name },
    onTestFinished: (fn) => finishedCallbacks.push(fn),
  };
  finishedCallbacks = [];
  setState(
    {
      assertionCalls: 0,
      expectedAssertionsNumber: null,
      isExpectingAssertions: false,
    },
    expect,
  );
  let error;
  let skipped = false;
  const timeout = t.opts.timeout ?? DEFAULT_TIMEOUT;
  const suites = chain(suite);
  try {
    for (const s of suites)
      for (const h of s.hooks.beforeEach)
        await withTimeout(h.fn(ctx), h.timeout ?? DEFAULT_TIMEOUT, 'beforeEach');
    await withTimeout(t.fn(ctx), timeout, `test "${t.name}"`);
    const st = getState(expect);
    if (st.expectedAssertionsNumber !== null && st.assertionCalls !== st.expectedAssertionsNumber)
      throw new Error(
        `expected number of assertions to be ${st.expectedAssertionsNumber}, but got ${st.assertionCalls}`,
      );
    if (st.isExpectingAssertions && st.assertionCalls === 0)
      throw new Error('expected any number of assertion, but got none');
  } catch (e) {
    if (e instanceof SkipSignal) skipped = true;
    else error = e;
  }
  for (const s of [...suites].reverse())
    for (const h of [...s.hooks.afterEach].reverse()) {
      try {
        await withTimeout(h.fn(ctx), h.timeout ?? DEFAULT_TIMEOUT, 'afterEach');
      } catch (e) {
        error ??= e;
      }
    }
  for (const fn of finishedCallbacks.reverse()) {
    try {
      await fn();
    } catch (e) {
      error ??= e;
    }
  }
  await new Promise((r) => setTimeout(r, 0)); // let pending rejection reports arrive
  error ??= takeUnhandled();
  if (t.mode === 'fails') {
    error = error ? undefined : new Error('expected test to fail (it.fails)');
  }
  if (skipped) results.push({ name: fullName, status: 'skipped' });
  else if (error) results.push({ name: fullName, status: 'failed', error: errorText(error) });
  else results.push({ name: fullName, status: 'passed' });
}

function hasRunnable(node) {
  if (node.test) return node.mode !== 'skip' && node.mode !== 'todo';
  return node.mode !== 'skip' && node.children.some(hasRunnable);
}

// `.only` is treated as a plain run: committed tests never rely on it (vitest refuses
// it under CI), and running more is the honest direction.
async function runSuite(suite, names, results, skipAll) {
  const skipHere = skipAll || suite.mode === 'skip';
  const willRun = !skipHere && hasRunnable(suite);
  let setupError;
  if (willRun) {
    for (const h of suite.hooks.beforeAll) {
      try {
        await withTimeout(h.fn(), h.timeout ?? DEFAULT_TIMEOUT, 'beforeAll');
      } catch (e) {
        setupError = e;
        break;
      }
    }
  }
  for (const node of suite.children) {
    if (node.test) {
      const name = [...names, node.name].join(' > ');
      if (skipHere || node.mode === 'skip') results.push({ name, status: 'skipped' });
      else if (node.mode === 'todo') results.push({ name, status: 'todo' });
      else if (setupError) results.push({ name, status: 'failed', error: errorText(setupError) });
      else await runTest(node, suite, names, results);
    } else {
      await runSuite(node, [...names, node.name], results, skipHere);
    }
  }
  if (willRun)
    for (const h of [...suite.hooks.afterAll].reverse()) {
      try {
        await withTimeout(h.fn(), h.timeout ?? DEFAULT_TIMEOUT, 'afterAll');
      } catch (e) {
        results.push({
          name: [...names, '(afterAll)'].join(' > '),
          status: 'failed',
          error: errorText(e),
        });
      }
    }
}

/**
 * Runs every collected test, in order, and returns one record per test:
 * `{ name, status: 'passed' | 'failed' | 'skipped' | 'todo', error? }`.
 */
export async function __runCollected() {
  const results = [];
  try {
    await runSuite(root, [], results, false);
  } catch (e) {
    results.push({ name: '(runner)', status: 'failed', error: errorText(e) });
  }
  const late = takeUnhandled();
  if (late) results.push({ name: '(outside any test)', status: 'failed', error: errorText(late) });
  return results;
}

export default { describe, it, test, expect, vi };
