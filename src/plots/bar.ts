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
  /** Horizontal bars (default false). */
  horizontal?: boolean;
  /** Symmetric error bars, one per bar (e.g. the sd over seeds); NaN for none. */
  errors?: ArrayLike<number>;
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
  const horizontal = opts.horizontal ?? false;
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
  const layout = {
    ...baseLayout(opts, { height: 400 }),
    xaxis: horizontal ? valueAxis : catAxis,
    yaxis: horizontal ? catAxis : valueAxis,
    showlegend: false,
    bargap: 0.2,
  };
  return { data: [trace], layout, config: defaultConfig() };
}
