/**
 * The figure type every builder returns, the shared colour palette and small helpers.
 *
 * Builders are pure: plain data in, a JSON-serialisable Plotly spec out. They know nothing of
 * tslab or the browser; `src/notebook/display.ts` renders them. Values are plain `number[]`
 * (never typed arrays, which `JSON.stringify` turns into objects) and are rounded so figures
 * stay small in exported HTML.
 */

/** A Plotly figure spec: what `Plotly.newPlot(div, data, layout, config)` takes. */
export interface Figure {
  /** Plotly traces. */
  data: Record<string, unknown>[];
  /** Plotly layout (title, axes, annotations, shapes, size). */
  layout: Record<string, unknown>;
  /** Plotly config (e.g. `{ responsive: true }`). */
  config?: Record<string, unknown>;
}

/**
 * The one palette of 10 class colours used by every figure (matplotlib's tab10 / d3
 * category10): class or cluster `k` is always `CLASS_COLORS[k % 10]`.
 */
export const CLASS_COLORS: readonly string[] = Object.freeze([
  '#1f77b4', // blue
  '#ff7f0e', // orange
  '#2ca02c', // green
  '#d62728', // red
  '#9467bd', // purple
  '#8c564b', // brown
  '#e377c2', // pink
  '#7f7f7f', // grey
  '#bcbd22', // olive
  '#17becf', // cyan
]);

/** The palette colour of class / cluster / series `k` (wraps after 10). */
export function classColor(k: number): string {
  const n = CLASS_COLORS.length;
  return CLASS_COLORS[((Math.trunc(k) % n) + n) % n]!;
}

/** `#rrggbb` plus an alpha in [0, 1] as `rgba(r,g,b,a)`. */
export function withAlpha(hex: string, alpha: number): string {
  const m = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex);
  if (!m) return hex;
  return `rgba(${parseInt(m[1]!, 16)},${parseInt(m[2]!, 16)},${parseInt(m[3]!, 16)},${alpha})`;
}

/** Options every builder accepts. */
export interface CommonOptions {
  /** Figure title. */
  title?: string;
  /** Figure height in pixels (default depends on the builder). */
  height?: number;
  /** Figure width in pixels; default: the container's width. */
  width?: number;
}

/** Rounds to `digits` significant decimals (keeps JSON short); non-finite values become null. */
export function roundTo(v: number, digits: number): number | null {
  if (!Number.isFinite(v)) return null;
  if (digits < 0) return v;
  const f = 10 ** digits;
  const r = Math.round(v * f) / f;
  return r === 0 ? 0 : r; // no "-0"
}

/** Copies an array-like of numbers into a plain array, rounded to `digits` (negative: exact). */
export function toPlainArray(values: ArrayLike<number>, digits = -1): (number | null)[] {
  const out = new Array<number | null>(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Number(values[i]);
    out[i] = digits < 0 ? (Number.isFinite(v) ? v : null) : roundTo(v, digits);
  }
  return out;
}

/**
 * Formats a number for tables and annotations: integers as-is with thousands separators off,
 * others with `digits` decimals; `null`/`undefined`/non-finite as an em dash.
 */
export function formatNumber(v: unknown, digits = 3): string {
  if (v === null || v === undefined) return '—';
  if (typeof v !== 'number') return String(v);
  if (!Number.isFinite(v)) return Number.isNaN(v) ? '—' : v > 0 ? '∞' : '−∞';
  if (Number.isInteger(v)) return String(v);
  return v.toFixed(digits);
}

/** Layout pieces shared by every builder: title, margins, font, white background. */
export function baseLayout(opts: CommonOptions, defaults: { height: number }): Record<string, unknown> {
  const layout: Record<string, unknown> = {
    height: opts.height ?? defaults.height,
    margin: { l: 60, r: 20, t: opts.title ? 50 : 20, b: 50 },
    font: { family: 'Helvetica, Arial, sans-serif', size: 12 },
    plot_bgcolor: '#ffffff',
    paper_bgcolor: '#ffffff',
  };
  if (opts.title) layout.title = { text: opts.title, x: 0.02, xanchor: 'left' };
  if (opts.width !== undefined) layout.width = opts.width;
  return layout;
}

/** An axis spec with a title and light grid lines. */
export function axis(title: string | undefined, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    ...(title ? { title: { text: title } } : {}),
    gridcolor: '#e5e5e5',
    zerolinecolor: '#cccccc',
    automargin: true,
    ...extra,
  };
}

/** Default Plotly config: responsive, no logo, PNG download at 2× scale. */
export function defaultConfig(): Record<string, unknown> {
  return { responsive: true, displaylogo: false, toImageButtonOptions: { format: 'png', scale: 2 } };
}

/** @throws TypeError naming the parameter unless `names` is an array of strings of length >= n. */
export function checkNames(name: string, names: readonly string[] | undefined, n: number): void {
  if (names === undefined) return;
  if (!Array.isArray(names) || names.some((s) => typeof s !== 'string')) {
    throw new TypeError(`${name} must be an array of strings, got ${JSON.stringify(names)}.`);
  }
  if (names.length < n) {
    throw new RangeError(`${name} must name at least ${n} entries, got ${names.length}; pass one name per class/cluster.`);
  }
}

/**
 * Escapes JSON for embedding in an HTML `<script>`: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\uXXXX` escapes (legal only inside JSON strings, which is the only place they can occur).
 */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
  if (json === undefined) throw new TypeError('scriptSafeJson: value is not JSON-serialisable.');
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
