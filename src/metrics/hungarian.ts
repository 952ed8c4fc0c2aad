/**
 * Linear sum assignment (the Hungarian algorithm, shortest-augmenting-path form with dual
 * potentials): O(r²·c) for an r × c cost matrix with r ≤ c (a taller matrix is solved transposed),
 * so O(n³) for square matrices. Same contract as `scipy.optimize.linear_sum_assignment`.
 */

/** Options of {@link linearSumAssignment}. */
export interface LinearSumAssignmentOptions {
  /** Maximise the total instead of minimising it. Default `false`. */
  maximize?: boolean;
}

/** Result of {@link linearSumAssignment}: `rowInd[k]` is assigned to `colInd[k]`. */
export interface Assignment {
  /** Assigned row indices, increasing; length `min(rows, cols)`. */
  readonly rowInd: Int32Array;
  /** Column assigned to each row of `rowInd`. */
  readonly colInd: Int32Array;
  /** Sum of the costs of the assigned cells. */
  readonly total: number;
}

const DEFAULTS: Required<LinearSumAssignmentOptions> = { maximize: false };

function toFlat(cost: number[][]): { data: Float64Array; rows: number; cols: number } {
  const rows = cost.length;
  const cols = rows === 0 ? 0 : cost[0]!.length;
  const data = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = cost[i];
    if (!Array.isArray(row) && !ArrayBuffer.isView(row)) {
      throw new TypeError(`cost[${i}] must be an array of numbers, got ${row === null ? 'null' : typeof row}.`);
    }
    if (row.length !== cols) {
      throw new RangeError(`cost must be rectangular: cost[0] has ${cols} columns but cost[${i}] has ${row.length}.`);
    }
    for (let j = 0; j < cols; j++) data[i * cols + j] = row[j]!;
  }
  return { data, rows, cols };
}

/**
 * Solves the linear sum assignment problem: picks `min(rows, cols)` cells, at most one per row and
 * per column, with minimum (or, with `maximize`, maximum) total cost. Equivalent to
 * `scipy.optimize.linear_sum_assignment(cost, maximize)`; when several assignments are optimal the
 * one returned may differ from scipy's (the total is the same).
 *
 * Call it with a row-major `Float64Array` (or `number[]`) plus its shape, or with a `number[][]`.
 *
 * @param cost Cost matrix, row-major `rows × cols`, finite values.
 * @param rows Number of rows (flat form only).
 * @param cols Number of columns (flat form only).
 * @param options `maximize` (default `false`).
 * @returns Row indices (increasing), their assigned columns, and the total cost.
 * @throws TypeError | RangeError if the shape does not match the data or a value is NaN/±Infinity.
 * @example
 * const { rowInd, colInd } = linearSumAssignment([[4, 1, 3], [2, 0, 5], [3, 2, 2]]);
 * // rowInd = [0, 1, 2], colInd = [1, 0, 2], total = 5
 */
export function linearSumAssignment(cost: number[][], options?: LinearSumAssignmentOptions): Assignment;
export function linearSumAssignment(
  cost: Float64Array | ArrayLike<number>,
  rows: number,
  cols: number,
  options?: LinearSumAssignmentOptions,
): Assignment;
export function linearSumAssignment(
  cost: number[][] | Float64Array | ArrayLike<number>,
  rowsOrOptions?: number | LinearSumAssignmentOptions,
  colsArg?: number,
  optionsArg?: LinearSumAssignmentOptions,
): Assignment {
  let data: ArrayLike<number>;
  let rows: number;
  let cols: number;
  let options: LinearSumAssignmentOptions | undefined;
  if (typeof rowsOrOptions === 'number') {
    rows = rowsOrOptions;
    cols = colsArg as number;
    options = optionsArg;
    for (const [name, v] of [['rows', rows], ['cols', cols]] as const) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be an integer >= 0, got ${String(v)}.`);
    }
    if (cost === null || typeof cost !== 'object' || typeof cost.length !== 'number') {
      throw new TypeError(`cost must be a Float64Array or number[] of length rows × cols, got ${cost === null ? 'null' : typeof cost}.`);
    }
    if (cost.length !== rows * cols) {
      throw new RangeError(`cost has ${cost.length} values but rows × cols = ${rows} × ${cols} = ${rows * cols}; pass the matrix row-major with its shape.`);
    }
    data = cost as ArrayLike<number>;
  } else {
    if (!Array.isArray(cost)) {
      throw new TypeError('linearSumAssignment(cost, rows, cols): a flat cost matrix needs its shape; pass rows and cols, or a number[][].');
    }
    ({ data, rows, cols } = toFlat(cost as number[][]));
    options = rowsOrOptions;
  }
  const { maximize } = { ...DEFAULTS, ...options };
  for (let k = 0; k < data.length; k++) {
    const v = data[k]!;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(
        `cost[${Math.floor(k / Math.max(cols, 1))}][${k % Math.max(cols, 1)}] = ${String(v)} is not a finite number; ` +
          'use a large finite cost for forbidden cells.',
      );
    }
  }
  if (rows === 0 || cols === 0) return { rowInd: new Int32Array(0), colInd: new Int32Array(0), total: 0 };

  // Solve with n = min side as rows (transposing if needed), minimising.
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const sign = maximize ? -1 : 1;
  const a = new Float64Array(n * m);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const v = sign * data[i * cols + j]!;
      if (transpose) a[j * m + i] = v;
      else a[i * m + j] = v;
    }
  }
  const matchOfCol = solveMin(a, n, m); // matchOfCol[j] = row (0-based) or -1

  const rowInd = new Int32Array(n);
  const colInd = new Int32Array(n);
  if (!transpose) {
    const colOfRow = new Int32Array(n).fill(-1);
    for (let j = 0; j < m; j++) if (matchOfCol[j]! >= 0) colOfRow[matchOfCol[j]!] = j;
    for (let i = 0; i < n; i++) {
      rowInd[i] = i;
      colInd[i] = colOfRow[i]!;
    }
  } else {
    // Original rows are the solver's columns: list matched ones in increasing order.
    let k = 0;
    for (let j = 0; j < m; j++) {
      if (matchOfCol[j]! >= 0) {
        rowInd[k] = j;
        colInd[k++] = matchOfCol[j]!;
      }
    }
  }
  let total = 0;
  for (let k = 0; k < n; k++) total += data[rowInd[k]! * cols + colInd[k]!]!;
  return { rowInd, colInd, total };
}

/**
 * Minimum-cost assignment of every row of an n × m matrix (n ≤ m) by successive shortest
 * augmenting paths with potentials u (rows) and v (columns). Returns the row matched to each column.
 */
function solveMin(a: Float64Array, n: number, m: number): Int32Array {
  // 1-based indices inside; column 0 is the virtual start column.
  const u = new Float64Array(n + 1);
  const v = new Float64Array(m + 1);
  const p = new Int32Array(m + 1); // p[j] = row matched to column j (0 = none)
  const way = new Int32Array(m + 1);
  const minv = new Float64Array(m + 1);
  const used = new Uint8Array(m + 1);
  for (let i = 1; i <= n; i++) {
    p[0] = i;
    let j0 = 0;
    minv.fill(Infinity);
    used.fill(0);
    do {
      used[j0] = 1;
      const i0 = p[j0]!;
      const rowOff = (i0 - 1) * m - 1;
      const ui0 = u[i0]!;
      let delta = Infinity;
      let j1 = 0;
      for (let j = 1; j <= m; j++) {
        if (used[j]) continue;
        const cur = a[rowOff + j]! - ui0 - v[j]!;
        if (cur < minv[j]!) {
          minv[j] = cur;
          way[j] = j0;
        }
        if (minv[j]! < delta) {
          delta = minv[j]!;
          j1 = j;
        }
      }
      for (let j = 0; j <= m; j++) {
        if (used[j]) {
          u[p[j]!]! += delta;
          v[j]! -= delta;
        } else {
          minv[j]! -= delta;
        }
      }
      j0 = j1;
    } while (p[j0] !== 0);
    do {
      const j1 = way[j0]!;
      p[j0] = p[j1]!;
      j0 = j1;
    } while (j0 !== 0);
  }
  const matchOfCol = new Int32Array(m).fill(-1);
  for (let j = 1; j <= m; j++) if (p[j]! > 0) matchOfCol[j - 1] = p[j]! - 1;
  return matchOfCol;
}
