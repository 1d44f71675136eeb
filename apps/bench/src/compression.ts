import { type RunConfig, type SectionResult, unavailable } from './util';

/** Not written yet. */
export async function compressionBench(_cfg: RunConfig): Promise<SectionResult> {
  return unavailable('compression', 'benchmark not written yet');
}
