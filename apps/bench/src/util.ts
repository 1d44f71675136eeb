import { execSync } from 'node:child_process';
import { cpus, loadavg, totalmem } from 'node:os';

/** How big a run is: `quick` is the CI smoke check, `full` the published numbers. */
export interface RunConfig {
  readonly quick: boolean;
  /** Repetitions per measurement; the median is reported so noise shows as spread. */
  readonly reps: number;
}

/** One printed table of a section. */
export interface Table {
  readonly title: string;
  readonly columns: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** A ratio "ours / theirs" with the target, when there is one. */
export interface Ratio {
  readonly name: string;
  /** Higher is better for ours; `null` when one side was not available. */
  readonly value: number | null;
  readonly target?: number;
  /** `lower` for cost ratios (memory, CPU: ours / theirs, lower is better). */
  readonly better?: 'higher' | 'lower';
  /**
   * What a target is measured against: the floor (the least work any implementation
   * must do) and, when measured, the same ratio for the floor itself, so a target the
   * floor cannot meet shows as such. Printed as given, e.g. `write floor: 0.74x`.
   */
  readonly floor?: string;
}

/** Prints the floor column of a ratio: `<name>: <the floor's own ratio>`, or the name alone. */
export function floorOf(name: string, value?: number | null): string {
  return value === undefined ? name : `${name}: ${ratio(value)}`;
}

/** Prints a ratio's target the way it reads: `>= 1.5x` or `<= 1.25x`. */
export function target(r: Ratio): string {
  if (r.target === undefined) return '';
  return `${r.better === 'lower' ? '<=' : '>='} ${r.target}x`;
}

/** A section's ratio table: each comparison, its ratio and the target it is held to. */
export function ratioTable(title: string, ratios: readonly Ratio[]): Table {
  return {
    title,
    columns: ['comparison', 'ratio', 'target', 'floor'],
    rows: ratios.map((r) => [r.name, ratio(r.value), target(r), r.floor ?? '']),
  };
}

/** What every benchmark section returns: tables to print, ratios, raw data for the JSON. */
export interface SectionResult {
  readonly name: string;
  readonly tables: readonly Table[];
  readonly ratios: readonly Ratio[];
  readonly notes: readonly string[];
  readonly data: unknown;
  /** Set when the section could not run at all (a package has not landed, a tool is missing). */
  readonly unavailable?: string;
}

/** The median: robust against the odd slow repetition on a shared machine. */
export function median(values: readonly number[]): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A percentile by nearest rank, for latency distributions. */
export function percentile(values: readonly number[], p: number): number {
  if (!values.length) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** The spread of repetitions as min..max, so a reader can judge the noise. */
export function spread(values: readonly number[], digits = 0): string {
  if (values.length < 2) return '';
  return `${fmt(Math.min(...values), digits)}..${fmt(Math.max(...values), digits)}`;
}

/**
 * `median(a) - median(base)`, or `null` when the two measurements overlap: when the
 * fastest run of `a` is not slower than the slowest run of `base`, the difference is
 * within the noise and any ratio built on it (up to a negative one) would be made up.
 */
export function resolvedDifference(a: readonly number[], base: readonly number[]): number | null {
  if (!a.length || !base.length) return null;
  if (Math.min(...a) <= Math.max(...base)) return null;
  return median(a) - median(base);
}

/** `a / b` when both are known and positive (and the ratio finite and above 0), else `null` (printed as n/a). */
export function positiveRatio(a: number | null, b: number | null): number | null {
  if (a === null || b === null || !(a > 0 && b > 0)) return null;
  const r = a / b;
  return Number.isFinite(r) && r > 0 ? r : null;
}

/** Formats a number with thousands separators and fixed decimals. */
export function fmt(value: number | null | undefined, digits = 0): string {
  if (value === null || value === undefined || Number.isNaN(value)) return 'n/a';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
}

/** Formats a ratio as `1.23x`, or `n/a`. */
export function ratio(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return 'n/a';
  return `${value.toFixed(2)}x`;
}

/** The machine the numbers came from: without it a number means nothing. */
export function machine(): Record<string, string | number> {
  let kernel = '';
  try {
    kernel = execSync('uname -sr', { encoding: 'utf8' }).trim();
  } catch {}
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    os: kernel,
    loadAverage: loadavg()
      .map((x) => x.toFixed(2))
      .join(' '),
  };
}

/** Runs `fn` and returns the elapsed wall time in milliseconds. */
export async function timeMs(fn: () => unknown): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/**
 * Times each entrant `reps` times, after one warm-up repetition that is not kept, and
 * returns the times in ms by entrant name. The order rotates each repetition so no
 * entrant always runs first (or after GC debt). An entrant without a run (`null`: its
 * package is missing) is skipped and gets no times.
 */
export async function timeRotated<F>(
  entrants: readonly (readonly [string, F | null])[],
  reps: number,
  run: (name: string, entrant: F) => unknown,
): Promise<Map<string, number[]>> {
  const times = new Map<string, number[]>(entrants.map(([name]) => [name, []]));
  for (let rep = 0; rep <= reps; rep++) {
    for (let k = 0; k < entrants.length; k++) {
      const [name, entrant] = entrants[(k + rep) % entrants.length]!;
      if (entrant === null) continue;
      const ms = await timeMs(() => run(name, entrant));
      if (rep > 0) times.get(name)!.push(ms); // repetition 0 is the warm-up
    }
  }
  return times;
}

/**
 * Counts complete SSE frames in a byte stream: each "\n\n" (blank-line terminator),
 * including one split across two chunks. Returns a function that takes the next chunk
 * and returns how many frames it completed.
 */
export function frameCounter(): (chunk: Uint8Array) => number {
  let prevNewline = false;
  return (chunk) => {
    let frames = 0;
    for (let k = chunk.indexOf(10); k !== -1; k = chunk.indexOf(10, k + 1))
      if (k === 0 ? prevNewline : chunk[k - 1] === 10) frames++;
    prevNewline = chunk[chunk.length - 1] === 10;
    return frames;
  };
}

/** Lets pending I/O and timers run: used between rounds of a load loop. */
export const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits until `predicate` holds, polling, or throws after `timeoutMs`. */
export async function waitFor(
  predicate: () => boolean,
  timeoutMs: number,
  what: string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

/** A section that could not run, reported as such: never a made-up number. */
export function unavailable(name: string, reason: string): SectionResult {
  return { name, tables: [], ratios: [], notes: [], data: null, unavailable: reason };
}

/** Imports a module by name, or returns null with the reason (a package not built yet). */
export async function tryImport(name: string): Promise<Record<string, unknown> | null> {
  try {
    return (await import(name)) as Record<string, unknown>;
  } catch {
    return null;
  }
}
