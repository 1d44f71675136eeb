import type { Family, Labels } from './family';
import type { MetricsRegistry } from './registry';

/** The content type of the Prometheus text exposition format this package writes. */
export const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/** Escapes a label value: backslash, double quote and line feed, as the format requires. */
function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/** Escapes HELP text: backslash and line feed. */
function escapeHelp(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}="${escapeLabel(v)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length === 0 ? '' : `{${parts.join(',')}}`;
}

/** Formats a number the way Prometheus parses it (`+Inf`, `-Inf`, `NaN`). */
function num(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Number.POSITIVE_INFINITY) return '+Inf';
  if (value === Number.NEGATIVE_INFINITY) return '-Inf';
  return String(value);
}

/** Renders families in the text exposition format 0.0.4 (histograms with cumulative `le` buckets). */
export function prometheusText(families: readonly Family[]): string {
  const lines: string[] = [];
  for (const family of families) {
    lines.push(
      `# HELP ${family.name} ${escapeHelp(family.help)}`,
      `# TYPE ${family.name} ${family.type}`,
    );
    if (family.type === 'histogram') {
      for (const h of family.samples) {
        let cumulative = 0;
        h.bounds.forEach((bound, i) => {
          cumulative += h.counts[i]!;
          lines.push(
            `${family.name}_bucket${labelText(h.labels, ['le', num(bound)])} ${cumulative}`,
          );
        });
        lines.push(`${family.name}_bucket${labelText(h.labels, ['le', '+Inf'])} ${h.count}`);
        lines.push(`${family.name}_sum${labelText(h.labels)} ${num(h.sum)}`);
        lines.push(`${family.name}_count${labelText(h.labels)} ${h.count}`);
      }
    } else {
      for (const s of family.samples)
        lines.push(`${family.name}${labelText(s.labels)} ${num(s.value)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The part of a Node `ServerResponse` the handler writes to. */
interface NodeResponseLike {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

/**
 * A `/metrics` route for every binding: called as `(req, res)` with a Node response
 * (`node:http`, Express, `@sse/node` servers) it writes the answer; called with a
 * `Request`, a Hono context, or nothing, it returns a `Response` (`@sse/web`, Hono,
 * any fetch handler).
 */
export interface MetricsHandler {
  (req: unknown, res: NodeResponseLike): void;
  (request?: unknown): Response;
}

function isNodeResponse(value: unknown): value is NodeResponseLike {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as NodeResponseLike).writeHead === 'function' &&
    typeof (value as NodeResponseLike).end === 'function'
  );
}

/** Creates the `/metrics` handler for `registry`; each call reads the counters afresh. */
export function metrics(registry: MetricsRegistry): MetricsHandler {
  function handle(_req?: unknown, res?: unknown): Response | undefined {
    const body = prometheusText(registry.collect());
    if (isNodeResponse(res)) {
      res.writeHead(200, { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' });
      res.end(body);
      return undefined;
    }
    return new Response(body, {
      status: 200,
      headers: { 'Content-Type': PROMETHEUS_CONTENT_TYPE, 'Cache-Control': 'no-store' },
    });
  }
  return handle as MetricsHandler;
}
