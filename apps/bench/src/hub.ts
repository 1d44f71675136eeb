import { type RunConfig, type SectionResult, unavailable } from './util';

/** Not written yet. */
export async function hubBench(_cfg: RunConfig): Promise<SectionResult> {
  return unavailable('hub', 'benchmark not written yet');
}
