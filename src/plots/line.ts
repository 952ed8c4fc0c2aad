import { axis, baseLayout, classColor, defaultConfig, toPlainArray, type CommonOptions, type Figure } from './figure.js';

/** One named line of a {@link lineChart}. */
export interface LineSeries {
  /** Legend name (e.g. `'train'`, `'val'`). */
  name: string;
  /** Y values. */
  y: ArrayLike<number>;
  /** X values (default 1..n, e.g. epochs or k). Must have the same length as `y`. */
  x?: ArrayLike<number>;
  /** Line colour (default: the palette colour of the series' index). */
  color?: string;
  /** Dashed line (default false). */
  dash?: boolean;
}

/** Options of {@link lineChart}. */
export interface LineChartOptions extends CommonOptions {
  series: readonly LineSeries[];
  xTitle?: string;
  yTitle?: string;
  /** Draw a marker at each point (default true when a series has <= 50 points). */
  markers?: boolean;
  /** Logarithmic y axis (default false). */
  logY?: boolean;
  /** Integer ticks on the x axis (default true when every x is an integer, e.g. epochs or k): one tick per value up to a span of 20. */
  integerX?: boolean;
  /** Vertical marker lines, e.g. the chosen k of an elbow plot. */
  vlines?: readonly { x: number; label?: string }[];
}

/**
 * A line chart of one or more named series: SSE elbow curves, train/validation loss curves.
 * @throws RangeError when there is no series or a series' `x` and `y` lengths differ.
 * @example lineChart({ title: 'Loss', xTitle: 'epoch', yTitle: 'BCE',
 *   series: [{ name: 'train', y: trainLoss }, { name: 'val', y: valLoss }] })
 */
export function lineChart(opts: LineChartOptions): Figure {
  if (!Array.isArray(opts.series) || opts.series.length === 0) {
    throw new RangeError('lineChart: series must contain at least one { name, y } series, got none.');
  }
  let allIntX = true;
  let xMin = Infinity, xMax = -Infinity;
  const data = opts.series.map((s, i) => {
    if (s.x !== undefined && s.x.length !== s.y.length) {
      throw new RangeError(`lineChart: series '${s.name}' has ${s.x.length} x values but ${s.y.length} y values; they must match.`);
    }
    const x = s.x !== undefined ? toPlainArray(s.x) : Array.from({ length: s.y.length }, (_, j) => j + 1);
    for (const v of x) {
      if (v === null || !Number.isInteger(v)) allIntX = false;
      else { xMin = Math.min(xMin, v); xMax = Math.max(xMax, v); }
    }
    const markers = opts.markers ?? s.y.length <= 50;
    return {
      type: 'scatter',
      mode: markers ? 'lines+markers' : 'lines',
      name: s.name,
      x,
      y: toPlainArray(s.y, 6),
      line: { color: s.color ?? classColor(i), width: 2, ...(s.dash ? { dash: 'dash' } : {}) },
      marker: { size: 6 },
      hovertemplate: '%{y}',
    } as Record<string, unknown>;
  });
  const integerX = opts.integerX ?? allIntX;
  const shapes: Record<string, unknown>[] = [];
  const annotations: Record<string, unknown>[] = [];
  for (const v of opts.vlines ?? []) {
    shapes.push({ type: 'line', xref: 'x', yref: 'paper', x0: v.x, x1: v.x, y0: 0, y1: 1, line: { color: '#555', width: 1, dash: 'dot' } });
    if (v.label) annotations.push({ xref: 'x', yref: 'paper', x: v.x, y: 1, yanchor: 'bottom', text: v.label, showarrow: false, font: { size: 11 } });
  }
  const layout = {
    ...baseLayout(opts, { height: 400 }),
    // Integer x (epochs, k): one tick per value on short ranges, never fractional labels.
    xaxis: axis(opts.xTitle, integerX && xMax - xMin <= 20 ? { dtick: 1 } : integerX ? { tickformat: 'd', nticks: 12 } : {}),
    yaxis: axis(opts.yTitle, opts.logY ? { type: 'log' } : {}),
    showlegend: opts.series.length > 1,
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom' },
    hovermode: 'x unified',
    shapes,
    annotations,
  };
  return { data, layout, config: defaultConfig() };
}

