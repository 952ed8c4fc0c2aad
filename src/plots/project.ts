import type { Matrix } from '../util/matrix.js';
import { createRandom } from '../util/random.js';

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
 * The two leading principal components of X (n × d), for 2-D views of images or codes.
 * Deterministic: builds the d × d covariance (skipping zeros of the raw data, so sparse
 * images are cheaper), then runs subspace iteration with 6 vectors from a fixed start and a
 * Rayleigh–Ritz step (Jacobi on the small block), so close eigenvalues still converge.
 * Cost ≈ n · nnz(row) · d / 2 multiply-adds for the covariance (about 2 s for 10,000 × 784
 * pixels here; milliseconds for autoencoder codes). Fit on a subset and `transform` the rest
 * for larger data.
 * Signs: the largest-magnitude entry of each component is positive.
 * @throws RangeError for fewer than 2 rows or columns, or non-finite values.
 * @example const { projected, explainedVarianceRatio } = pca2d(test.images)
 */
export function pca2d(X: Matrix, options: Pca2dOptions = {}): Pca2d {
  const { rows: n, cols: d, data } = X;
  if (n < 2) throw new RangeError(`pca2d: expected X to have at least 2 rows (to estimate a covariance) but got ${n}.`);
  if (d < 2) throw new RangeError(`pca2d: expected X to have at least 2 columns (2 components) but got ${d}.`);
  const tol = options.tol ?? 1e-10;
  const maxIter = options.maxIter ?? 2000;
  if (!(tol > 0)) throw new RangeError(`pca2d: tol must be > 0, got ${tol}.`);
  if (!Number.isInteger(maxIter) || maxIter < 1) throw new RangeError(`pca2d: maxIter must be an integer >= 1, got ${maxIter}.`);

  // Mean and covariance: C = (Σ x xᵀ − n μ μᵀ) / (n − 1), upper triangle then mirrored.
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) mean[j] += data[o + j]!;
  }
  for (let j = 0; j < d; j++) {
    mean[j]! /= n;
    if (!Number.isFinite(mean[j]!)) throw new RangeError(`pca2d: X contains non-finite values in column ${j}; remove or impute them first.`);
  }
  const C = new Float64Array(d * d);
  const x = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) x[j] = data[o + j]!;
    for (let j = 0; j < d; j++) {
      const xj = x[j]!;
      if (xj === 0) continue; // raw pixels are ~50% zeros
      const cr = j * d;
      for (let k = j; k < d; k++) C[cr + k] += xj * x[k]!;
    }
  }
  let total = 0;
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const v = (C[j * d + k]! - n * mean[j]! * mean[k]!) / (n - 1);
      C[j * d + k] = v;
      C[k * d + j] = v;
    }
    total += C[j * d + j]!;
  }

  const { vectors, values, nIter } = topEigen(C, d, 2, tol, maxIter);
  const comp = new Float32Array(2 * d);
  for (let c = 0; c < 2; c++) {
    const v = vectors[c]!;
    let arg = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[arg]!)) arg = j;
    const s = v[arg]! < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) comp[c * d + j] = s * v[j]!;
  }
  const components: Matrix = { data: comp, rows: 2, cols: d };
  const explainedVariance = Float64Array.from(values.slice(0, 2), (v) => Math.max(0, v));
  const explainedVarianceRatio = explainedVariance.map((v) => (total > 0 ? v / total : 0));
  const transform = (Y: Matrix): Matrix => {
    if (Y.cols !== d) throw new RangeError(`pca2d.transform: expected ${d} columns (as fitted) but got ${Y.cols}.`);
    const out = new Float32Array(Y.rows * 2);
    for (let i = 0; i < Y.rows; i++) {
      const o = i * d;
      let a = 0, b = 0;
      for (let j = 0; j < d; j++) {
        const v = Y.data[o + j]! - mean[j]!;
        a += v * comp[j]!;
        b += v * comp[d + j]!;
      }
      out[2 * i] = a;
      out[2 * i + 1] = b;
    }
    return { data: out, rows: Y.rows, cols: 2 };
  };
  return { components, mean, explainedVariance, explainedVarianceRatio, projected: transform(X), nIter, transform };
}

/**
 * Top `k` eigenpairs of a symmetric d × d matrix by subspace iteration (block of
 * min(d, k + 4) vectors) with Rayleigh–Ritz; deterministic start.
 */
export function topEigen(C: Float64Array, d: number, k: number, tol = 1e-10, maxIter = 2000): { vectors: Float64Array[]; values: number[]; nIter: number } {
  const b = Math.min(d, k + 4);
  const rng = createRandom(20240229);
  let V: Float64Array[] = Array.from({ length: b }, () => Float64Array.from({ length: d }, () => rng.normal()));
  orthonormalize(V, d);
  const W: Float64Array[] = Array.from({ length: b }, () => new Float64Array(d));
  let values: number[] = new Array<number>(b).fill(0);
  let iter = 0;
  for (iter = 1; iter <= maxIter; iter++) {
    for (let c = 0; c < b; c++) symMatVec(C, d, V[c]!, W[c]!);
    // Rayleigh–Ritz: T = Vᵀ C V, rotate V (and W = C V) by T's eigenvectors, descending.
    const T = new Float64Array(b * b);
    for (let p = 0; p < b; p++) for (let q = p; q < b; q++) {
      const t = dot(V[p]!, W[q]!, d);
      T[p * b + q] = t;
      T[q * b + p] = t;
    }
    const { values: tv, vectors: Q } = jacobiEigen(T, b);
    const order = Array.from({ length: b }, (_, i) => i).sort((a1, a2) => tv[a2]! - tv[a1]!);
    const Vr = order.map((o) => combine(V, Q, o, b, d));
    const Wr = order.map((o) => combine(W, Q, o, b, d));
    values = order.map((o) => tv[o]!);
    // Residuals of the top k Ritz pairs.
    const scale = Math.max(Math.abs(values[0]!), 1e-300);
    let maxRes = 0;
    for (let c = 0; c < k; c++) {
      let r = 0;
      for (let j = 0; j < d; j++) { const e = Wr[c]![j]! - values[c]! * Vr[c]![j]!; r += e * e; }
      maxRes = Math.max(maxRes, Math.sqrt(r) / scale);
    }
    if (maxRes < tol || values[0] === 0) { V = Vr; break; }
    V = Wr; // next power step
    orthonormalize(V, d);
    if (iter === maxIter) V = Vr;
  }
  return { vectors: V.slice(0, k), values: values.slice(0, k), nIter: Math.min(iter, maxIter) };
}

function dot(a: Float64Array, b: Float64Array, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[j]! * b[j]!;
  return s;
}

function symMatVec(C: Float64Array, d: number, v: Float64Array, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += C[o + j]! * v[j]!;
    out[i] = s;
  }
}

/** Σ_p Q[p, col] · V[p] */
function combine(V: Float64Array[], Q: Float64Array, col: number, b: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let p = 0; p < b; p++) {
    const q = Q[p * b + col]!;
    if (q === 0) continue;
    const v = V[p]!;
    for (let j = 0; j < d; j++) out[j] += q * v[j]!;
  }
  return out;
}

/** Modified Gram–Schmidt in place; a vector that vanishes is replaced by a fresh basis vector. */
function orthonormalize(V: Float64Array[], d: number): void {
  let nextBasis = 0;
  for (let c = 0; c < V.length; c++) {
    let v = V[c]!;
    for (let attempt = 0; attempt <= d; attempt++) {
      const before = Math.sqrt(dot(v, v, d));
      for (let p = 0; p < c; p++) {
        const u = V[p]!;
        const s = dot(u, v, d);
        for (let j = 0; j < d; j++) v[j] -= s * u[j]!;
      }
      const norm = Math.sqrt(dot(v, v, d));
      if (norm > 1e-10 * Math.max(before, 1e-300) && norm > 1e-300) {
        for (let j = 0; j < d; j++) v[j]! /= norm;
        break;
      }
      v = new Float64Array(d);
      v[nextBasis++ % d] = 1;
      V[c] = v;
    }
  }
}

/** Eigen-decomposition of a small symmetric matrix (cyclic Jacobi). Columns of `vectors` are eigenvectors. */
export function jacobiEigen(A0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(A0);
  const Vm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vm[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) {
      if (p === q) diag += A[p * n + p]! ** 2; else off += A[p * n + q]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) {
      const apq = A[p * n + q]!;
      if (apq === 0) continue;
      const app = A[p * n + p]!, aqq = A[q * n + q]!;
      const theta = (aqq - app) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let r = 0; r < n; r++) {
        const arp = A[r * n + p]!, arq = A[r * n + q]!;
        A[r * n + p] = c * arp - s * arq;
        A[r * n + q] = s * arp + c * arq;
      }
      for (let r = 0; r < n; r++) {
        const apr = A[p * n + r]!, aqr = A[q * n + r]!;
        A[p * n + r] = c * apr - s * aqr;
        A[q * n + r] = s * apr + c * aqr;
      }
      for (let r = 0; r < n; r++) {
        const vrp = Vm[r * n + p]!, vrq = Vm[r * n + q]!;
        Vm[r * n + p] = c * vrp - s * vrq;
        Vm[r * n + q] = s * vrp + c * vrq;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i]!;
  return { values, vectors: Vm };
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
