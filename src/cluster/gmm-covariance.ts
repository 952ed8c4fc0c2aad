/**
 * The Gaussian mixture's covariance models, one per covariance type, like scikit-learn's per-type
 * functions in `sklearn/mixture/_gaussian_mixture.py` (`_estimate_gaussian_covariances_*`,
 * `_compute_precision_cholesky`, `_compute_log_det_cholesky`, `_estimate_log_gaussian_prob`,
 * `_n_parameters`): each says how its covariances are estimated from responsibilities, factored,
 * and used in the log-densities, over the Gaussian products of the compute floor
 * (`../linalg/gaussian.ts`), which run on either engine. The maths is written once per type; the
 * engines differ only inside the floor's products.
 * @module
 */
import {
  type GaussianData, mahalanobisDiagonal, mahalanobisTriangular, weightedScatter, weightedSquaredDeviations, weightedSums,
} from '../linalg/gaussian.js';
import {
  choleskyUpperUUt, covarianceFromPrecisionCholesky, precisionCholeskyFromCovariance,
} from '../linalg/cholesky.js';
import type { Matrix } from '../util/matrix.js';

/** Shape of the covariance parameters. */
export type CovarianceType = 'full' | 'tied' | 'diag' | 'spherical';

/** float64 machine epsilon (numpy's `np.finfo(float).eps`), added 10× to each Nk as in scikit-learn. */
export const EPS = 2.220446049250313e-16;

const LOG_2PI = Math.log(2 * Math.PI);

/**
 * Error raised when a covariance is ill-defined: not positive definite even with `regCovar` on its
 * diagonal (a component collapsed onto too few or duplicate points, or a constant column with
 * `regCovar = 0`). scikit-learn refuses the same fits ("ill-defined empirical covariance").
 * @example
 * try { gm.fit(X); } catch (e) { if (e instanceof SingularCovarianceError) gm = new GaussianMixture({ ...gm.options, regCovar: 1e-4 }).fit(X); }
 */
export class SingularCovarianceError extends RangeError {
  /**
   * @param component the component whose covariance failed (undefined: the shared one, or all).
   * @param regCovar the regularisation that was added.
   * @param cause what makes it singular, when known (e.g. a constant column).
   */
  constructor(component: number | undefined, regCovar: number, cause?: string) {
    super(
      `GaussianMixture: the covariance${component === undefined ? '' : ` of component ${component}`} is not positive definite ` +
        `even with regCovar = ${regCovar} added to its diagonal: an ill-defined empirical covariance ` +
        `(${cause ?? 'a component collapsed onto too few or duplicate points'}). ` +
        'Increase regCovar (e.g. 1e-6, the default, or 1e-4), use fewer components (nComponents), or scale the input features (e.g. standardise the columns).',
    );
    this.name = 'SingularCovarianceError';
  }
}

/** What the EM loop needs of a covariance type. @example covarianceModel('full').logDet(precChol, k, d) */
export interface CovarianceModel {
  readonly type: CovarianceType;
  /** Shape of the covariances (and precision Cholesky factors): [k,d,d], [d,d], [k,d] or [k]. */
  shape(k: number, d: number): number[];
  /** Free parameters of the covariances (scikit-learn's `_n_parameters` minus means and weights). */
  nParameters(k: number, d: number): number;
  /**
   * Covariances from responsibilities (n × k), with nk = Σr + 10·eps and the means (k × d) of
   * the same M-step; `regCovar` added to the diagonals.
   */
  estimate(data: GaussianData, resp: Float64Array, nk: Float64Array, means: Float64Array, regCovar: number): Float64Array;
  /**
   * Cholesky factors of the precisions: upper-triangular P with P·Pᵀ = Σ⁻¹ (full, tied), 1/σ
   * (diag, spherical). @throws SingularCovarianceError when a covariance is not positive definite.
   */
  precisionCholesky(cov: Float64Array, k: number, d: number, regCovar: number): Float64Array;
  /** log det of each component's precision Cholesky factor (length k). */
  logDet(precChol: Float64Array, k: number, d: number): Float64Array;
  /** Squared Mahalanobis distances of every row to every component (n × k). */
  mahalanobis(data: GaussianData, means: Float64Array, precChol: Float64Array, k: number): Float64Array;
  /** Precisions Σ⁻¹ = P·Pᵀ, in the covariance shape. */
  precisions(precChol: Float64Array, k: number, d: number): Float64Array;
  /**
   * Precision Cholesky factors and covariances from given precisions (validated).
   * @throws RangeError for an asymmetric, non-positive-definite or non-positive precision.
   */
  fromPrecisions(p: Float64Array, k: number, d: number): { precChol: Float64Array; covariances: Float64Array };
}

/** Divides scatter matrices by nk, symmetrises (rounding) and adds regCovar to the diagonals. */
function finishMatrices(scatter: Float64Array, m: number, d: number, divisor: (c: number) => number, regCovar: number): Float64Array {
  for (let c = 0; c < m; c++) {
    const co = c * d * d;
    const inv = 1 / divisor(c);
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = 0.5 * (scatter[co + a * d + b]! + scatter[co + b * d + a]!) * inv;
        scatter[co + a * d + b] = v;
        scatter[co + b * d + a] = v;
      }
      scatter[co + a * d + a] += regCovar;
    }
  }
  return scatter;
}

/** P for each of m matrices (full: m = k; tied: m = 1). */
function triangularFactors(cov: Float64Array, m: number, d: number, regCovar: number, component: (c: number) => number | undefined): Float64Array {
  const out = new Float64Array(cov.length);
  for (let c = 0; c < m; c++) {
    const p = precisionCholeskyFromCovariance(cov, d, c * d * d);
    if (!p) throw new SingularCovarianceError(component(c), regCovar);
    out.set(p, c * d * d);
  }
  return out;
}

/** P·Pᵀ for each of m upper-triangular d × d factors. */
function triangularPrecisions(pc: Float64Array, m: number, d: number): Float64Array {
  const out = new Float64Array(m * d * d);
  for (let c = 0; c < m; c++) {
    const o = c * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let q = Math.max(i, j); q < d; q++) s += pc[o + i * d + q]! * pc[o + j * d + q]!;
        out[o + i * d + j] = s;
      }
    }
  }
  return out;
}

/** Validated factors and covariances of m given symmetric positive definite precisions. */
function triangularFromPrecisions(p: Float64Array, m: number, d: number, type: 'full' | 'tied'): { precChol: Float64Array; covariances: Float64Array } {
  const precChol = new Float64Array(m * d * d);
  const covariances = new Float64Array(m * d * d);
  for (let c = 0; c < m; c++) {
    const o = c * d * d;
    const which = type === 'full' ? ` of component ${c}` : '';
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < i; j++) {
        const a = p[o + i * d + j]!, b = p[o + j * d + i]!;
        if (Math.abs(a - b) > 1e-8 * Math.max(1, Math.abs(a), Math.abs(b))) {
          throw new RangeError(`precisionsInit${which} is not symmetric (entries [${i}, ${j}] = ${a} and [${j}, ${i}] = ${b}).`);
        }
      }
    }
    const u = choleskyUpperUUt(p, d, o);
    if (!u) throw new RangeError(`precisionsInit${which} is not positive definite.`);
    precChol.set(u, o);
    covariances.set(covarianceFromPrecisionCholesky(u, d), o);
  }
  return { precChol, covariances };
}

/** Σ log Pⱼⱼ of each of m triangular factors. */
function triangularLogDet(pc: Float64Array, m: number, k: number, d: number): Float64Array {
  const out = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    const o = (m === 1 ? 0 : c) * d * d;
    let s = 0;
    for (let j = 0; j < d; j++) s += Math.log(pc[o + j * d + j]!);
    out[c] = s;
  }
  return out;
}

/** 1/√σ² for positive variances (diag: component = index ÷ d; spherical: index). */
function scalarFactors(cov: Float64Array, regCovar: number, component: (i: number) => number): Float64Array {
  const out = new Float64Array(cov.length);
  for (let i = 0; i < cov.length; i++) {
    const v = cov[i]!;
    if (!(v > 0) || !Number.isFinite(v)) throw new SingularCovarianceError(component(i), regCovar);
    out[i] = 1 / Math.sqrt(v);
  }
  return out;
}

/** Validated factors and covariances from given positive scalar precisions. */
function scalarFromPrecisions(p: Float64Array, type: 'diag' | 'spherical'): { precChol: Float64Array; covariances: Float64Array } {
  const precChol = new Float64Array(p.length);
  const covariances = new Float64Array(p.length);
  for (let i = 0; i < p.length; i++) {
    const v = p[i]!;
    if (!(v > 0) || !Number.isFinite(v)) throw new RangeError(`precisionsInit values must be positive (${type} precisions), got ${v} at index ${i}.`);
    precChol[i] = Math.sqrt(v);
    covariances[i] = 1 / v;
  }
  return { precChol, covariances };
}

/** Diagonal variances Σr(x − μ)²/Nk + regCovar (k × d), exactly centred on each mean. */
function diagonalVariances(data: GaussianData, resp: Float64Array, nk: Float64Array, means: Float64Array, regCovar: number): Float64Array {
  const k = nk.length, d = data.cols;
  const dev = weightedSquaredDeviations(data, resp, k, means);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) dev[c * d + j] = dev[c * d + j]! / nk[c]! + regCovar;
  return dev;
}

/** One d × d covariance per component. */
const full: CovarianceModel = {
  type: 'full',
  shape: (k, d) => [k, d, d],
  nParameters: (k, d) => (k * d * (d + 1)) / 2,
  estimate(data, resp, nk, means, regCovar) {
    const d = data.cols;
    return finishMatrices(weightedScatter(data, resp, nk.length, means), nk.length, d, (c) => nk[c]!, regCovar);
  },
  precisionCholesky: (cov, k, d, regCovar) => triangularFactors(cov, k, d, regCovar, (c) => c),
  logDet: (pc, k, d) => triangularLogDet(pc, k, k, d),
  mahalanobis: (data, means, pc) => mahalanobisTriangular(data, means, pc, false),
  precisions: (pc, k, d) => triangularPrecisions(pc, k, d),
  fromPrecisions: (p, k, d) => triangularFromPrecisions(p, k, d, 'full'),
};

/**
 * One d × d covariance shared by all components. scikit-learn computes (XᵀX − Σₖ Nk μₖμₖᵀ) / ΣNk,
 * which cancels catastrophically when the clusters are far apart compared with their spread (in
 * float32 on the tfjs engine it made the covariance indefinite at a separation of 1e4 spreads;
 * scikit-learn itself fits a constant column at offset 1e3 with variance 1.8). Here it is the sum of
 * the components' exactly centred scatters, equal in exact arithmetic up to scikit-learn's
 * 10·eps·Σμμᵀ: Σₖ Σᵢ rᵢₖ (xᵢ − μₖ)(xᵢ − μₖ)ᵀ + Σᵢ (1 − wᵢ) xᵢxᵢᵀ, over ΣNk, where the last term
 * (wᵢ = Σₖ rᵢₖ) counts, like scikit-learn's XᵀX, rows whose responsibilities do not sum to 1
 * (beyond rounding: |1 − wᵢ| > 1e-9), e.g. rows of zeros given to `estimateGaussianParameters`.
 */
const tied: CovarianceModel = {
  type: 'tied',
  shape: (_k, d) => [d, d],
  nParameters: (_k, d) => (d * (d + 1)) / 2,
  estimate(data, resp, nk, means, regCovar) {
    const d = data.cols, n = data.rows, k = nk.length;
    const perComponent = weightedScatter(data, resp, k, means);
    const cov = new Float64Array(d * d);
    for (let c = 0; c < k; c++) for (let i = 0; i < d * d; i++) cov[i] += perComponent[c * d * d + i]!;
    const deficit = new Float64Array(n);
    let anyDeficit = false;
    for (let i = 0; i < n; i++) {
      let w = 0;
      for (let c = 0; c < k; c++) w += resp[i * k + c]!;
      if (Math.abs(1 - w) > 1e-9) { deficit[i] = 1 - w; anyDeficit = true; }
    }
    if (anyDeficit) {
      const rows = weightedScatter(data, deficit, 1, new Float64Array(d)); // Σ (1 − wᵢ) xᵢxᵢᵀ
      for (let i = 0; i < d * d; i++) cov[i] += rows[i]!;
    }
    let sumNk = 0;
    for (let c = 0; c < k; c++) sumNk += nk[c]!;
    return finishMatrices(cov, 1, d, () => sumNk, regCovar);
  },
  precisionCholesky: (cov, _k, d, regCovar) => triangularFactors(cov, 1, d, regCovar, () => undefined),
  logDet: (pc, k, d) => triangularLogDet(pc, 1, k, d),
  mahalanobis: (data, means, pc) => mahalanobisTriangular(data, means, pc, true),
  precisions: (pc, _k, d) => triangularPrecisions(pc, 1, d),
  fromPrecisions: (p, _k, d) => triangularFromPrecisions(p, 1, d, 'tied'),
};

/** One variance per component and feature. */
const diag: CovarianceModel = {
  type: 'diag',
  shape: (k, d) => [k, d],
  nParameters: (k, d) => k * d,
  estimate: diagonalVariances,
  precisionCholesky: (cov, _k, d, regCovar) => scalarFactors(cov, regCovar, (i) => Math.floor(i / d)),
  logDet(pc, k, d) {
    const out = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += Math.log(pc[c * d + j]!);
      out[c] = s;
    }
    return out;
  },
  mahalanobis: (data, means, pc) => mahalanobisDiagonal(data, means, pc.map((v) => v * v)),
  precisions: (pc) => pc.map((v) => v * v),
  fromPrecisions: (p) => scalarFromPrecisions(p, 'diag'),
};

/** One variance per component (the mean of its diagonal variances). */
const spherical: CovarianceModel = {
  type: 'spherical',
  shape: (k) => [k],
  nParameters: (k) => k,
  estimate(data, resp, nk, means, regCovar) {
    const k = nk.length, d = data.cols;
    const v = diagonalVariances(data, resp, nk, means, regCovar);
    const out = new Float64Array(k);
    for (let c = 0; c < k; c++) {
      let s = 0;
      for (let j = 0; j < d; j++) s += v[c * d + j]!;
      out[c] = s / d;
    }
    return out;
  },
  precisionCholesky: (cov, _k, _d, regCovar) => scalarFactors(cov, regCovar, (i) => i),
  logDet(pc, k, d) {
    const out = new Float64Array(k);
    for (let c = 0; c < k; c++) out[c] = d * Math.log(pc[c]!);
    return out;
  },
  mahalanobis(data, means, pc, k) {
    const d = data.cols;
    const p = new Float64Array(k * d);
    for (let c = 0; c < k; c++) p.fill(pc[c]! * pc[c]!, c * d, (c + 1) * d);
    return mahalanobisDiagonal(data, means, p);
  },
  precisions: (pc) => pc.map((v) => v * v),
  fromPrecisions: (p) => scalarFromPrecisions(p, 'spherical'),
};

const MODELS: Readonly<Record<CovarianceType, CovarianceModel>> = { full, tied, diag, spherical };

/**
 * The covariance model of a type.
 * @example covarianceModel('diag').nParameters(10, 128) // 1280
 */
export function covarianceModel(type: CovarianceType): CovarianceModel {
  const m = MODELS[type];
  if (!m) throw new RangeError(`covarianceType must be one of 'full', 'tied', 'diag', 'spherical', got ${JSON.stringify(type)}.`);
  return m;
}

/** Number of float64 values of the covariances (and of the precision Cholesky factors). @example covarianceSize('tied', 10, 4) // 16 */
export function covarianceSize(type: CovarianceType, k: number, d: number): number {
  return covarianceModel(type).shape(k, d).reduce((a, b) => a * b, 1);
}

/** The shape of the covariances (and precision Cholesky factors) for a type: [k,d,d], [d,d], [k,d] or [k]. @example covarianceShape('diag', 3, 2) // [3, 2] */
export function covarianceShape(type: CovarianceType, k: number, d: number): number[] {
  return covarianceModel(type).shape(k, d);
}

/** Result of an M-step (scikit-learn's `_estimate_gaussian_parameters`). */
export interface GaussianEstimate {
  /** Σᵢ rᵢₖ + 10·eps, per component. */
  nk: Float64Array;
  /** k × d. */
  means: Float64Array;
  /** Shape by type (see {@link covarianceShape}), `regCovar` already added. */
  covariances: Float64Array;
}

/**
 * One M-step: Nk, means and covariances from responsibilities (n × k), for any covariance type.
 * @example const { nk, means, covariances } = estimateParameters(data, resp, covarianceModel('full'), 1e-6);
 */
export function estimateParameters(data: GaussianData, resp: Float64Array, model: CovarianceModel, regCovar: number): GaussianEstimate {
  const k = resp.length / data.rows, d = data.cols;
  const { weights, sums } = weightedSums(data, resp, k);
  const nk = new Float64Array(k);
  const means = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    nk[c] = weights[c]! + 10 * EPS;
    for (let j = 0; j < d; j++) means[c * d + j] = sums[c * d + j]! / nk[c]! + data.mean[j]!;
  }
  return { nk, means, covariances: model.estimate(data, resp, nk, means, regCovar) };
}

/**
 * log N(xᵢ | μₖ, Σₖ) for every row and component (n × k, row-major): scikit-learn's
 * `_estimate_log_gaussian_prob`, −½(d·log 2π + ‖(x − μ)P‖²) + log det P.
 * @example const logProb = logGaussianProb(data, means, precChol, covarianceModel('diag'));
 */
export function logGaussianProb(data: GaussianData, means: Float64Array, precChol: Float64Array, model: CovarianceModel): Float64Array {
  const k = means.length / data.cols;
  const maha = model.mahalanobis(data, means, precChol, k);
  const logDet = model.logDet(precChol, k, data.cols);
  const base = data.cols * LOG_2PI;
  for (let i = 0; i < maha.length; i++) maha[i] = -0.5 * (base + maha[i]!) + logDet[i % k]!;
  return maha;
}

/**
 * Refuses, before any EM, what no regularisation-free covariance can fit: with `regCovar = 0` a
 * constant column makes every full, tied and diagonal covariance singular (a spherical one stays
 * defined by the other columns, as in scikit-learn, unless every column is constant).
 * @throws SingularCovarianceError naming the first constant column.
 */
export function checkDefinedCovariances(x: Matrix, type: CovarianceType, regCovar: number): void {
  if (regCovar > 0) return;
  const { data, rows: n, cols: d } = x;
  let constant = 0, first = -1;
  for (let j = 0; j < d; j++) {
    const v = data[j]!;
    let i = 1;
    while (i < n && data[i * d + j] === v) i++;
    if (i === n) { constant++; if (first < 0) first = j; }
  }
  if (first < 0 || (type === 'spherical' && constant < d)) return;
  const what = type === 'spherical' ? 'every column is constant' : `column ${first} of X is constant (every row holds ${data[first]})`;
  throw new SingularCovarianceError(undefined, regCovar, `${what}, so its variance is 0 in every component`);
}
