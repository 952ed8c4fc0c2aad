import type { Matrix } from '../util/matrix.js';
import { principalComponents, projectOnComponents } from '../decomposition/pca.js';

/** Options of {@link pca2d}. */
export interface Pca2dOptions {
  /** Stop when every top-2 residual ‖C v − λ v‖ is below `tol × λ₁` (default 1e-10). */
  tol?: number;
  /** Maximum subspace iterations (default 2000). */
  maxIter?: number;
}

/** The top-2 principal components of a data set and its 2-D projection. */
export interface Pca2d {
  /** 2 × d unit vectors (rows), largest-|entry| positive. */
  readonly components: Matrix;
  /** The column means (length d). */
  readonly mean: Float64Array;
  /** Variance along each component (divisor n − 1, like scikit-learn's `explained_variance_`). */
  readonly explainedVariance: Float64Array;
  /** `explainedVariance` divided by the total variance (sum over all d columns). */
  readonly explainedVarianceRatio: Float64Array;
  /** The input projected: n × 2. */
  readonly projected: Matrix;
  /** Subspace iterations used. */
  readonly nIter: number;
  /** Projects other rows with the same mean and components: m × d → m × 2. */
  transform(x: Matrix): Matrix;
}

/**
 * The two leading principal components of X (n × d), for 2-D views of images or codes: a
 * {@link principalComponents} fit with k = 2 (subspace iteration with 6 vectors and a
 * Rayleigh–Ritz step, so close eigenvalues still converge) plus its projection. About 2 s for
 * 10,000 × 784 pixels, milliseconds for autoencoder codes; fit on a subset and `transform` the
 * rest for larger data.
 * Signs: the largest-magnitude entry of each component is positive.
 * @throws RangeError for fewer than 2 rows or columns, or non-finite values.
 * @example const { projected, explainedVarianceRatio } = pca2d(test.images)
 */
export function pca2d(X: Matrix, options: Pca2dOptions = {}): Pca2d {
  const { rows: n, cols: d } = X;
  if (n < 2) throw new RangeError(`pca2d: expected X to have at least 2 rows (to estimate a covariance) but got ${n}.`);
  if (d < 2) throw new RangeError(`pca2d: expected X to have at least 2 columns (2 components) but got ${d}.`);
  const tol = options.tol ?? 1e-10;
  const maxIter = options.maxIter ?? 2000;
  if (!(tol > 0)) throw new RangeError(`pca2d: tol must be > 0, got ${tol}.`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`pca2d: maxIter must be an integer >= 1, got ${maxIter}.`);
  const pc = principalComponents(X, 2, { tol, maxIter, name: 'pca2d' });
  const transform = (Y: Matrix): Matrix => projectOnComponents(Y, pc, undefined, 'pca2d.transform');
  return { ...pc, projected: transform(X), transform };
}

/**
 * Projects Gaussian components (e.g. a fitted GaussianMixture's `means` and `covariances`)
 * into a PCA 2-D view: means → P (μ − mean), covariances → P Σ Pᵀ, with P the 2 × d components.
 * Ready for `gmmEllipses`.
 * @param covariances k·d·d values (full, row-major) or k·d values (diagonal).
 * @throws RangeError on shape mismatches.
 * @example const proj = projectGaussians(pca, gmm.means, gmm.covariances)
 */
export function projectGaussians(
  pca: Pick<Pca2d, 'components' | 'mean'>,
  means: Matrix,
  covariances: ArrayLike<number>,
): { means: Matrix; covariances: Float64Array } {
  const d = pca.components.cols;
  const k = means.rows;
  if (means.cols !== d) throw new RangeError(`projectGaussians: means has ${means.cols} columns but the PCA was fitted on ${d}.`);
  const full = covariances.length === k * d * d;
  if (!full && covariances.length !== k * d) {
    throw new RangeError(`projectGaussians: covariances has ${covariances.length} values; expected ${k * d * d} (k × d × d full) or ${k * d} (k × d diagonal) for k = ${k}, d = ${d}.`);
  }
  const P = pca.components.data;
  const outMeans = new Float32Array(2 * k);
  const outCov = new Float64Array(4 * k);
  const tmp = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < 2; a++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += P[a * d + j]! * (means.data[c * d + j]! - pca.mean[j]!);
      outMeans[2 * c + a] = s;
    }
    for (let a = 0; a < 2; a++) {
      // tmp = Σ p_a
      if (full) {
        const o = c * d * d;
        for (let i = 0; i < d; i++) {
          let s = 0;
          for (let j = 0; j < d; j++) s += covariances[o + i * d + j]! * P[a * d + j]!;
          tmp[i] = s;
        }
      } else {
        for (let i = 0; i < d; i++) tmp[i] = covariances[c * d + i]! * P[a * d + i]!;
      }
      for (let bb = 0; bb < 2; bb++) {
        let s = 0;
        for (let i = 0; i < d; i++) s += P[bb * d + i]! * tmp[i]!;
        outCov[4 * c + bb * 2 + a] = s;
      }
    }
  }
  return { means: { data: outMeans, rows: k, cols: 2 }, covariances: outCov };
}
