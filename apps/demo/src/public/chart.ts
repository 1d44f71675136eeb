/** One line of the chart: what it measures, on which axis, and its values (oldest first). */
export interface Series {
  /** Axis title, e.g. `events/s`. */
  label: string;
  color: string;
  /** Which vertical axis this series is read on: its own, so both keep their scale. */
  axis: 'left' | 'right';
  /** Whole numbers only (connections): ticks are integers. */
  integer?: boolean;
  values: number[];
}

/** The smallest "round" number (1, 2 or 5 times a power of ten) at or above `value`. */
export function niceCeiling(value: number, integer = false): number {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const nice = [1, 2, 5, 10].map((m) => m * power).find((n) => n >= value) ?? 10 * power;
  return integer ? Math.max(1, Math.ceil(nice)) : nice;
}

const MARGIN = { left: 46, right: 46, top: 20, bottom: 24 };
const FONT = '11px system-ui, sans-serif';

/**
 * A small live chart on a canvas with a labelled axis per side (events/s and
 * connections differ by orders of magnitude, so each has its own scale and ticks) and
 * a time axis in seconds before now. Kept to a fixed window so memory stays flat.
 */
export class LineChart {
  readonly #canvas: HTMLCanvasElement;
  readonly #window: number;
  readonly #intervalMs: number;

  /** `intervalMs` is the time between two samples, which the time axis is drawn from. */
  constructor(canvas: HTMLCanvasElement, intervalMs: number, window = 60) {
    this.#canvas = canvas;
    this.#intervalMs = intervalMs;
    this.#window = window;
  }

  /** Appends one sample per series and trims each series to the window. */
  push(series: Series[], samples: number[]): void {
    series.forEach((s, i) => {
      s.values.push(samples[i] ?? 0);
      if (s.values.length > this.#window) s.values.shift();
    });
    this.#canvas.dataset.samples = String(series[0]?.values.length ?? 0);
    this.draw(series);
  }

  /** Redraws axes and series at the canvas's device-pixel size. */
  draw(series: Series[]): void {
    const canvas = this.#canvas;
    const ratio = globalThis.devicePixelRatio || 1;
    const width = canvas.clientWidth || canvas.width;
    const height = canvas.clientHeight || canvas.height;
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = FONT;
    const plot = {
      x: MARGIN.left,
      y: MARGIN.top,
      w: width - MARGIN.left - MARGIN.right,
      h: height - MARGIN.top - MARGIN.bottom,
    };
    const yOf = (v: number, max: number) => plot.y + plot.h - (v / max) * plot.h;
    const xOf = (slot: number) => plot.x + (slot / Math.max(1, this.#window - 1)) * plot.w;

    // Grid and the time axis: round numbers of seconds before now (the newest sample).
    ctx.strokeStyle = '#eef1f5';
    ctx.lineWidth = 1;
    ctx.fillStyle = '#6b7280';
    ctx.textBaseline = 'top';
    const span = ((this.#window - 1) * this.#intervalMs) / 1000;
    const step = [1, 2, 5, 10, 15, 30, 60, 120, 300].find((s) => span / s <= 5) ?? 600;
    for (let ago = 0; ago <= span; ago += step) {
      const x = Math.round(xOf(this.#window - 1 - (ago * 1000) / this.#intervalMs)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(x, plot.y);
      ctx.lineTo(x, plot.y + plot.h);
      ctx.stroke();
      ctx.textAlign = ago === 0 ? 'right' : 'center';
      ctx.fillText(ago === 0 ? 'now' : `−${ago} s`, ago === 0 ? x + 6 : x, plot.y + plot.h + 6);
    }

    for (const axis of ['left', 'right'] as const) {
      const on = series.filter((s) => s.axis === axis);
      const first = on[0];
      if (!first) continue;
      const integer = on.every((s) => s.integer);
      const max = niceCeiling(Math.max(0, ...on.flatMap((s) => s.values)), integer);
      const x = axis === 'left' ? plot.x - 6 : plot.x + plot.w + 6;
      ctx.textAlign = axis === 'left' ? 'right' : 'left';
      ctx.textBaseline = 'middle';
      ctx.fillStyle = first.color;
      const ticks = tickCount(max, integer);
      for (let i = 0; i <= ticks; i++) {
        const value = (max * i) / ticks;
        const y = Math.round(yOf(value, max)) + 0.5;
        if (axis === 'left') {
          ctx.strokeStyle = '#eef1f5';
          ctx.beginPath();
          ctx.moveTo(plot.x, y);
          ctx.lineTo(plot.x + plot.w, y);
          ctx.stroke();
        }
        ctx.fillText(formatTick(value), x, y);
      }
      // Axis title above its ticks, in the series' colour.
      ctx.textBaseline = 'bottom';
      ctx.textAlign = axis === 'left' ? 'left' : 'right';
      ctx.fillText(
        on.map((s) => s.label).join(', '),
        axis === 'left' ? 4 : width - 4,
        MARGIN.top - 6,
      );
      for (const s of on) {
        const offset = this.#window - s.values.length;
        ctx.strokeStyle = s.color;
        ctx.lineWidth = 2;
        ctx.beginPath();
        s.values.forEach((v, i) => {
          const px = xOf(offset + i);
          const py = yOf(v, max);
          if (i === 0) ctx.moveTo(px, py);
          else ctx.lineTo(px, py);
        });
        ctx.stroke();
      }
    }
  }
}

/** How many steps divide `max` (1, 2 or 5 times a power of ten) into round values. */
function tickCount(max: number, integer: boolean): number {
  if (integer && max < 5) return max;
  return max / 10 ** Math.floor(Math.log10(max)) === 2 ? 4 : 5;
}

/** Tick labels: integers as they are, fractions with one decimal, thousands as `k`. */
function formatTick(value: number): string {
  if (value >= 1000) return `${(value / 1000).toFixed(value % 1000 === 0 ? 0 : 1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}
