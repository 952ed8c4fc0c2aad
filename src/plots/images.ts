import { baseLayout, defaultConfig, type CommonOptions, type Figure } from './figure.js';

/** Images as rows of a matrix: `{ data, rows, cols }` with `cols = imageHeight × imageWidth`. */
export interface ImageRows {
  readonly data: ArrayLike<number>;
  readonly rows: number;
  readonly cols: number;
}

/** Options of {@link imageGrid}. */
export interface ImageGridOptions extends CommonOptions {
  /** N images, one per row (e.g. an N × 784 Matrix of 0..1 pixels). */
  images: ImageRows;
  /** Which rows to show, in order (default: all). */
  indices?: ArrayLike<number>;
  /** Images per grid row (default `min(N, 10)`). */
  nCols?: number;
  /** Image height in pixels (default 28); width = `cols / imageHeight`. */
  imageHeight?: number;
  /** Titles of the grid rows (left), e.g. `['original', 'reconstruction']` or class names. */
  rowTitles?: readonly string[];
  /** Titles of the grid columns (top). */
  colTitles?: readonly string[];
  /** Blank pixels between images (default 2). */
  gap?: number;
  /** Value range mapped to black..white (default [0, 1]). */
  range?: readonly [number, number];
  /** Dark items on white (default true, like the report); false: white items on black. */
  invert?: boolean;
  /** Decimals kept per pixel (default 2; keeps a 10 × 10 grid near 200 KB of JSON). */
  digits?: number;
  /** Screen pixels per image pixel used for the default height (default: up to 3, so the grid is about 860 px wide). */
  scale?: number;
}

/**
 * Composes images into ONE heatmap (a 10 × 10 grid of 28 × 28 images is a single 298 × 298
 * array with 2-pixel gaps), with row and column titles as axis ticks, a reversed y axis
 * (image row 0 at the top), greys and equal aspect ratio. Gaps are `null` (drawn blank).
 * Grid cell k (row-major) shows image `indices[k]`.
 * @throws RangeError for bad sizes, indices or title counts.
 * @example imageGrid({ title: 'Reconstructions', images: stacked, nCols: 10,
 *   rowTitles: ['original', 'reconstructed'] })
 */
export function imageGrid(opts: ImageGridOptions): Figure {
  const { images } = opts;
  const h = opts.imageHeight ?? 28;
  if (!Number.isInteger(h) || h < 1 || images.cols % h !== 0) {
    throw new RangeError(`imageGrid: imageHeight must be a positive integer dividing images.cols = ${images.cols}, got ${h}.`);
  }
  const w = images.cols / h;
  if (images.data.length < images.rows * images.cols) {
    throw new RangeError(`imageGrid: images.data has ${images.data.length} values but ${images.rows} × ${images.cols} were declared.`);
  }
  const indices = opts.indices !== undefined ? Array.from(opts.indices) : Array.from({ length: images.rows }, (_, i) => i);
  for (const i of indices) {
    if (!Number.isInteger(i) || i < 0 || i >= images.rows) {
      throw new RangeError(`imageGrid: index ${i} is outside 0..${images.rows - 1}; pass row indices of images.`);
    }
  }
  const n = indices.length;
  if (n === 0) throw new RangeError('imageGrid: no images to show (images has 0 rows or indices is empty).');
  const nCols = opts.nCols ?? Math.min(n, 10);
  if (!Number.isInteger(nCols) || nCols < 1) throw new RangeError(`imageGrid: nCols must be an integer >= 1, got ${nCols}.`);
  const nRows = Math.ceil(n / nCols);
  if (opts.rowTitles && opts.rowTitles.length !== nRows) {
    throw new RangeError(`imageGrid: rowTitles has ${opts.rowTitles.length} entries but the grid has ${nRows} rows (${n} images / nCols ${nCols}).`);
  }
  if (opts.colTitles && opts.colTitles.length !== nCols) {
    throw new RangeError(`imageGrid: colTitles has ${opts.colTitles.length} entries but the grid has ${nCols} columns.`);
  }
  const gap = opts.gap ?? 2;
  if (!Number.isInteger(gap) || gap < 0) throw new RangeError(`imageGrid: gap must be an integer >= 0, got ${gap}.`);
  const digits = opts.digits ?? 2;
  const f = 10 ** digits;
  const H = nRows * h + (nRows - 1) * gap;
  const W = nCols * w + (nCols - 1) * gap;
  const z: (number | null)[][] = Array.from({ length: H }, () => new Array<number | null>(W).fill(null));
  const { data, cols } = images;
  for (let k = 0; k < n; k++) {
    const r0 = Math.floor(k / nCols) * (h + gap);
    const c0 = (k % nCols) * (w + gap);
    const base = indices[k]! * cols;
    for (let y = 0; y < h; y++) {
      const zr = z[r0 + y]!;
      for (let x = 0; x < w; x++) {
        const v = Number(data[base + y * w + x]);
        zr[c0 + x] = Number.isFinite(v) ? Math.round(v * f) / f + 0 : null;
      }
    }
  }
  const [lo, hi] = opts.range ?? [0, 1];
  const invert = opts.invert ?? true;
  const colorscale = invert ? [[0, '#ffffff'], [1, '#000000']] : [[0, '#000000'], [1, '#ffffff']];
  const centres = (count: number, size: number) => Array.from({ length: count }, (_, i) => i * (size + gap) + (size - 1) / 2);
  const scale = opts.scale ?? Math.min(3, 860 / W);
  const titleSpace = opts.title ? 50 : 10;
  const topSpace = opts.colTitles ? 30 : 0;
  const layout: Record<string, unknown> = {
    ...baseLayout(opts, { height: Math.round(Math.min(1200, Math.max(160, H * scale)) + titleSpace + topSpace + 20) }),
    margin: { l: 10, r: 10, t: titleSpace + topSpace, b: 10, autoexpand: true },
    // Tick labels carry the row/column titles; automargin makes room for them.
    xaxis: {
      range: [-0.5, W - 0.5], showgrid: false, zeroline: false, constrain: 'domain', automargin: true, ticks: '',
      ...(opts.colTitles ? { tickvals: centres(nCols, w), ticktext: [...opts.colTitles], side: 'top' } : { showticklabels: false }),
    },
    yaxis: {
      range: [H - 0.5, -0.5], autorange: false, scaleanchor: 'x', scaleratio: 1, showgrid: false, zeroline: false,
      constrain: 'domain', automargin: true, ticks: '',
      ...(opts.rowTitles ? { tickvals: centres(nRows, h), ticktext: [...opts.rowTitles] } : { showticklabels: false }),
    },
  };
  const trace = {
    type: 'heatmap',
    z,
    colorscale,
    zmin: lo,
    zmax: hi,
    showscale: false,
    zsmooth: false,
    hoverongaps: false,
    hovertemplate: '%{z}<extra></extra>',
  };
  return { data: [trace], layout, config: defaultConfig() };
}
