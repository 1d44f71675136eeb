/** Label names and values of one series; values are bounded sets chosen by the code. */
export type Labels = Readonly<Record<string, string>>;

/** One value of a counter or gauge. */
export interface Sample {
  labels: Labels;
  value: number;
}

/** One histogram series: counts per bucket (not cumulative; the last slot is `+Inf`). */
export interface HistogramSample {
  labels: Labels;
  /** Upper bounds of the finite buckets, ascending. */
  bounds: readonly number[];
  counts: readonly number[];
  sum: number;
  count: number;
}

/**
 * One metric with its series, as read at collection time: the shape both exports
 * (Prometheus text, OpenTelemetry observations) render from, so they agree.
 */
export type Family =
  | {
      /** Prometheus name, with its unit and `_total` suffix (`sse_events_sent_total`). */
      name: string;
      /** OpenTelemetry instrument name (`sse.events.sent`). */
      otelName: string;
      help: string;
      /** UCUM unit for OpenTelemetry (`1`, `By`, `s`). */
      unit: string;
      type: 'counter' | 'gauge';
      samples: Sample[];
    }
  | {
      name: string;
      otelName: string;
      help: string;
      unit: string;
      type: 'histogram';
      samples: HistogramSample[];
    };

/** Adds `value` to the sample with the same labels, or appends a new one. */
export function addSample(samples: Sample[], labels: Labels, value: number): void {
  const key = labelKey(labels);
  for (const sample of samples) {
    if (labelKey(sample.labels) === key) {
      sample.value += value;
      return;
    }
  }
  samples.push({ labels, value });
}

/** A stable key for a label set, to merge sources that share labels. */
export function labelKey(labels: Labels): string {
  return JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** A counter or gauge family. */
export type ScalarFamily = Extract<Family, { type: 'counter' | 'gauge' }>;
