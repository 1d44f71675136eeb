/** One line of the chart: its values (oldest first) and its colour. */
export interface Series {
  values: number[];
  color: string;
}

/**
 * Draws a small live line chart on a canvas: each series is scaled to its own
 * maximum (events/s and connections differ by orders of magnitude) and labelled with
 * its latest value. Kept to a fixed window so memory stays flat.
 */
export class LineChart {
  readonly #canvas: HTMLCanvasElement;
  readonly #window: number;

  constructor(canvas: HTMLCanvasElement, window = 60) {
    this.#canvas = canvas;
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

  /** Redraws every series at the canvas's device-pixel size. */
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
    const pad = 8;
    ctx.strokeStyle = '#eef1f5';
    ctx.lineWidth = 1;
    for (let i = 1; i < 4; i++) {
      const y = Math.round((height * i) / 4) + 0.5;
      ctx.beginPath();
      ctx.moveTo(0, y);
      ctx.lineTo(width, y);
      ctx.stroke();
    }
    const step = (width - pad * 2) / Math.max(1, this.#window - 1);
    series.forEach((s, index) => {
      const max = Math.max(1, ...s.values) * 1.15;
      const offset = this.#window - s.values.length;
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      s.values.forEach((v, i) => {
        const x = pad + (offset + i) * step;
        const y = height - pad - (v / max) * (height - pad * 2);
        if (i === 0) ctx.moveTo(x, y);
        else ctx.lineTo(x, y);
      });
      ctx.stroke();
      const last = s.values.at(-1);
      if (last !== undefined) {
        ctx.fillStyle = s.color;
        ctx.font = '12px system-ui, sans-serif';
        ctx.fillText(
          `${Number.isInteger(last) ? last : last.toFixed(1)}`,
          pad + 2,
          14 + index * 14,
        );
      }
    });
  }
}
