/**
 * The two heavy steps of Gaussian-mixture EM, behind one interface with two engines:
 * - `js`: float64 loops, the same formulas as scikit-learn (`_estimate_log_gaussian_prob`,
 *   `_estimate_gaussian_parameters`); exact reference, used for small data;
 * - `tfjs`: the O(n·d²·k) work (full/tied) or O(n·d·k) work (diag/spherical) as matrix products on
 *   the TF.js backend over row chunks, float32 inside a chunk and float64 across chunks; used for
 *   large data (e.g. 60k × 128 codes).
 * Both take X as given (float32) and return float64 results.
 * @module
 */
import { columnMeans, type Matrix } from '../util/matrix.js';
import type { TF } from '../tf/backend.js';
import { precisionCholeskyFromCovariance } from './linalg.js';

/** Shape of the covariance parameters. */
export type CovarianceType = 'full' | 'tied' | 'diag' | 'spherical';

/** float64 machine epsilon (numpy's `np.finfo(float).eps`), added 10× to each Nk. */
export const EPS = 2.220446049250313e-16;

/** Number of float64 values of the covariances (and of the precision Cholesky factors). */
export function covarianceSize(type: CovarianceType, k: number, d: number): number {
  switch (type) {
    case 'full': return k * d * d;
    case 'tied': return d * d;
    case 'diag': return k * d;
    case 'spherical': return k;
  }
}

/** The shape of the covariances (and precision Cholesky factors) for a type: [k,d,d], [d,d], [k,d] or [k]. */
export function covarianceShape(type: CovarianceType, k: number, d: number): number[] {
  switch (type) {
    case 'full': return [k, d, d];
    case 'tied': return [d, d];
    case 'diag': return [k, d];
    case 'spherical': return [k];
  }
}

/** Result of the M-step estimate (scikit-learn's `_estimate_gaussian_parameters`). */
export interface GaussianEstimate {
  /** Σᵢ rᵢₖ + 10·eps, per component. */
  nk: Float64Array;
  /** k × d. */
  means: Float64Array;
  /** Shape by type (see {@link covarianceShape}), `regCovar` already added. */
  covariances: Float64Array;
}

/** The heavy steps of EM on a fixed X. */
export interface GmmEngine {
  readonly name: 'js' | 'tfjs';
  /** log N(xᵢ | μₖ, Σₖ) for every row and component: n × k row-major. */
  logGaussian(means: Float64Array, precChol: Float64Array): Float64Array;
  /** Weights (unnormalised Nk), means and covariances from responsibilities (n × k row-major). */
  estimate(resp: Float64Array, regCovar: number): GaussianEstimate;
  /** Releases backend memory (no-op for js). */
  dispose(): void;
}

/**
 * Error raised when a covariance is not positive definite even with `regCovar` on its diagonal.
 */
export class SingularCovarianceError extends RangeError {
  constructor(component: number | undefined, regCovar: number) {
    super(
      `GaussianMixture: the covariance${component === undefined ? '' : ` of component ${component}`} is not positive definite ` +
        `even with regCovar = ${regCovar} added to its diagonal (a component collapsed onto too few or duplicate points). ` +
        'Increase regCovar (e.g. 1e-4), use fewer components (nComponents), or scale the input features (e.g. standardise the columns).',
    );
    this.name = 'SingularCovarianceError';
  }
}

/**
 * Cholesky factors of the precisions from covariances, by type (scikit-learn's
 * `_compute_precision_cholesky`): upper-triangular P with P·Pᵀ = Σ⁻¹ for full/tied, 1/√σ² for
 * diag/spherical.
 * @throws SingularCovarianceError when a covariance is not positive definite.
 */
export function precisionCholesky(cov: Float64Array, type: CovarianceType, k: number, d: number, regCovar: number): Float64Array {
  const out = new Float64Array(cov.length);
  if (type === 'full' || type === 'tied') {
    const m = type === 'full' ? k : 1;
    for (let c = 0; c < m; c++) {
      const p = precisionCholeskyFromCovariance(cov, d, c * d * d);
      if (!p) throw new SingularCovarianceError(type === 'full' ? c : undefined, regCovar);
      out.set(p, c * d * d);
    }
  } else {
    for (let i = 0; i < cov.length; i++) {
      const v = cov[i]!;
      if (!(v > 0) || !Number.isFinite(v)) throw new SingularCovarianceError(type === 'diag' ? Math.floor(i / d) : i, regCovar);
      out[i] = 1 / Math.sqrt(v);
    }
  }
  return out;
}

/** log-determinant of each component's precision Cholesky factor (length k). */
export function logDetCholesky(precChol: Float64Array, type: CovarianceType, k: number, d: number): Float64Array {
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    switch (type) {
      case 'full': for (let j = 0; j < d; j++) s += Math.log(precChol[c * d * d + j * d + j]!); break;
      case 'tied': for (let j = 0; j < d; j++) s += Math.log(precChol[j * d + j]!); break;
      case 'diag': for (let j = 0; j < d; j++) s += Math.log(precChol[c * d + j]!); break;
      case 'spherical': s = d * Math.log(precChol[c]!); break;
    }
    out[c] = s;
  }
  return out;
}

const LOG_2PI = Math.log(2 * Math.PI);

/** Nk (+10·eps) and float64 means from responsibilities: the part shared by every type. */
function nkAndMeans(x: Matrix, resp: Float64Array, k: number): { nk: Float64Array; sumR: Float64Array; means: Float64Array } {
  const { data, rows: n, cols: d } = x;
  const sumR = new Float64Array(k);
  const means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      if (r === 0) continue;
      sumR[c] += r;
      const mo = c * d;
      for (let j = 0; j < d; j++) means[mo + j] += r * data[o + j]!;
    }
  }
  const nk = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    nk[c] = sumR[c]! + 10 * EPS;
    for (let j = 0; j < d; j++) means[c * d + j] /= nk[c]!;
  }
  return { nk, sumR, means };
}

/**
 * Tied covariance from the centred scatter: scikit-learn's (XᵀX − Σₖ Nk μₖμₖᵀ) / ΣNk, rewritten
 * around the column mean x̄ so that no large terms cancel (exactly equal in exact arithmetic, also
 * when rows of resp do not sum to 1):
 * X'ᵀX' − Σ Nk μ'μ'ᵀ + (n − ΣNk) x̄x̄ᵀ − t x̄ᵀ − x̄ tᵀ with X' = X − x̄, μ' = μ − x̄, t = Σ Nk μ'.
 */
export function tiedFromCentredScatter(
  scatter: Float64Array, xbar: Float64Array, n: number, nk: Float64Array, means: Float64Array, k: number, d: number, regCovar: number,
): Float64Array {
  const cov = Float64Array.from(scatter);
  const t = new Float64Array(d);
  let sumNk = 0;
  const mu = new Float64Array(d);
  for (let c = 0; c < k; c++) {
    const w = nk[c]!;
    sumNk += w;
    for (let j = 0; j < d; j++) { mu[j] = means[c * d + j]! - xbar[j]!; t[j] += w * mu[j]!; }
    for (let a = 0; a < d; a++) {
      const wa = w * mu[a]!;
      for (let b = 0; b < d; b++) cov[a * d + b] -= wa * mu[b]!;
    }
  }
  const extra = n - sumNk;
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < d; b++) {
      cov[a * d + b] += extra * xbar[a]! * xbar[b]! - t[a]! * xbar[b]! - xbar[a]! * t[b]!;
    }
  }
  for (let i = 0; i < d * d; i++) cov[i] /= sumNk;
  // Symmetrise (rounding) and regularise.
  for (let a = 0; a < d; a++) {
    for (let b = a + 1; b < d; b++) {
      const v = 0.5 * (cov[a * d + b]! + cov[b * d + a]!);
      cov[a * d + b] = v; cov[b * d + a] = v;
    }
    cov[a * d + a] += regCovar;
  }
  return cov;
}

/** The float64 reference engine. */
export function jsEngine(x: Matrix, type: CovarianceType, k: number): GmmEngine {
  const { data, rows: n, cols: d } = x;
  let tiedScatter: { xbar: Float64Array; scatter: Float64Array } | undefined;
  const diff = new Float64Array(d);
  return {
    name: 'js',
    logGaussian(means, precChol) {
      const out = new Float64Array(n * k);
      const logDet = logDetCholesky(precChol, type, k, d);
      const base = d * LOG_2PI;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        for (let c = 0; c < k; c++) {
          const mo = c * d;
          let maha = 0;
          if (type === 'full' || type === 'tied') {
            const po = type === 'full' ? c * d * d : 0;
            for (let j = 0; j < d; j++) diff[j] = data[o + j]! - means[mo + j]!;
            // y = diff · P with P upper triangular: y_j = Σ_{a ≤ j} diff_a P[a, j].
            for (let j = 0; j < d; j++) {
              let y = 0;
              for (let a = 0; a <= j; a++) y += diff[a]! * precChol[po + a * d + j]!;
              maha += y * y;
            }
          } else if (type === 'diag') {
            for (let j = 0; j < d; j++) {
              const y = (data[o + j]! - means[mo + j]!) * precChol[mo + j]!;
              maha += y * y;
            }
          } else {
            let s = 0;
            for (let j = 0; j < d; j++) {
              const v = data[o + j]! - means[mo + j]!;
              s += v * v;
            }
            const p = precChol[c]!;
            maha = s * p * p;
          }
          out[i * k + c] = -0.5 * (base + maha) + logDet[c]!;
        }
      }
      return out;
    },
    estimate(resp, regCovar) {
      const { nk, sumR, means } = nkAndMeans(x, resp, k);
      let covariances: Float64Array;
      if (type === 'full') {
        covariances = new Float64Array(k * d * d);
        for (let c = 0; c < k; c++) {
          const co = c * d * d;
          const mo = c * d;
          for (let i = 0; i < n; i++) {
            const r = resp[i * k + c]!;
            if (r === 0) continue;
            const o = i * d;
            for (let j = 0; j < d; j++) diff[j] = data[o + j]! - means[mo + j]!;
            for (let a = 0; a < d; a++) {
              const ra = r * diff[a]!;
              const ro = co + a * d;
              for (let b = a; b < d; b++) covariances[ro + b] += ra * diff[b]!;
            }
          }
          const inv = 1 / nk[c]!;
          for (let a = 0; a < d; a++) {
            for (let b = a; b < d; b++) {
              const v = covariances[co + a * d + b]! * inv;
              covariances[co + a * d + b] = v;
              covariances[co + b * d + a] = v;
            }
            covariances[co + a * d + a] += regCovar;
          }
        }
      } else if (type === 'tied') {
        if (!tiedScatter) {
          const xbar = columnMeans(x);
          const scatter = new Float64Array(d * d);
          for (let i = 0; i < n; i++) {
            const o = i * d;
            for (let j = 0; j < d; j++) diff[j] = data[o + j]! - xbar[j]!;
            for (let a = 0; a < d; a++) {
              const va = diff[a]!;
              for (let b = a; b < d; b++) scatter[a * d + b] += va * diff[b]!;
            }
          }
          for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) scatter[a * d + b] = scatter[b * d + a]!;
          tiedScatter = { xbar, scatter };
        }
        covariances = tiedFromCentredScatter(tiedScatter.scatter, tiedScatter.xbar, n, nk, means, k, d, regCovar);
      } else {
        // diag: Σ r (x − μ)² / Nk + μ²·(Nk − Σr)/Nk  (= scikit-learn's avg_X2 − 2 avg_X_means + avg_means2)
        const diag = new Float64Array(k * d);
        for (let i = 0; i < n; i++) {
          const o = i * d;
          for (let c = 0; c < k; c++) {
            const r = resp[i * k + c]!;
            if (r === 0) continue;
            const mo = c * d;
            for (let j = 0; j < d; j++) {
              const v = data[o + j]! - means[mo + j]!;
              diag[mo + j] += r * v * v;
            }
          }
        }
        for (let c = 0; c < k; c++) {
          const inv = 1 / nk[c]!;
          const extra = (nk[c]! - sumR[c]!) * inv;
          for (let j = 0; j < d; j++) {
            const mu = means[c * d + j]!;
            diag[c * d + j] = diag[c * d + j]! * inv + mu * mu * extra + regCovar;
          }
        }
        covariances = type === 'diag' ? diag : sphericalFromDiag(diag, k, d);
      }
      return { nk, means, covariances };
    },
    dispose() { /* nothing to release */ },
  };
}

/** Spherical variances: the mean of each component's diagonal variances. */
export function sphericalFromDiag(diag: Float64Array, k: number, d: number): Float64Array {
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += diag[c * d + j]!;
    out[c] = s / d;
  }
  return out;
}

/** Rows per backend chunk in the tfjs engine. */
const TF_CHUNK = 8192;

type Tensor2D = ReturnType<TF['tensor2d']>;

/**
 * The TF.js engine. X − x̄ (column mean in float64, then float32: centring keeps float32 products
 * small) lives on the backend in row chunks until {@link GmmEngine.dispose}. Every product is a
 * plain `matMul(A, B)` without transpose flags: on wasm XNNPACK here that runs at ≈30–45 GFLOP/s
 * while `transposeA`/`transposeB` fall to ≈2.5 GFLOP/s, so each chunk is also stored transposed.
 * - full/tied: chunks Xc [m, d] and Xcᵀ [d, m].
 *   E-step: `matMul(Xc, [P₁ … P_k])` ([m, d] × [d, k·d]) minus μ'ₖPₖ, squared, summed per component;
 *   P is upper triangular, so the product is split at column d/2 to skip the zero block.
 *   M-step (full): per component (Xc − μ'ₖ)ᵀ·diag(rₖ)·(Xc − μ'ₖ), exactly centred; tied: the scatter
 *   XcᵀXc once, then scikit-learn's formula. Means: Xcᵀ·R.
 * - diag/spherical: chunks Aᵀ = [Xcᵀ; (Xcᵀ)²] [2d, m]. E-step: `matMul([−2μ'p, p]ᵀ, Aᵀ)` + Σμ'²p
 *   (p = precisions); M-step: Aᵀ·R gives Σr·x and Σr·x², variance = E[x²] − μ'² (clamped at 0)
 *   + regCovar.
 * Chunk results are summed in float64.
 */
export function tfjsEngine(tf: TF, x: Matrix, type: CovarianceType, k: number): GmmEngine {
  const { rows: n, cols: d } = x;
  const xbar = columnMeans(x);
  // Centred values of large magnitude overflow float32 products (and their squares), tiny ones
  // underflow: such data goes to the backend scaled by a power of two s (exact), and every result
  // is unscaled in float64 (means ÷ s, covariances ÷ s², precision factors × s).
  const dataScale = centredSafeScale(x, xbar);
  const scale2 = dataScale * dataScale;
  const isFull = type === 'full' || type === 'tied';
  // Split column of the triangular E-step product (0: no split, for small d).
  const h = isFull && d >= 32 ? d >> 1 : 0;
  const chunks: { start: number; size: number; xc?: Tensor2D; xcLeft?: Tensor2D; xct: Tensor2D }[] = [];
  try {
    for (let start = 0; start < n; start += TF_CHUNK) {
      const size = Math.min(TF_CHUNK, n - start);
      const rowsBuf = new Float32Array(size * d);
      for (let i = 0; i < size; i++) {
        const o = (start + i) * d;
        for (let j = 0; j < d; j++) rowsBuf[i * d + j] = (x.data[o + j]! - xbar[j]!) * dataScale;
      }
      // Transposed copy ([Xcᵀ] or [Xcᵀ; Xc²ᵀ]) in 32 × 32 tiles (cache-friendly).
      const colsBuf = new Float32Array(size * d * (isFull ? 1 : 2));
      const sq = isFull ? -1 : d * size;
      for (let i0 = 0; i0 < size; i0 += 32) {
        const i1 = Math.min(size, i0 + 32);
        for (let j0 = 0; j0 < d; j0 += 32) {
          const j1 = Math.min(d, j0 + 32);
          for (let j = j0; j < j1; j++) {
            const co = j * size;
            for (let i = i0; i < i1; i++) {
              const v = rowsBuf[i * d + j]!;
              colsBuf[co + i] = v;
              if (sq >= 0) colsBuf[sq + co + i] = v * v;
            }
          }
        }
      }
      chunks.push({
        start, size,
        ...(isFull ? { xc: tf.tensor2d(rowsBuf, [size, d], 'float32') } : {}),
        ...(h > 0 ? { xcLeft: tf.tensor2d(leftColumns(rowsBuf, size, d, h), [size, h], 'float32') } : {}),
        xct: tf.tensor2d(colsBuf, [isFull ? d : 2 * d, size], 'float32'),
      });
    }
  } catch (err) {
    for (const c of chunks) { c.xc?.dispose(); c.xcLeft?.dispose(); c.xct.dispose(); }
    throw err;
  }
  let tiedScatter: Float64Array | undefined;
  let disposed = false;
  const check = (): void => { if (disposed) throw new Error('GaussianMixture tfjs engine used after dispose().'); };
  const readAndDispose = (t: Tensor2D): Float32Array => {
    const v = t.dataSync() as Float32Array;
    t.dispose();
    return v;
  };
  /**
   * Responsibilities as float32 for the backend, each component scaled by 1 / its largest value and
   * values below 1e-20 of it set to 0: tiny responsibilities (e^-100 …) would otherwise become
   * float32 subnormals, which slow XNNPACK's products down several-fold on x86, while their
   * contribution is far below float32 precision. Multiply results for component c by scale[c].
   */
  const respScale = (resp: Float64Array): Float64Array => {
    const scale = new Float64Array(k);
    for (let i = 0; i < n * k; i++) { const c = i % k; if (resp[i]! > scale[c]!) scale[c] = resp[i]!; }
    for (let c = 0; c < k; c++) if (!(scale[c]! > 0)) scale[c] = 1;
    return scale;
  };
  const scaledResp = (resp: Float64Array, scale: Float64Array, start: number, size: number, c?: number): Float32Array => {
    const out = new Float32Array(c === undefined ? size * k : size);
    for (let i = 0; i < size; i++) {
      for (let cc = c ?? 0; cc < (c === undefined ? k : c + 1); cc++) {
        const v = resp[(start + i) * k + cc]! / scale[cc]!;
        out[c === undefined ? i * k + cc : i] = v >= 1e-20 ? v : 0;
      }
    }
    return out;
  };

  return {
    name: 'tfjs',
    logGaussian(means, precCholIn) {
      check();
      const out = new Float64Array(n * k);
      const logDet = logDetCholesky(precCholIn, type, k, d);
      const base = d * LOG_2PI;
      // In the scaled units of the backend data: μ' = (μ − x̄)·s, P' = P / s (the Mahalanobis
      // distances, and so the result, are unchanged).
      const precChol = dataScale === 1 ? precCholIn : precCholIn.map((v) => v / dataScale);
      const mu = new Float64Array(k * d);
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) mu[c * d + j] = (means[c * d + j]! - xbar[j]!) * dataScale;
      if (isFull) {
        const m = type === 'full' ? k : 1;
        // b [k·d] = μ'c·P(c)
        const b = new Float32Array(k * d);
        for (let c = 0; c < k; c++) {
          const po = type === 'full' ? c * d * d : 0;
          for (let j = 0; j < d; j++) {
            let s = 0;
            for (let a = 0; a <= j; a++) s += mu[c * d + a]! * precChol[po + a * d + j]!;
            b[c * d + j] = s;
          }
        }
        // P is upper triangular: columns j < h only need rows a < h. Two products,
        // Xc[:, :h]·[P₁[:h, :h] …] and Xc·[P₁[:, h:] …], skip the zero block (¼ of the work).
        // Column blocks [lo, hi) of every P side by side: a [rows, m·(hi − lo)] matrix.
        const blocks = (rows: number, lo: number, hi: number): Float32Array => {
          const w = hi - lo;
          const out = new Float32Array(rows * m * w);
          for (let c = 0; c < m; c++) {
            for (let a = 0; a < rows; a++) for (let j = lo; j < hi; j++) out[a * m * w + c * w + (j - lo)] = precChol[c * d * d + a * d + j]!;
          }
          return out;
        };
        const bias = (lo: number, hi: number): Float32Array => {
          const w = hi - lo;
          const out = new Float32Array(k * w);
          for (let c = 0; c < k; c++) for (let j = lo; j < hi; j++) out[c * w + (j - lo)] = b[c * d + j]!;
          return out;
        };
        const parts = h > 0
          ? [{ lo: 0, hi: h, left: true }, { lo: h, hi: d, left: false }]
          : [{ lo: 0, hi: d, left: false }];
        const tensors = parts.map(({ lo, hi, left }) => ({
          left,
          w: hi - lo,
          p: tf.tensor2d(blocks(left ? hi : d, lo, hi), [left ? hi : d, m * (hi - lo)], 'float32'),
          b: tf.tensor2d(bias(lo, hi), [1, k * (hi - lo)], 'float32'),
        }));
        try {
          for (const { xc, xcLeft, start, size } of chunks) {
            const v = readAndDispose(tf.tidy(() => {
              let total: Tensor2D | undefined;
              for (const t of tensors) {
                let y = tf.matMul(t.left ? xcLeft! : xc!, t.p); // [size, m·w]
                if (m === 1 && k > 1) y = tf.tile(y, [1, k]);
                const part = tf.sum(tf.reshape(tf.square(tf.sub(y, t.b)), [size, k, t.w]), 2) as Tensor2D;
                total = total ? (tf.add(total, part) as Tensor2D) : part;
              }
              return total!;
            }));
            for (let i = 0; i < size * k; i++) out[start * k + i] = -0.5 * (base + v[i]!) + logDet[i % k]!;
          }
        } finally { for (const t of tensors) { t.p.dispose(); t.b.dispose(); } }
      } else {
        // maha[c, i] = Σ_j p_cj x_ij² − 2 Σ_j μ'_cj p_cj x_ij + Σ_j μ'_cj² p_cj
        const bt = new Float32Array(k * 2 * d);
        const cst = new Float64Array(k);
        for (let c = 0; c < k; c++) {
          for (let j = 0; j < d; j++) {
            const pc = type === 'diag' ? precChol[c * d + j]! : precChol[c]!;
            const p = pc * pc;
            const m = mu[c * d + j]!;
            bt[c * 2 * d + j] = -2 * m * p;
            bt[c * 2 * d + d + j] = p;
            cst[c] += m * m * p;
          }
        }
        const bT = tf.tensor2d(bt, [k, 2 * d], 'float32');
        try {
          for (const { xct, start, size } of chunks) {
            const v = readAndDispose(tf.matMul(bT, xct)); // [k, size]
            for (let c = 0; c < k; c++) {
              const lc = logDet[c]!, cc = cst[c]!;
              for (let i = 0; i < size; i++) {
                const maha = Math.max(0, v[c * size + i]! + cc);
                out[(start + i) * k + c] = -0.5 * (base + maha) + lc;
              }
            }
          }
        } finally { bT.dispose(); }
      }
      return out;
    },
    estimate(resp, regCovar) {
      check();
      const sumR = new Float64Array(k);
      for (let i = 0; i < n * k; i++) sumR[i % k] += resp[i]!;
      // Xcᵀ·R (and (Xc²)ᵀ·R for diag): [d or 2d, k] per chunk, summed in float64.
      const rowsOut = isFull ? d : 2 * d;
      const sums = new Float64Array(rowsOut * k);
      const scale = respScale(resp);
      for (const { xct, start, size } of chunks) {
        const v = readAndDispose(tf.tidy(() => tf.matMul(xct, tf.tensor2d(scaledResp(resp, scale, start, size), [size, k], 'float32'))));
        for (let i = 0; i < rowsOut * k; i++) sums[i] += v[i]! * scale[i % k]!;
      }
      const nk = new Float64Array(k);
      const mu = new Float64Array(k * d); // centred means
      const means = new Float64Array(k * d);
      for (let c = 0; c < k; c++) {
        nk[c] = sumR[c]! + 10 * EPS;
        for (let j = 0; j < d; j++) {
          mu[c * d + j] = sums[j * k + c]! / nk[c]!; // scaled units
          means[c * d + j] = mu[c * d + j]! / dataScale + xbar[j]!;
        }
      }
      let covariances: Float64Array;
      if (type === 'full') {
        covariances = new Float64Array(k * d * d);
        const acc = new Float64Array(d * d);
        for (let c = 0; c < k; c++) {
          acc.fill(0);
          const mc = tf.tensor2d(Float32Array.from(mu.subarray(c * d, (c + 1) * d)), [1, d], 'float32');
          const mcT = tf.reshape(mc, [d, 1]);
          try {
            for (const { xc, xct, start, size } of chunks) {
              const r = scaledResp(resp, scale, start, size, c);
              // (Xc − μ')ᵀ·diag(r)·(Xc − μ'), exactly centred.
              const v = readAndDispose(tf.tidy(() => {
                const w = tf.sub(xc!, mc);
                const wt = tf.mul(tf.sub(xct, mcT), tf.tensor2d(r, [1, size], 'float32'));
                return tf.matMul(wt, w);
              }));
              const sc = scale[c]!;
              for (let i = 0; i < d * d; i++) acc[i] += v[i]! * sc;
            }
          } finally { mc.dispose(); mcT.dispose(); }
          const co = c * d * d;
          const inv = 1 / nk[c]! / scale2;
          for (let a = 0; a < d; a++) {
            for (let b2 = a; b2 < d; b2++) {
              const v = 0.5 * (acc[a * d + b2]! + acc[b2 * d + a]!) * inv;
              covariances[co + a * d + b2] = v;
              covariances[co + b2 * d + a] = v;
            }
            covariances[co + a * d + a] += regCovar;
          }
        }
      } else if (type === 'tied') {
        if (!tiedScatter) {
          tiedScatter = new Float64Array(d * d);
          for (const { xc, xct } of chunks) {
            const v = readAndDispose(tf.matMul(xct, xc!));
            for (let i = 0; i < d * d; i++) tiedScatter[i] += v[i]!;
          }
          if (dataScale !== 1) for (let i = 0; i < d * d; i++) tiedScatter[i] /= scale2;
        }
        covariances = tiedFromCentredScatter(tiedScatter, xbar, n, nk, means, k, d, regCovar);
      } else {
        const diag = new Float64Array(k * d);
        for (let c = 0; c < k; c++) {
          const inv = 1 / nk[c]!;
          for (let j = 0; j < d; j++) {
            const m = mu[c * d + j]!;
            // Σr(x−μ')² = Σr x² − 2μ'Σr x + μ'²Σr, with Σr x = Nk'μ'.
            const v = (sums[(d + j) * k + c]! - 2 * m * sums[j * k + c]! + m * m * sumR[c]!) * inv / scale2;
            const mm = means[c * d + j]!;
            diag[c * d + j] = Math.max(0, v) + mm * mm * (nk[c]! - sumR[c]!) * inv + regCovar;
          }
        }
        covariances = type === 'diag' ? diag : sphericalFromDiag(diag, k, d);
      }
      return { nk, means, covariances };
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const c of chunks) { c.xc?.dispose(); c.xcLeft?.dispose(); c.xct.dispose(); }
    },
  };
}

/**
 * The power of two by which the centred data is scaled on the backend: 1 for ordinary data
 * (bit-identical results), else one that brings the largest |x − x̄| into [1, 2) (see
 * `float32SafeScale` in kmeans-kernels; the bounds here are 2^±32 because squares are stored too).
 */
function centredSafeScale(x: Matrix, xbar: Float64Array): number {
  const { data, rows: n, cols: d } = x;
  let max = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = Math.abs(data[o + j]! - xbar[j]!);
      if (v > max) max = v;
    }
  }
  if (!(max > 0) || !Number.isFinite(max) || (max <= 2 ** 32 && max >= 2 ** -32)) return 1;
  return 2 ** -Math.floor(Math.log2(max));
}

/** The first h columns of a row-major [rows, d] buffer. */
function leftColumns(buf: Float32Array, rows: number, d: number, h: number): Float32Array {
  const out = new Float32Array(rows * h);
  for (let i = 0; i < rows; i++) out.set(buf.subarray(i * d, i * d + h), i * h);
  return out;
}
