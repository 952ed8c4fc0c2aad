import { checkMatrix, describeValue } from './validate.js';

/**
 * A dense row-major matrix of float32 values: the one data type every estimator takes.
 *
 * Fashion-MNIST at 70,000 × 784 is 220 MB as float32 and several times that as `number[][]`,
 * so data stays in one typed array and rows are views, never copies.
 */
export interface Matrix {
  /** Row-major values: element (i, j) is `data[i * cols + j]`. */
  readonly data: Float32Array;
  readonly rows: number;
  readonly cols: number;
}

/**
 * Wraps a typed array as a {@link Matrix}, checking that its length is `rows × cols`.
 * @throws TypeError when data is not a Float32Array; RangeError when the length does not match.
 * @example matrix(new Float32Array(6), 2, 3).rows === 2
 */
export function matrix(data: Float32Array, rows: number, cols: number): Matrix {
  if (!(data instanceof Float32Array)) {
    throw new TypeError(`matrix: data must be a Float32Array, got ${describeValue(data)}; convert it with Float32Array.from(data).`);
  }
  if (!Number.isInteger(rows) || rows < 0 || !Number.isInteger(cols) || cols < 0) {
    throw new RangeError(`matrix: rows and cols must be non-negative integers, got ${rows} × ${cols}.`);
  }
  if (data.length !== rows * cols) {
    throw new RangeError(
      `matrix: expected ${rows} × ${cols} = ${rows * cols} values but got ${data.length}.`,
    );
  }
  return { data, rows, cols };
}

/** Largest finite float32 value: numbers beyond it become ±Infinity in a Float32Array. */
export const FLOAT32_MAX = 3.4028234663852886e38;

/**
 * Accepts the forms users naturally have at hand (`number[][]` for small data, or a Matrix)
 * and returns a Matrix. A Matrix is checked structurally ({@link checkMatrix}: Float32Array
 * data, integer sizes, `data.length === rows × cols`); `number[][]` must be rectangular with
 * numbers inside the float32 range (values are stored as float32).
 * @throws TypeError for a wrong type (a Float64Array as `data`, a string value, a non-array row);
 *   RangeError for ragged, empty or inconsistent input, or a value beyond ±3.4e38.
 */
export function toMatrix(x: Matrix | ArrayLike<ArrayLike<number>>, name = 'X'): Matrix {
  if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x) && 'data' in x) {
    checkMatrix(name, x);
    return x;
  }
  if (!Array.isArray(x)) {
    throw new TypeError(
      `${name} must be a Matrix ({ data: Float32Array, rows, cols }) or an array of rows (number[][]), got ${describeValue(x)}.`,
    );
  }
  const rows = x.length;
  if (rows === 0) throw new RangeError(`${name} must have at least 1 row, got 0 (empty).`);
  const first = x[0] as unknown;
  if (!Array.isArray(first) && !ArrayBuffer.isView(first)) {
    throw new TypeError(`${name}[0] must be an array of numbers (one row), got ${describeValue(first)}.`);
  }
  const cols = (first as ArrayLike<number>).length;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    const row = x[i] as unknown;
    if (!Array.isArray(row) && !(ArrayBuffer.isView(row) && !(row instanceof DataView))) {
      throw new TypeError(`${name}[${i}] must be an array of numbers (one row), got ${describeValue(row)}.`);
    }
    const r = row as ArrayLike<unknown>;
    if (r.length !== cols) {
      throw new RangeError(`${name}: row ${i} has ${r.length} values but row 0 has ${cols}; rows must all be the same length.`);
    }
    for (let j = 0; j < cols; j++) {
      const v = r[j];
      if (typeof v !== 'number') {
        throw new TypeError(`${name}[${i}][${j}] must be a number, got ${describeValue(v)}; convert the values (e.g. with Number) first.`);
      }
      if (v > FLOAT32_MAX || v < -FLOAT32_MAX) {
        if (Number.isFinite(v)) {
          throw new RangeError(
            `${name}[${i}][${j}] = ${v} is beyond the float32 range (±3.4e38) in which every estimator stores data; rescale the data first.`,
          );
        }
      }
      data[i * cols + j] = v;
    }
  }
  return { data, rows, cols };
}

export function isMatrix(x: unknown): x is Matrix {
  return (
    typeof x === 'object' && x !== null && (x as Matrix).data instanceof Float32Array &&
    typeof (x as Matrix).rows === 'number' && typeof (x as Matrix).cols === 'number'
  );
}

/** Row `i` as a view (no copy). */
export function row(m: Matrix, i: number): Float32Array {
  return m.data.subarray(i * m.cols, (i + 1) * m.cols);
}

/** Copies the given rows, in order, into a new Matrix. */
export function takeRows(m: Matrix, indices: ArrayLike<number>): Matrix {
  const out = new Float32Array(indices.length * m.cols);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k]!;
    if (!(i >= 0 && i < m.rows)) throw new RangeError(`takeRows: row index ${i} is outside 0..${m.rows - 1}.`);
    out.set(m.data.subarray(i * m.cols, (i + 1) * m.cols), k * m.cols);
  }
  return { data: out, rows: indices.length, cols: m.cols };
}

/** Rows `start` (inclusive) to `end` (exclusive) as a view (no copy). */
export function sliceRows(m: Matrix, start: number, end: number): Matrix {
  const s = Math.max(0, Math.min(start, m.rows));
  const e = Math.max(s, Math.min(end, m.rows));
  return { data: m.data.subarray(s * m.cols, e * m.cols), rows: e - s, cols: m.cols };
}

/** Stacks matrices with the same number of columns vertically into a new Matrix. */
export function concatRows(...parts: Matrix[]): Matrix {
  if (parts.length === 0) throw new RangeError('concatRows: expected at least one matrix.');
  const cols = parts[0]!.cols;
  let rows = 0;
  for (const p of parts) {
    if (p.cols !== cols) throw new RangeError(`concatRows: matrices have ${cols} and ${p.cols} columns; they must match.`);
    rows += p.rows;
  }
  const data = new Float32Array(rows * cols);
  let offset = 0;
  for (const p of parts) {
    data.set(p.data.subarray(0, p.rows * cols), offset);
    offset += p.rows * cols;
  }
  return { data, rows, cols };
}

/**
 * Each row scaled to unit Euclidean length (rows of zeros stay zero): K-Means on the result
 * clusters by angle (cosine similarity) instead of by distance, which ignores overall brightness.
 */
export function normalizeRows(m: Matrix): Matrix {
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < m.rows; i++) {
    const base = i * m.cols;
    let s = 0;
    for (let j = 0; j < m.cols; j++) s += m.data[base + j]! * m.data[base + j]!;
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0;
    for (let j = 0; j < m.cols; j++) out[base + j] = m.data[base + j]! * inv;
  }
  return { data: out, rows: m.rows, cols: m.cols };
}

/** The largest value of each row (e.g. the confidence of each prediction from `predictProba`). */
export function maxPerRow(m: Matrix): Float64Array {
  const out = new Float64Array(m.rows);
  for (let i = 0; i < m.rows; i++) {
    let best = -Infinity;
    for (let j = 0; j < m.cols; j++) best = Math.max(best, m.data[i * m.cols + j]!);
    out[i] = best;
  }
  return out;
}

/**
 * Column means of X, accumulated in float64 (zeros for a matrix without rows). The compute floor
 * (src/linalg) centres every matrix at these before any float32 product.
 * @example columnMeans({ data: Float32Array.of(1, 10, 3, 10), rows: 2, cols: 2 }) // Float64Array [2, 10]
 */
export function columnMeans(x: Matrix): Float64Array {
  const { data, rows: n, cols: d } = x;
  const m = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) m[j] += data[o + j]!;
  }
  if (n > 0) for (let j = 0; j < d; j++) m[j] /= n;
  return m;
}
