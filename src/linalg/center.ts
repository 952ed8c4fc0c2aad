/**
 * Where the data sits, taken out before any float32 product: the column mean in float64 (the
 * centre every distance and covariance of the floor is measured from, as scikit-learn's KMeans and
 * PCA subtract it first) and, where the centred values would overflow or underflow float32
 * products, a power-of-two scale (exact in float32 and float64).
 *
 * Why: ‖x‖² − 2·x·c + ‖c‖² in float32 keeps about 7 digits of ‖x‖²; data whose offset is 10³ times
 * its spread has none left for the distance. Centred, the terms are of the size of the spread.
 * @module
 */
import { columnMeans, type Matrix } from '../util/matrix.js';

/**
 * Largest |value| for which float32 matrix products of `d`-long rows stay accurate without
 * scaling (2⁴⁰: products ≤ 2⁸⁰·d, far from float32's 2¹²⁸) and the smallest (2⁻⁴⁰: products ≥
 * 2⁻⁸⁰, far from float32's normal range limit 2⁻¹²⁶).
 */
const FLOAT32_SAFE_MAX = 2 ** 40;
const FLOAT32_SAFE_MIN = 2 ** -40;

/**
 * A power of two s such that the largest |value| times s lies in [1, 2), when the values are
 * outside the range in which float32 products are safe (2⁻⁴⁰ … 2⁴⁰); else 1 (no scaling, so
 * ordinary data gives bit-identical results). Multiplying by s is exact in float32 and float64 (up
 * to values that underflow relative to the largest, as float32 rounding would make them anyway).
 * @example float32SafeScale(Float32Array.of(3e19, -1)) // 2 ** -64
 */
export function float32SafeScale(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v > max) max = v;
  }
  return float32ScaleFor(max);
}

/** {@link float32SafeScale} from the largest |value| directly. */
export function float32ScaleFor(maxAbs: number): number {
  if (!(maxAbs > 0) || !Number.isFinite(maxAbs) || (maxAbs <= FLOAT32_SAFE_MAX && maxAbs >= FLOAT32_SAFE_MIN)) return 1;
  return 2 ** -Math.floor(Math.log2(maxAbs));
}

/** How a matrix is centred (and scaled) before float32 products: see {@link centring}. */
export interface Centring {
  /** Column means, float64. */
  readonly mean: Float64Array;
  /** ‖x_i − mean‖² of every row, float64. */
  readonly rowNorms: Float64Array;
  /** max_i ‖x_i − mean‖ (the data's radius around its mean). */
  readonly radius: number;
  /** The power-of-two factor applied to centred values before float32 products (usually 1). */
  readonly scale: number;
}

/**
 * The centre (column means, float64), the centred squared row norms, the radius and the float32
 * scale of X: everything the floor's products need to be independent of where X sits.
 * @example centring({ data: Float32Array.of(1e6, 1e6 + 2), rows: 2, cols: 1 }).rowNorms // [1, 1]
 */
export function centring(x: Matrix, mean: Float64Array = columnMeans(x)): Centring {
  const { data, rows: n, cols: d } = x;
  const rowNorms = new Float64Array(n);
  let maxAbs = 0;
  let maxNorm = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = data[o + j]! - mean[j]!;
      s += v * v;
      const a = v < 0 ? -v : v;
      if (a > maxAbs) maxAbs = a;
    }
    rowNorms[i] = s;
    if (s > maxNorm) maxNorm = s;
  }
  return { mean, rowNorms, radius: Math.sqrt(maxNorm), scale: float32ScaleFor(maxAbs) };
}

/**
 * ‖x − y‖² of two rows in float64, computed from the differences (no cancellation): the floor's
 * exact distance, for re-ranking candidates, bounds and inertia.
 * @example squaredDistance(Float32Array.of(1, 2), 0, Float64Array.of(4, 6), 0, 2) // 25
 */
export function squaredDistance(a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = a[ao + j]! - b[bo + j]!;
    s += v * v;
  }
  return s;
}
