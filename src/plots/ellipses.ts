import { baseLayout, axis, classColor, defaultConfig, type CommonOptions, type Figure } from './figure.js';

/** Options of {@link gmmEllipses}. */
export interface GmmEllipsesOptions extends CommonOptions {
  /** k 2-D means, row-major (`{ data, rows: k, cols: 2 }`, e.g. from `projectGaussians`). */
  means: { readonly data: ArrayLike<number>; readonly rows: number; readonly cols: number };
  /**
   * Covariances: k × 4 values (full 2 × 2, row-major) or k × 2 values (diagonal variances).
   */
  covariances: ArrayLike<number>;
  /** Probability mass inside each ellipse (default [0.95]); radius = √(χ²₂ quantile) = √(−2 ln(1 − p)). */
  levels?: readonly number[];
  /** Legend name of each component (default `component k`). */
  names?: readonly string[];
  /** Points per ellipse (default 72). */
  nPoints?: number;
  /** Draw each mean as a cross (default true). */
  showMeans?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/**
 * The contour of a 2-D Gaussian at Mahalanobis radius `r`: a closed polygon of `nPoints + 1`
 * points (first = last).
 * @throws RangeError if the covariance is not symmetric positive semi-definite.
 */
export function ellipsePoints(mx: number, my: number, a: number, b: number, c: number, r: number, nPoints = 72): { x: number[]; y: number[] } {
  // [[a, b], [b, c]]
  const tol = 1e-9 * Math.max(Math.abs(a), Math.abs(c), 1e-300);
  if (!(a >= -tol && c >= -tol && a * c - b * b >= -tol * Math.max(Math.abs(a), Math.abs(c)))) {
    throw new RangeError(`gmmEllipses: covariance [[${a}, ${b}], [${b}, ${c}]] is not positive semi-definite; check the covariances input (k × 4 full, or k × 2 diagonal).`);
  }
  const half = (a + c) / 2;
  const d = Math.hypot((a - c) / 2, b);
  const l1 = Math.max(0, half + d), l2 = Math.max(0, half - d);
  const theta = 0.5 * Math.atan2(2 * b, a - c);
  const ct = Math.cos(theta), st = Math.sin(theta);
  const s1 = r * Math.sqrt(l1), s2 = r * Math.sqrt(l2);
  const x: number[] = [], y: number[] = [];
  for (let i = 0; i <= nPoints; i++) {
    const t = (2 * Math.PI * (i % nPoints)) / nPoints;
    const u = s1 * Math.cos(t), v = s2 * Math.sin(t);
    x.push(mx + u * ct - v * st);
    y.push(my + u * st + v * ct);
  }
  return { x, y };
}

/**
 * Confidence ellipses of 2-D Gaussian components (e.g. a GaussianMixture projected with
 * `projectGaussians`), as closed line traces in the shared palette (`CLASS_COLORS[k]`), so
 * they overlay a `scatter2d` coloured by cluster: `overlay(scatter2d(...), gmmEllipses(...))`.
 * @throws RangeError for shape mismatches, levels outside (0, 1) or non-PSD covariances.
 * @example overlay(scatter2d({ points, labels: clusters, labelKind: 'cluster' }),
 *   gmmEllipses({ means: proj.means, covariances: proj.covariances }))
 */
export function gmmEllipses(opts: GmmEllipsesOptions): Figure {
  const { means, covariances } = opts;
  const k = means.rows;
  if (means.cols !== 2) throw new RangeError(`gmmEllipses: means must have 2 columns, got ${means.cols}; project them first (projectGaussians).`);
  if (k < 1) throw new RangeError('gmmEllipses: means must have at least one row, got 0.');
  let full: boolean;
  if (covariances.length === 4 * k) full = true;
  else if (covariances.length === 2 * k) full = false;
  else throw new RangeError(`gmmEllipses: covariances has ${covariances.length} values; expected ${4 * k} (k × 2 × 2 full) or ${2 * k} (k × 2 diagonal) for k = ${k}.`);
  const levels = opts.levels ?? [0.95];
  for (const p of levels) {
    if (!(p > 0 && p < 1)) throw new RangeError(`gmmEllipses: each level must be a probability in (0, 1), got ${p}.`);
  }
  const nPoints = opts.nPoints ?? 72;
  if (!Number.isInteger(nPoints) || nPoints < 8) throw new RangeError(`gmmEllipses: nPoints must be an integer >= 8, got ${nPoints}.`);
  const data: Record<string, unknown>[] = [];
  const round = (v: number) => Math.round(v * 1e5) / 1e5 + 0;
  for (let j = 0; j < k; j++) {
    const mx = Number(means.data[2 * j]), my = Number(means.data[2 * j + 1]);
    const a = Number(full ? covariances[4 * j] : covariances[2 * j]);
    const b = full ? (Number(covariances[4 * j + 1]) + Number(covariances[4 * j + 2])) / 2 : 0;
    const c = Number(full ? covariances[4 * j + 3] : covariances[2 * j + 1]);
    const name = opts.names?.[j] ?? `component ${j}`;
    const color = classColor(j);
    levels.forEach((p, li) => {
      const { x, y } = ellipsePoints(mx, my, a, b, c, Math.sqrt(-2 * Math.log(1 - p)), nPoints);
      data.push({
        type: 'scatter', mode: 'lines', name: `${name} (${Math.round(p * 100)}%)`,
        x: x.map(round), y: y.map(round),
        line: { color, width: 2, ...(li > 0 ? { dash: 'dash' } : {}) },
        legendgroup: `ellipse-${j}`, showlegend: false, hoverinfo: 'name',
      });
    });
    if (opts.showMeans ?? true) {
      data.push({
        type: 'scatter', mode: 'markers', name: `${name} mean`, x: [round(mx)], y: [round(my)],
        marker: { symbol: 'x', size: 10, color, line: { width: 1, color: '#000' } },
        legendgroup: `ellipse-${j}`, showlegend: false, hovertemplate: `${name.replace(/[<>&]/g, '')} mean (%{x}, %{y})<extra></extra>`,
      });
    }
  }
  const layout = {
    ...baseLayout(opts, { height: 520 }),
    xaxis: axis(opts.xTitle ?? 'component 1'),
    yaxis: axis(opts.yTitle ?? 'component 2'),
    showlegend: false,
  };
  return { data, layout, config: defaultConfig() };
}

/**
 * Draws `top`'s traces over `base`: the result keeps `base`'s layout and config (title, axes,
 * legend), with shapes and annotations of both. Neither input is modified.
 * @example overlay(scatter2d({...}), gmmEllipses({...}))
 */
export function overlay(base: Figure, ...top: Figure[]): Figure {
  const layout: Record<string, unknown> = { ...base.layout };
  for (const key of ['shapes', 'annotations'] as const) {
    const all = [base, ...top].flatMap((f) => (Array.isArray(f.layout[key]) ? (f.layout[key] as unknown[]) : []));
    if (all.length > 0) layout[key] = all;
  }
  return {
    data: [...base.data, ...top.flatMap((f) => f.data)],
    layout,
    ...(base.config ? { config: { ...base.config } } : {}),
  };
}
