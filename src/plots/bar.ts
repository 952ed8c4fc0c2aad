import { checkNames, axis, baseLayout, classColor, defaultConfig, roundTo, type CommonOptions, type Figure } from './figure.js';

/** Options of {@link barChart}. */
export interface BarChartOptions extends CommonOptions {
  /** One label per bar (e.g. class names). */
  categories: readonly string[];
  /** One value per bar. */
  values: ArrayLike<number>;
  /** X axis title. */
  xTitle?: string;
  /** Y axis title (default `'count'`). */
  yTitle?: string;
  /** Bar colours: one per bar, or `'class'` (default) for `CLASS_COLORS[i]`, or one colour for all. */
  colors?: readonly string[] | 'class' | string;
  /** Print each value above its bar (default true). */
  showValues?: boolean;
  /** Decimals of the printed values (default 0 for integers, else 3). */
  digits?: number;
  /**
   * Bar direction. Allowed values:
   * - `'auto'` (default): vertical, unless the category labels would not fit side by side in
   *   {@link AUTO_HORIZONTAL_WIDTH} pixels (many or long labels, e.g. the summary's pipelines with
   *   their settings): then horizontal, one label per row, the chart as tall as its rows need;
   * - `true`: horizontal bars; `false`: vertical bars.
   */
  horizontal?: boolean | 'auto';
  /** Symmetric error bars, one per bar (e.g. the sd over seeds); NaN for none. */
  errors?: ArrayLike<number>;
}

/** The width (px) that {@link BarChartOptions.horizontal} `'auto'` assumes the labels share. */
export const AUTO_HORIZONTAL_WIDTH = 900;
/** Approximate width of one character of a tick label at the figures' 12 px font. */
const CHAR_PX = 6;
/** Rows of horizontal bars: pixels per label line, plus a gap. */
const LINE_PX = 17;
const ROW_GAP_PX = 12;

/** The lines of a category label (Plotly breaks lines at `<br>`). */
function labelLines(label: string): string[] {
  return label.split(/<br\s*\/?>/i);
}

/** Whether `'auto'` lays these categories out horizontally: their widest lines side by side exceed the width. */
export function wantsHorizontalBars(categories: readonly string[], width = AUTO_HORIZONTAL_WIDTH): boolean {
  const total = categories.reduce((sum, c) => sum + Math.max(40, CHAR_PX * Math.max(...labelLines(c).map((l) => l.length)) + 8), 0);
  return total > width;
}

/**
 * A bar chart, e.g. class counts. Bars are coloured with the shared class palette by default.
 * @throws RangeError when `values` and `categories` differ in length.
 * @example barChart({ title: 'Class counts', categories: CLASS_NAMES, values: counts })
 */
export function barChart(opts: BarChartOptions): Figure {
  const n = opts.categories.length;
  checkNames('barChart: categories', opts.categories, 0);
  if (opts.values.length !== n) {
    throw new RangeError(`barChart: values has ${opts.values.length} entries but categories has ${n}; pass one value per category.`);
  }
  const values = Array.from(opts.values, Number);
  const allInt = values.every((v) => Number.isInteger(v));
  const digits = opts.digits ?? (allInt ? 0 : 3);
  const colorsOpt = opts.colors ?? 'class';
  let color: string | string[];
  if (colorsOpt === 'class') color = values.map((_, i) => classColor(i));
  else if (typeof colorsOpt === 'string') color = colorsOpt;
  else {
    if (colorsOpt.length !== n) throw new RangeError(`barChart: colors has ${colorsOpt.length} entries but there are ${n} bars.`);
    color = [...colorsOpt];
  }
  const horizontalOpt = opts.horizontal ?? 'auto';
  const horizontal = horizontalOpt === 'auto' ? wantsHorizontalBars(opts.categories) : horizontalOpt;
  const cats = [...opts.categories];
  const vals = values.map((v) => roundTo(v, 6)); // bar heights: exact enough, short JSON
  const trace: Record<string, unknown> = {
    type: 'bar',
    x: horizontal ? vals : cats,
    y: horizontal ? cats : vals,
    orientation: horizontal ? 'h' : 'v',
    marker: { color },
    hovertemplate: horizontal ? '%{y}: %{x}<extra></extra>' : '%{x}: %{y}<extra></extra>',
  };
  if (opts.errors !== undefined) {
    if (opts.errors.length !== n) throw new RangeError(`barChart: errors has ${opts.errors.length} entries but there are ${n} bars.`);
    const e = Array.from(opts.errors, (v) => (Number.isFinite(v) ? roundTo(Number(v), 6) : 0));
    trace[horizontal ? 'error_x' : 'error_y'] = { type: 'data', array: e, visible: true, color: '#333' };
  }
  if (opts.showValues ?? true) {
    trace.text = values.map((v) => (Number.isFinite(v) ? v.toFixed(digits) : ''));
    trace.textposition = 'outside';
    trace.cliponaxis = false;
  }
  const valueAxis = axis(opts.yTitle ?? 'count', { rangemode: 'tozero' });
  const catAxis = axis(opts.xTitle, { type: 'category', ...(horizontal ? { autorange: 'reversed' } : {}) });
  // Horizontal bars: each row as tall as its label's lines, so labels never overlap.
  const lines = Math.max(1, ...opts.categories.map((c) => labelLines(c).length));
  const rowsHeight = 110 + n * (lines * LINE_PX + ROW_GAP_PX);
  const layout = {
    ...baseLayout(opts, { height: horizontal ? Math.max(400, rowsHeight) : 400 }),
    xaxis: horizontal ? valueAxis : catAxis,
    yaxis: horizontal ? catAxis : valueAxis,
    showlegend: false,
    bargap: 0.2,
  };
  return { data: [trace], layout, config: defaultConfig() };
}
