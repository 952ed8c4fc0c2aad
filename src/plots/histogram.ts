import { axis, baseLayout, classColor, defaultConfig, roundTo, withAlpha, type CommonOptions, type Figure } from './figure.js';

/** Pre-binned data: `counts[i]` values fall in `[edges[i], edges[i + 1])`. */
export interface Bins {
  /** `counts.length + 1` increasing bin edges. */
  edges: ArrayLike<number>;
  counts: ArrayLike<number>;
}

/** One named series of a {@link histogram}: raw values (binned here) or precomputed bins. */
export type HistogramSeries =
  | { name: string; values: ArrayLike<number>; color?: string }
  | { name: string; bins: Bins; color?: string };

/** Options of {@link histogram}. */
export interface HistogramOptions extends CommonOptions {
  series: readonly HistogramSeries[];
  /** Number of equal-width bins for raw values (default 50). */
  nBins?: number;
  /** Range of the bins for raw values (default: min..max over every raw series). */
  range?: readonly [number, number];
  /** `'count'` (default) or `'probability'` (each series sums to 1). */
  normalize?: 'count' | 'probability';
  xTitle?: string;
  yTitle?: string;
  /** Logarithmic y axis (default false): useful for pixel intensities, dominated by zeros. */
  logY?: boolean;
}

/**
 * Bins `values` into `nBins` equal-width bins over `[lo, hi]` (the last bin includes `hi`;
 * values outside the range and non-finite values are skipped). Use it to precompute bins of
 * large data (e.g. 47 M pixel intensities) so the figure only carries `nBins` numbers.
 * @throws RangeError for nBins < 1 or an empty/invalid range.
 * @example binValues(new Float32Array([0, 0.5, 1]), 2, 0, 1).counts // [1, 2]
 */
export function binValues(values: ArrayLike<number>, nBins: number, lo: number, hi: number): { edges: Float64Array; counts: Float64Array } {
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`binValues: nBins must be an integer >= 1, got ${nBins}.`);
  if (!Number.isFinite(lo) || !Number.isFinite(hi) || !(hi >= lo)) {
    throw new RangeError(`binValues: range must be finite with lo <= hi, got [${lo}, ${hi}].`);
  }
  if (hi === lo) { lo -= 0.5; hi += 0.5; }
  const edges = new Float64Array(nBins + 1);
  for (let i = 0; i <= nBins; i++) edges[i] = lo + ((hi - lo) * i) / nBins;
  const counts = new Float64Array(nBins);
  const scale = nBins / (hi - lo);
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!(v >= lo && v <= hi)) continue; // also skips NaN
    let b = Math.floor((v - lo) * scale);
    if (b >= nBins) b = nBins - 1;
    counts[b]!++;
  }
  return { edges, counts };
}

/**
 * A histogram of one or more series (e.g. pixel intensities, prediction confidence of correct
 * vs. wrong predictions). Binning happens here, so the figure holds only bin counts however
 * large the data; several series are overlaid semi-transparently with shared bins.
 * @throws RangeError for no series, bad bins or a bad range.
 * @example histogram({ title: 'Pixel intensities', series: [{ name: 'train', values: X.data }], logY: true })
 */
export function histogram(opts: HistogramOptions): Figure {
  if (!Array.isArray(opts.series) || opts.series.length === 0) {
    throw new RangeError('histogram: series must contain at least one { name, values } or { name, bins } series, got none.');
  }
  const nBins = opts.nBins ?? 50;
  if (!Number.isInteger(nBins) || nBins < 1) throw new RangeError(`histogram: nBins must be an integer >= 1, got ${nBins}.`);
  let range = opts.range;
  if (range === undefined) {
    let lo = Infinity, hi = -Infinity;
    for (const s of opts.series) {
      if (!('values' in s)) continue;
      for (let i = 0; i < s.values.length; i++) {
        const v = s.values[i]!;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    range = Number.isFinite(lo) ? [lo, hi] : [0, 1];
  }
  const normalize = opts.normalize ?? 'count';
  if (normalize !== 'count' && normalize !== 'probability') {
    throw new RangeError(`histogram: normalize must be 'count' or 'probability', got '${String(normalize)}'.`);
  }
  const overlay = opts.series.length > 1;
  const data = opts.series.map((s, si) => {
    const bins = 'values' in s ? binValues(s.values, nBins, range[0], range[1]) : s.bins;
    if (bins.edges.length !== bins.counts.length + 1) {
      throw new RangeError(`histogram: series '${s.name}' has ${bins.counts.length} counts but ${bins.edges.length} edges; expected counts + 1 edges.`);
    }
    let total = 0;
    for (let i = 0; i < bins.counts.length; i++) total += bins.counts[i]!;
    const div = normalize === 'probability' && total > 0 ? total : 1;
    const x: number[] = [], width: number[] = [], y: (number | null)[] = [];
    for (let i = 0; i < bins.counts.length; i++) {
      const a = bins.edges[i]!, b = bins.edges[i + 1]!;
      if (!(b > a)) throw new RangeError(`histogram: series '${s.name}' edges must increase, got ${a} then ${b} at index ${i}.`);
      x.push(roundTo((a + b) / 2, 9)!);
      width.push(roundTo(b - a, 9)!);
      y.push(roundTo(bins.counts[i]! / div, 8));
    }
    const color = s.color ?? classColor(si);
    return {
      type: 'bar',
      name: s.name,
      x,
      y,
      width,
      marker: { color: overlay ? withAlpha(color, 0.55) : color, line: { width: 0 } },
      hovertemplate: `%{x}: %{y}<extra>${s.name.replace(/[<>&]/g, '')}</extra>`,
    } as Record<string, unknown>;
  });
  const layout = {
    ...baseLayout(opts, { height: 380 }),
    xaxis: axis(opts.xTitle),
    yaxis: axis(opts.yTitle ?? (normalize === 'probability' ? 'fraction' : 'count'), opts.logY ? { type: 'log' } : { rangemode: 'tozero' }),
    barmode: 'overlay',
    bargap: 0,
    showlegend: overlay,
    legend: { orientation: 'h', x: 1, xanchor: 'right', y: 1.02, yanchor: 'bottom' },
  };
  return { data, layout, config: defaultConfig() };
}
