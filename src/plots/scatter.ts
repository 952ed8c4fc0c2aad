import { axis, baseLayout, classColor, defaultConfig, type CommonOptions, type Figure } from './figure.js';

/** n points in 2-D, row-major (`data[2i]`, `data[2i + 1]`), e.g. the `projected` Matrix of `pca2d`. */
export interface Points2D {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Options of {@link scatter2d}. */
export interface Scatter2dOptions extends CommonOptions {
  /** n × 2 points. */
  points: Points2D;
  /** One label per point (class or cluster id, 0-based integers). */
  labels: ArrayLike<number>;
  /** Legend name of each label value (e.g. `CLASS_NAMES`); default `cluster k` / `class k`. */
  names?: readonly string[];
  /** What the labels are, for default legend names: `'class'` (default) or `'cluster'`. */
  labelKind?: 'class' | 'cluster';
  /** At most this many points are drawn (default 5000), chosen evenly (deterministic). */
  maxPoints?: number;
  /** Marker size in pixels (default 4). */
  markerSize?: number;
  /** Marker opacity (default 0.6). */
  opacity?: number;
  xTitle?: string;
  yTitle?: string;
}

/**
 * Evenly spaced indices of `n` items keeping at most `max` (all of them when n <= max):
 * deterministic, and proportional per class when the data is shuffled.
 */
export function evenSubsample(n: number, max: number): Int32Array {
  if (n <= max) return Int32Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(max);
  const step = n / max;
  for (let k = 0; k < max; k++) out[k] = Math.floor(k * step);
  return out;
}

/** Decimals that keep ~5 significant digits for values up to `maxAbs`. */
function digitsFor(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs)) return 4;
  return Math.max(0, Math.min(10, 4 - Math.floor(Math.log10(maxAbs))));
}

/**
 * A 2-D scatter plot coloured by label: one trace per label value so the legend shows class
 * (or cluster) names, colours from the shared palette (`CLASS_COLORS[label]`). Large inputs
 * are downsampled evenly to `maxPoints`; the figure uses SVG `scatter` (no WebGL needed).
 * @throws RangeError unless points is n × 2 and labels has n non-negative integer entries.
 * @example scatter2d({ title: 'PCA of test images', points: pca.projected, labels: test.labels, names: CLASS_NAMES })
 */
export function scatter2d(opts: Scatter2dOptions): Figure {
  const { points, labels } = opts;
  if (points.cols !== 2) throw new RangeError(`scatter2d: points must have 2 columns, got ${points.cols}; project first (e.g. pca2d(X).projected).`);
  if (points.data.length < points.rows * 2) throw new RangeError(`scatter2d: points.data has ${points.data.length} values, expected ${points.rows * 2}.`);
  if (labels.length !== points.rows) throw new RangeError(`scatter2d: labels has ${labels.length} entries but points has ${points.rows} rows; pass one label per point.`);
  const maxPoints = opts.maxPoints ?? 5000;
  if (!Number.isInteger(maxPoints) || maxPoints < 1) throw new RangeError(`scatter2d: maxPoints must be an integer >= 1, got ${maxPoints}.`);
  const idx = evenSubsample(points.rows, maxPoints);
  let maxAbs = 0, maxLabel = -1;
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0) throw new RangeError(`scatter2d: labels[${i}] = ${l}; labels must be non-negative integers.`);
    if (l > maxLabel) maxLabel = l;
    maxAbs = Math.max(maxAbs, Math.abs(points.data[2 * i]!), Math.abs(points.data[2 * i + 1]!));
  }
  const f = 10 ** digitsFor(maxAbs);
  const xs: number[][] = Array.from({ length: maxLabel + 1 }, () => []);
  const ys: number[][] = Array.from({ length: maxLabel + 1 }, () => []);
  for (let k = 0; k < idx.length; k++) {
    const i = idx[k]!;
    const l = labels[i]!;
    xs[l]!.push(Math.round(points.data[2 * i]! * f) / f + 0);
    ys[l]!.push(Math.round(points.data[2 * i + 1]! * f) / f + 0);
  }
  const kind = opts.labelKind ?? 'class';
  const data: Record<string, unknown>[] = [];
  for (let l = 0; l <= maxLabel; l++) {
    if (xs[l]!.length === 0) continue;
    const name = opts.names?.[l] ?? `${kind} ${l}`;
    data.push({
      type: 'scatter',
      mode: 'markers',
      name,
      x: xs[l],
      y: ys[l],
      marker: { color: classColor(l), size: opts.markerSize ?? 4, opacity: opts.opacity ?? 0.6 },
      hovertemplate: `${name.replace(/[<>&]/g, '')}<br>(%{x}, %{y})<extra></extra>`,
    });
  }
  const layout = {
    ...baseLayout(opts, { height: 520 }),
    xaxis: axis(opts.xTitle ?? 'component 1'),
    yaxis: axis(opts.yTitle ?? 'component 2'),
    legend: { itemsizing: 'constant', title: { text: kind === 'class' ? 'class' : 'cluster' } },
    hovermode: 'closest',
  };
  return { data, layout, config: defaultConfig() };
}
