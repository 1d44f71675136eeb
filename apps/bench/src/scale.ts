import { type RunConfig, type SectionResult, unavailable } from './util';

/** Not written yet. */
export async function scaleBench(_cfg: RunConfig): Promise<SectionResult> {
  return unavailable('scale', 'benchmark not written yet');
}
