/**
 * The covariance product of the compute floor (PCA, UMAP's PCA start): Σ (x − mean)(x − mean)ᵀ
 * over the rows, from data centred at its float64 column mean, never as Σ x xᵀ − n·mean meanᵀ
 * (which cancels every digit of the variance once the mean is ~10⁸ times the spread in float64,
 * e.g. UTM-like coordinates around 3e6 with metre-scale spread).
 * - `js`: float64 loops over the upper triangle, four rows per pass;
 * - `tfjs`: float32 `matMul(X′ᵀ, X′)` of row chunks on the TF.js backend (X′ centred and, where
 *   needed, scaled by a power of two), the chunks summed in float64.
 * Its transpose, the Gram matrix X′X′ᵀ of a few centred rows ({@link centredGram}: the PCA of UMAP's
 * component means), is formed the same way, from the centred values in float64.
 * @module
 */
import { columnMeans, type Matrix } from '../util/matrix.js';
import { activeTf } from '../tf/backend.js';
import { float32ScaleFor } from './center.js';
import { resolveEngine, type Engine, type EngineOption } from './engine.js';

/** What {@link covariance} returns. */
export interface Covariance {
  /** d × d covariance, row-major float64, divisor n − 1 (like numpy's `cov` and scikit-learn's PCA). */
  readonly matrix: Float64Array;
  /** Column means, float64. */
  readonly mean: Float64Array;
  /** The engine that formed the products. */
  readonly engine: Exclude<Engine, 'native'>;
}

/** Rows per float32 product of the tfjs engine (each chunk's sums are float32, the chunks' float64). */
const TFJS_CHUNK = 2048;

/**
 * The covariance of the rows of X (n ≥ 2), centred first.
 * @throws RangeError when X has fewer than 2 rows; Error when the engine asked for cannot run.
 * @example covariance({ data: Float32Array.of(3e6, 1, 3e6 + 2, 3), rows: 2, cols: 2 }).matrix // [2, 2, 2, 2]
 */
export function covariance(X: Matrix, options: { engine?: EngineOption; mean?: Float64Array } = {}): Covariance {
  const { rows: n, cols: d } = X;
  if (n < 2) throw new RangeError(`covariance: X needs at least 2 rows, got ${n}.`);
  const mean = options.mean ?? columnMeans(X);
  const engine = resolveEngine(options.engine ?? 'auto', { work: n * d * d, supports: ['js', 'tfjs'], what: 'covariance' }) as 'js' | 'tfjs';
  const C = engine === 'tfjs' ? tfjsScatter(X, mean) : jsScatter(X, mean);
  for (let j = 0; j < d; j++) {
    for (let c = j; c < d; c++) {
      const v = C[j * d + c]! / (n - 1);
      C[j * d + c] = v;
      C[c * d + j] = v;
    }
  }
  return { matrix: C, mean, engine };
}

/** Upper triangle of Σ (x − mean)(x − mean)ᵀ in float64. */
function jsScatter(X: Matrix, mean: Float64Array): Float64Array {
  const { rows: n, cols: d, data } = X;
  const C = new Float64Array(d * d);
  const a = new Float64Array(4 * d);
  for (let i0 = 0; i0 < n; i0 += 4) {
    const rows = Math.min(4, n - i0);
    a.fill(0); // missing rows of the last group contribute zeros
    for (let r = 0; r < rows; r++) {
      const o = (i0 + r) * d;
      for (let j = 0; j < d; j++) a[r * d + j] = data[o + j]! - mean[j]!;
    }
    const d1 = d, d2 = 2 * d, d3 = 3 * d;
    for (let j = 0; j < d; j++) {
      const a0 = a[j]!, a1 = a[d1 + j]!, a2 = a[d2 + j]!, a3 = a[d3 + j]!;
      const cr = j * d;
      for (let c = j; c < d; c++) C[cr + c] += a0 * a[c]! + a1 * a[d1 + c]! + a2 * a[d2 + c]! + a3 * a[d3 + c]!;
    }
  }
  return C;
}

/** Upper triangle of Σ (x − mean)(x − mean)ᵀ: float32 products per chunk, float64 across chunks. */
function tfjsScatter(X: Matrix, mean: Float64Array): Float64Array {
  const tf = activeTf()!;
  const { rows: n, cols: d, data } = X;
  let maxAbs = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = Math.abs(data[i * d + j]! - mean[j]!);
      if (v > maxAbs) maxAbs = v;
    }
  }
  const scale = float32ScaleFor(maxAbs);
  const unscale = 1 / (scale * scale);
  const C = new Float64Array(d * d);
  const buf = new Float32Array(Math.min(n, TFJS_CHUNK) * d);
  for (let start = 0; start < n; start += TFJS_CHUNK) {
    const size = Math.min(TFJS_CHUNK, n - start);
    for (let i = 0; i < size; i++) {
      const o = (start + i) * d;
      for (let j = 0; j < d; j++) buf[i * d + j] = (data[o + j]! - mean[j]!) * scale;
    }
    const a = tf.tensor2d(buf.subarray(0, size * d), [size, d], 'float32');
    const p = tf.matMul(a, a, true, false);
    const v = p.dataSync() as Float32Array;
    a.dispose();
    p.dispose();
    for (let j = 0; j < d; j++) for (let c = j; c < d; c++) C[j * d + c] += v[j * d + c]! * unscale;
  }
  return C;
}

/**
 * The m × m Gram matrix (x_p − μ) · (x_q − μ) of m rows (row-major m × d, float64) centred at their
 * mean μ (Σ_p x_p / m, float64), from the centred values: the eigenvectors of this matrix give the
 * principal coordinates of the rows when there are fewer rows than features (UMAP's layout of
 * many connected components). Symmetric, row-major float64. Cost m²·d: meant for a few rows.
 * @example centredGram(Float64Array.of(1e8, 1e8 + 2), 2, 1) // [1, -1, -1, 1]
 */
export function centredGram(rows: Float64Array, m: number, d: number): Float64Array {
  const mu = new Float64Array(d);
  for (let p = 0; p < m; p++) for (let j = 0; j < d; j++) mu[j] += rows[p * d + j]! / m;
  const G = new Float64Array(m * m);
  for (let p = 0; p < m; p++) {
    for (let q = p; q < m; q++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += (rows[p * d + j]! - mu[j]!) * (rows[q * d + j]! - mu[j]!);
      G[p * m + q] = s;
      G[q * m + p] = s;
    }
  }
  return G;
}
