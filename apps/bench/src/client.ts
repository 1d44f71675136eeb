import { type RunConfig, type SectionResult, unavailable } from './util';

/** Not written yet. */
export async function clientBench(_cfg: RunConfig): Promise<SectionResult> {
  return unavailable('client', 'benchmark not written yet');
}
