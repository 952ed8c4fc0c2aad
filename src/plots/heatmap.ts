import { axis, baseLayout, checkNames, defaultConfig, roundTo, type CommonOptions, type Figure } from './figure.js';

/** A dense count table: `number[][]` (rows of equal length) or row-major `{ data, rows, cols }`. */
export type CountTable = ArrayLike<ArrayLike<number>> | { readonly data: ArrayLike<number>; readonly rows: number; readonly cols: number };

/** ColorBrewer "Blues" (light = low, dark = high). */
export const BLUES: readonly (readonly [number, string])[] = Object.freeze([
  [0, '#f7fbff'], [0.125, '#deebf7'], [0.25, '#c6dbef'], [0.375, '#9ecae1'], [0.5, '#6baed6'],
  [0.625, '#4292c6'], [0.75, '#2171b5'], [0.875, '#08519c'], [1, '#08306b'],
] as const);

/** Options of {@link confusionHeatmap}. */
export interface ConfusionHeatmapOptions extends CommonOptions {
  /** Counts: row `i` = true class `i`, column `j` = cluster (or predicted class) `j`. */
  counts: CountTable;
  /** Names of the true classes (rows), e.g. `CLASS_NAMES`. */
  rowNames: readonly string[];
  /**
   * The class each cluster was matched to (e.g. by the Hungarian algorithm): `clusterToClass[j]`
   * is a row index, or -1 for an unmatched cluster. When given, columns are reordered so each
   * matched cluster sits under its class (the diagonal holds the matches) and labelled
   * `c3→Trouser`.
   */
  clusterToClass?: ArrayLike<number>;
  /** Column labels (overrides the labels derived from `clusterToClass`; default `c0`, `c1`, ...). */
  colNames?: readonly string[];
  /** Colour by `'count'` (default) or by `'row'` fraction (text still shows counts). */
  normalize?: 'count' | 'row';
  xTitle?: string;
  yTitle?: string;
  /** Show the count in every cell (default true). */
  showText?: boolean;
}

/** Reads a {@link CountTable} into rows × cols numbers. */
export function readCounts(counts: CountTable, name = 'counts'): { rows: number; cols: number; at(i: number, j: number): number } {
  if (typeof counts === 'object' && counts !== null && 'data' in counts && 'rows' in counts && 'cols' in counts) {
    const { data, rows, cols } = counts as { data: ArrayLike<number>; rows: number; cols: number };
    if (data.length !== rows * cols) throw new RangeError(`${name}: expected ${rows} × ${cols} = ${rows * cols} values but got ${data.length}.`);
    return { rows, cols, at: (i, j) => Number(data[i * cols + j]) };
  }
  const table = counts as ArrayLike<ArrayLike<number>>;
  const rows = table.length;
  const cols = rows > 0 ? table[0]!.length : 0;
  for (let i = 0; i < rows; i++) {
    if (table[i]!.length !== cols) throw new RangeError(`${name}: row ${i} has ${table[i]!.length} values but row 0 has ${cols}; rows must all be the same length.`);
  }
  return { rows, cols, at: (i, j) => Number(table[i]![j]) };
}

/**
 * Labels for matched clusters: `c3→Trouser`, or `c3` when the cluster is unmatched (-1).
 * @example matchedClusterLabels([1, 0], ['A', 'B']) // ['c0→B', 'c1→A']
 */
export function matchedClusterLabels(clusterToClass: ArrayLike<number>, classNames: readonly string[]): string[] {
  return Array.from(clusterToClass, (c, j) => (c >= 0 && c < classNames.length ? `c${j}→${classNames[c]}` : `c${j}`));
}

/**
 * A confusion / contingency heatmap: rows are true classes (top to bottom), columns are
 * clusters, optionally reordered by their matched class; each cell shows its count.
 * @throws RangeError for mismatched names or mapping lengths.
 * @example confusionHeatmap({ title: 'K-Means vs labels', counts: contingency,
 *   rowNames: CLASS_NAMES, clusterToClass: mapping })
 */
export function confusionHeatmap(opts: ConfusionHeatmapOptions): Figure {
  const t = readCounts(opts.counts, 'confusionHeatmap: counts');
  if (t.rows === 0 || t.cols === 0) throw new RangeError(`confusionHeatmap: counts must be non-empty, got ${t.rows} × ${t.cols}.`);
  checkNames('confusionHeatmap: rowNames', opts.rowNames, t.rows);
  // Column order: matched clusters under their class, then unmatched ones by index.
  let order = Array.from({ length: t.cols }, (_, j) => j);
  let colNames = Array.from({ length: t.cols }, (_, j) => `c${j}`);
  if (opts.clusterToClass !== undefined) {
    const m = opts.clusterToClass;
    if (m.length !== t.cols) throw new RangeError(`confusionHeatmap: clusterToClass has ${m.length} entries but counts has ${t.cols} columns; pass one class index (or -1) per cluster.`);
    const key = (j: number) => (m[j]! >= 0 ? m[j]! : t.rows + j);
    order = order.sort((a, b) => key(a) - key(b) || a - b);
    colNames = matchedClusterLabels(m, opts.rowNames);
  }
  if (opts.colNames !== undefined) {
    checkNames('confusionHeatmap: colNames', opts.colNames, t.cols);
    colNames = [...opts.colNames];
  }
  const normalize = opts.normalize ?? 'count';
  const z: number[][] = [], text: string[][] = [];
  let zmax = 0;
  for (let i = 0; i < t.rows; i++) {
    let rowSum = 0;
    for (let j = 0; j < t.cols; j++) rowSum += t.at(i, j);
    const zr: number[] = [], tr: string[] = [];
    for (const j of order) {
      const c = t.at(i, j);
      const v = normalize === 'row' ? (rowSum > 0 ? roundTo(c / rowSum, 4)! : 0) : c;
      zr.push(v);
      tr.push(Number.isInteger(c) ? String(c) : c.toFixed(2));
      if (v > zmax) zmax = v;
    }
    z.push(zr);
    text.push(tr);
  }
  const x = order.map((j) => colNames[j]!);
  const y = opts.rowNames.slice(0, t.rows);
  const trace: Record<string, unknown> = {
    type: 'heatmap',
    z, x, y,
    text,
    colorscale: BLUES.map(([a, c]) => [a, c]),
    zmin: 0,
    zmax: zmax > 0 ? zmax : 1,
    xgap: 1, ygap: 1,
    colorbar: { title: { text: normalize === 'row' ? 'row fraction' : 'count' }, thickness: 12 },
    hovertemplate: 'true %{y}<br>cluster %{x}<br>count %{text}<extra></extra>',
  };
  if (opts.showText ?? true) {
    trace.texttemplate = '%{text}';
    trace.textfont = { size: t.rows * t.cols > 150 ? 9 : 11 };
  }
  const side = Math.max(360, 40 * t.rows + 160);
  const layout = {
    ...baseLayout(opts, { height: side }),
    margin: { l: 110, r: 20, t: opts.title ? 50 : 20, b: 110 },
    xaxis: axis(opts.xTitle ?? (opts.clusterToClass ? 'cluster → matched class' : 'cluster'), { type: 'category', tickangle: -40, showgrid: false }),
    yaxis: axis(opts.yTitle ?? 'true class', { type: 'category', autorange: 'reversed', showgrid: false }),
  };
  return { data: [trace], layout, config: defaultConfig() };
}
