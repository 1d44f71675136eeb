import type { ContentEncoding } from './options';

/**
 * Picks the first coding of `offered` (server preference order) that the client's
 * `Accept-Encoding` allows with q > 0, or undefined for identity. `*` counts.
 */
export function negotiateEncoding(
  acceptEncoding: string | null | undefined,
  offered: readonly ContentEncoding[],
): ContentEncoding | undefined {
  if (!acceptEncoding || offered.length === 0) return undefined;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    let weight = 1;
    for (const p of params) {
      const [k, v] = p.trim().split('=');
      if (k === 'q' && v !== undefined) weight = Number(v) || 0;
    }
    if (name) q.set(name, weight);
  }
  for (const coding of offered) {
    const weight = q.get(coding) ?? q.get('*');
    if (weight !== undefined && weight > 0) return coding;
  }
  return undefined;
}
