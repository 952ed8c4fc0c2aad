/**
 * Gaussian mixture fitted by expectation–maximisation, following scikit-learn's
 * `GaussianMixture` (`sklearn/mixture/_base.py`, `_gaussian_mixture.py`): the same parameters,
 * initialisations, E-step in log space, M-step (with `regCovar` on the diagonal and 10·eps added
 * to each Nk), precision Cholesky factors by triangular solves (no explicit inverse), stopping rule
 * (|Δ lower bound| < tol), `nInit` restarts keeping the best lower bound, and a final E-step so that
 * `fitPredict(X)` equals `fit(X).predict(X)`.
 *
 * The maths of each covariance type is one covariance model (`./gmm-covariance.ts`); the products
 * run on the compute floor (`../linalg/gaussian.ts`) on the data centred once, on the engine
 * resolved once in `fit` (`../linalg/engine.ts`): float64 JS loops (exact reference) or TF.js
 * matrix products over row chunks (large data; `await initBackend()` first).
 * @module
 */
import { type Matrix, toMatrix } from '../util/matrix.js';
import { createRandom, type Random } from '../util/random.js';
import {
  NotFittedError, assertNever, checkFiniteMatrix, checkMatrix, checkInteger, checkNumber, checkOneOf, warnNotConverged,
} from '../util/validate.js';
import { KMeans } from './kmeans.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import { ENGINE_OPTIONS, type EngineOption, resolveEngine } from '../linalg/engine.js';
import { centreData, type GaussianData, type GaussianEngine } from '../linalg/gaussian.js';
import {
  type CovarianceModel, type CovarianceType, checkDefinedCovariances, covarianceModel, covarianceShape, covarianceSize,
  estimateParameters, logGaussianProb,
} from './gmm-covariance.js';

export { SingularCovarianceError, type CovarianceType } from './gmm-covariance.js';

/** How the initial responsibilities are drawn (scikit-learn's `init_params`). */
export type GmmInitParams = 'kmeans' | 'random' | 'random_from_data';

/**
 * Which engine runs the E- and M-step products.
 * @deprecated Use {@link EngineOption} (`../linalg/engine.ts`), the vocabulary of every estimator;
 * the mixture implements `'js'` and `'tfjs'`.
 */
export type GmmEngineName = EngineOption;

/** Options of {@link GaussianMixture}; defaults are scikit-learn's. */
export interface GaussianMixtureOptions {
  /** Number of mixture components k (default 1); 1 ≤ k ≤ number of rows. */
  nComponents?: number;
  /** `'full'` (default: one d × d covariance each), `'tied'` (one shared), `'diag'`, `'spherical'`. */
  covarianceType?: CovarianceType;
  /** Non-negative value added to the covariance diagonals, keeping them positive definite (default 1e-6). */
  regCovar?: number;
  /** EM stops when the lower bound (mean log-likelihood) changes by less than tol (default 1e-3). */
  tol?: number;
  /** EM iterations per initialisation (default 100). 0 keeps the initial parameters. */
  maxIter?: number;
  /** Number of initialisations; the one with the highest final lower bound is kept (default 1). */
  nInit?: number;
  /**
   * Initial responsibilities: `'kmeans'` (default; one-hot labels of a KMeans with nInit 1),
   * `'random'` (uniform, rows normalised) or `'random_from_data'` (k distinct rows as means).
   */
  initParams?: GmmInitParams;
  /** Seed of the initialisations (default 0). */
  seed?: number;
  /** Initial weights (length k, non-negative, sum 1); replace those from initParams. */
  weightsInit?: ArrayLike<number>;
  /** Initial means (k × d); replace those from initParams. */
  meansInit?: Matrix | ArrayLike<ArrayLike<number>>;
  /**
   * Initial precision matrices (inverse covariances), flat row-major in the covariance shape of the
   * type: k·d·d (full), d·d (tied), k·d (diag), k (spherical).
   */
  precisionsInit?: ArrayLike<number>;
  /**
   * Where the products run, resolved once in `fit` (predict, score and friends use the same):
   * `'auto'` (default) applies the compute floor's size rule (`resolveEngine`): `'tfjs'` when a TF.js
   * backend was initialised (`await initBackend()`) and one E-step is at least `TFJS_MIN_WORK`
   * multiply–adds (n·k·d² for full, n·d² for tied, n·k·d for diag/spherical), else `'js'` (float64).
   * `'js'` or `'tfjs'` force an engine; the mixture has no `'native'` one. Both engines give the same
   * answer to float32 rounding wherever the data sits (the data is centred once before any product).
   */
  engine?: EngineOption;
}

const DEFAULTS = {
  nComponents: 1,
  covarianceType: 'full' as CovarianceType,
  regCovar: 1e-6,
  tol: 1e-3,
  maxIter: 100,
  nInit: 1,
  initParams: 'kmeans' as GmmInitParams,
  seed: 0,
  engine: 'auto' as EngineOption,
};

type ResolvedOptions = typeof DEFAULTS & Pick<GaussianMixtureOptions, 'weightsInit' | 'meansInit' | 'precisionsInit'>;

const COVARIANCE_TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];
const INIT_PARAMS: readonly GmmInitParams[] = ['kmeans', 'random', 'random_from_data'];

/** Parameters of a mixture (float64). */
interface Params {
  weights: Float64Array;
  means: Float64Array;
  covariances: Float64Array;
  precChol: Float64Array;
}

interface Fitted extends Params {
  nFeatures: number;
  converged: boolean;
  nIter: number;
  lowerBound: number;
  lowerBounds: Float64Array;
  engine: GaussianEngine;
  labels: Int32Array;
}

/**
 * One-hot responsibilities (n × k, float64 row-major) from integer labels in 0..k−1: the
 * starting point of scikit-learn's `'kmeans'` initialisation, to start EM from given labels.
 * @throws RangeError for a label outside 0..k−1.
 * @example responsibilitiesFromLabels([0, 1, 1], 2) // [1, 0, 0, 1, 0, 1]
 */
export function responsibilitiesFromLabels(labels: ArrayLike<number>, k: number): Float64Array {
  checkInteger('k', k, 1);
  const n = labels.length;
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= k) {
      throw new RangeError(`responsibilitiesFromLabels: label ${l} at index ${i} is outside 0..${k - 1}; labels must be integers in 0..k-1.`);
    }
    resp[i * k + l] = 1;
  }
  return resp;
}

/** Mixture parameters estimated from responsibilities (see {@link estimateGaussianParameters}). */
export interface GaussianParameters {
  /** Nk / n (length k; sums to 1 when every row of resp sums to 1). */
  weights: Float64Array;
  /** k × d, row-major. */
  means: Float64Array;
  /** Shape by type: [k, d, d], [d, d], [k, d] or [k], row-major; regCovar included. */
  covariances: Float64Array;
  /** Precision matrices Σ⁻¹ in the same shape (for `precisionsInit`), computed via Cholesky factors. */
  precisions: Float64Array;
}

/**
 * One M-step from given responsibilities (scikit-learn's `_estimate_gaussian_parameters`, with
 * weights divided by n as in its `_initialize`). Feed the result to `weightsInit`, `meansInit`,
 * `precisionsInit` to start EM from given responsibilities.
 * @param resp n × k responsibilities, row-major (e.g. from {@link responsibilitiesFromLabels}).
 * @throws RangeError for shape mismatches or NaN/Infinity in X; SingularCovarianceError when a
 *   covariance is not positive definite (also, with regCovar 0, for a constant column of X).
 * @example
 * const p = estimateGaussianParameters(X, responsibilitiesFromLabels(labels, 3), 'full');
 * new GaussianMixture({ nComponents: 3, weightsInit: p.weights, meansInit: { data: Float32Array.from(p.means), rows: 3, cols: X.cols }, precisionsInit: p.precisions });
 */
export function estimateGaussianParameters(
  X: Matrix | ArrayLike<ArrayLike<number>>, resp: ArrayLike<number>, covarianceType: CovarianceType = 'full', regCovar = 1e-6,
): GaussianParameters {
  const x = toMatrix(X, 'X');
  checkFiniteMatrix('X', x);
  checkOneOf('covarianceType', covarianceType, COVARIANCE_TYPES);
  checkNumber('regCovar', regCovar, 0);
  const n = x.rows, d = x.cols;
  if (resp.length % n !== 0 || resp.length === 0) {
    throw new RangeError(`resp must have n_samples × k = ${n} × k values, got ${resp.length}.`);
  }
  const k = resp.length / n;
  checkDefinedCovariances(x, covarianceType, regCovar);
  const model = covarianceModel(covarianceType);
  const est = estimateParameters(centreData(x, 'js'), Float64Array.from(resp), model, regCovar);
  const weights = est.nk.map((v) => v / n);
  const pc = model.precisionCholesky(est.covariances, k, d, regCovar);
  return { weights, means: est.means, covariances: est.covariances, precisions: model.precisions(pc, k, d) };
}

/**
 * Gaussian mixture model fitted by EM.
 *
 * @example
 * const gm = new GaussianMixture({ nComponents: 3, covarianceType: 'full', seed: 0 }).fit(X);
 * gm.means;             // 3 × d Matrix
 * gm.predict(X);        // Int32Array, most probable component
 * gm.predictProba(X);   // n × 3 Matrix of posterior probabilities
 * gm.score(X);          // mean log-likelihood; gm.bic(X), gm.aic(X)
 * gm.converged; gm.nIter; gm.lowerBounds;
 */
export class GaussianMixture {
  /** The options merged with the defaults. */
  readonly options: Readonly<ResolvedOptions>;
  private fitted: Fitted | undefined;

  /** Stores the options; they are validated by {@link GaussianMixture.fit}. */
  constructor(options: GaussianMixtureOptions = {}) {
    const clean: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(options)) if (v !== undefined) clean[key] = v;
    this.options = { ...DEFAULTS, ...(clean as GaussianMixtureOptions) } as ResolvedOptions;
  }

  /**
   * Estimates the mixture parameters with EM (nInit × up to maxIter iterations).
   * @returns this, fitted.
   * @throws RangeError for invalid options (naming the option), NaN/±Infinity in X, fewer rows
   *   than nComponents (or than 2), or init arrays of the wrong shape.
   * @throws SingularCovarianceError (a RangeError) when a covariance stays singular despite regCovar.
   * @throws SingularCovarianceError before EM when regCovar is 0 and a column of X is constant
   *   (full, tied, diag; spherical when every column is).
   * @throws Error for engine 'tfjs' when no TF.js backend was initialised, and for engine 'native'
   *   (the mixture has none).
   */
  fit(X: Matrix | ArrayLike<ArrayLike<number>>): this {
    this.fitInternal(X);
    return this;
  }

  /**
   * `fit(X)` then the most probable component of each row, from a final E-step with the kept
   * parameters, so it equals `fit(X).predict(X)`.
   */
  fitPredict(X: Matrix | ArrayLike<ArrayLike<number>>): Int32Array {
    return this.fitInternal(X).labels.slice();
  }

  /**
   * Most probable component of each row of X.
   * @throws NotFittedError before fit; RangeError on NaN/Infinity or a column-count mismatch.
   */
  predict(X: Matrix | ArrayLike<ArrayLike<number>>): Int32Array {
    const { logResp, k, n } = this.eStepOn(X);
    return argmaxRows(logResp, n, k);
  }

  /**
   * Posterior probability of each component for each row: an n × k Matrix (rows sum to 1).
   * @throws NotFittedError before fit; RangeError on NaN/Infinity or a column-count mismatch.
   */
  predictProba(X: Matrix | ArrayLike<ArrayLike<number>>): Matrix {
    const { logResp, k, n } = this.eStepOn(X);
    const out = new Float32Array(n * k);
    for (let i = 0; i < n * k; i++) out[i] = Math.exp(logResp[i]!);
    return { data: out, rows: n, cols: k };
  }

  /**
   * Log-likelihood log p(x) of each row under the mixture (float64).
   * @throws NotFittedError before fit; RangeError on NaN/Infinity or a column-count mismatch.
   */
  scoreSamples(X: Matrix | ArrayLike<ArrayLike<number>>): Float64Array {
    return this.eStepOn(X).logProbNorm;
  }

  /** Mean log-likelihood of the rows of X. @throws like {@link GaussianMixture.scoreSamples}. */
  score(X: Matrix | ArrayLike<ArrayLike<number>>): number {
    const s = this.scoreSamples(X);
    let t = 0;
    for (let i = 0; i < s.length; i++) t += s[i]!;
    return t / s.length;
  }

  /** Bayesian information criterion: −2·n·score(X) + p·ln n (lower is better). */
  bic(X: Matrix | ArrayLike<ArrayLike<number>>): number {
    const x = toMatrix(X, 'X');
    return -2 * this.score(x) * x.rows + this.nParameters() * Math.log(x.rows);
  }

  /** Akaike information criterion: −2·n·score(X) + 2p (lower is better). */
  aic(X: Matrix | ArrayLike<ArrayLike<number>>): number {
    const x = toMatrix(X, 'X');
    return -2 * this.score(x) * x.rows + 2 * this.nParameters();
  }

  /** Number of free parameters p of the fitted model (covariances + means + k − 1 weights). */
  nParameters(): number {
    const f = this.state();
    const k = this.options.nComponents, d = f.nFeatures;
    return Math.trunc(covarianceModel(this.options.covarianceType).nParameters(k, d) + d * k + k - 1);
  }

  /** Mixture weights (length k, sum 1). @throws NotFittedError before fit. */
  get weights(): Float64Array { return this.state().weights.slice(); }
  /** Component means as a k × d Matrix. @throws NotFittedError before fit. */
  get means(): Matrix {
    const f = this.state();
    return { data: Float32Array.from(f.means), rows: this.options.nComponents, cols: f.nFeatures };
  }
  /** Component means in float64 (k × d row-major). @throws NotFittedError before fit. */
  get means64(): Float64Array { return this.state().means.slice(); }
  /**
   * Covariances (float64, row-major) in the shape {@link GaussianMixture.covarianceShape}:
   * [k, d, d] full, [d, d] tied, [k, d] diag, [k] spherical. @throws NotFittedError before fit.
   */
  get covariances(): Float64Array { return this.state().covariances.slice(); }
  /**
   * Cholesky factors of the precisions, same shape as the covariances: upper-triangular P with
   * P·Pᵀ = Σ⁻¹ (full, tied), 1/σ (diag, spherical). @throws NotFittedError before fit.
   */
  get precisionsCholesky(): Float64Array { return this.state().precChol.slice(); }
  /** Precision matrices Σ⁻¹ (same shape as the covariances). @throws NotFittedError before fit. */
  get precisions(): Float64Array {
    const f = this.state();
    return covarianceModel(this.options.covarianceType).precisions(f.precChol, this.options.nComponents, f.nFeatures);
  }
  /** Shape of {@link GaussianMixture.covariances}. @throws NotFittedError before fit. */
  get covarianceShape(): number[] {
    return covarianceShape(this.options.covarianceType, this.options.nComponents, this.state().nFeatures);
  }
  /** Whether the kept initialisation converged (|Δ lower bound| < tol). @throws NotFittedError before fit. */
  get converged(): boolean { return this.state().converged; }
  /** EM iterations of the kept initialisation. @throws NotFittedError before fit. */
  get nIter(): number { return this.state().nIter; }
  /** Final lower bound (mean log-likelihood of the training data) of the kept initialisation. */
  get lowerBound(): number { return this.state().lowerBound; }
  /** Lower bound after each EM iteration of the kept initialisation. @throws NotFittedError before fit. */
  get lowerBounds(): Float64Array { return this.state().lowerBounds.slice(); }
  /** The engine the fit resolved ('js' or 'tfjs'; predict and score use it too). @throws NotFittedError before fit. */
  get engine(): GaussianEngine { return this.state().engine; }

  // ---------------------------------------------------------------------------------------------

  private state(): Fitted {
    if (!this.fitted) throw new NotFittedError('GaussianMixture');
    return this.fitted;
  }

  private validateOptions(): void {
    const o = this.options;
    checkInteger('nComponents', o.nComponents, 1);
    checkOneOf('covarianceType', o.covarianceType, COVARIANCE_TYPES);
    checkNumber('regCovar', o.regCovar, 0);
    checkNumber('tol', o.tol, 0);
    checkInteger('maxIter', o.maxIter, 0);
    checkInteger('nInit', o.nInit, 1);
    checkOneOf('initParams', o.initParams, INIT_PARAMS);
    checkNumber('seed', o.seed);
    checkOneOf('engine', o.engine, ENGINE_OPTIONS);
  }

  /** The engine of this fit, by the compute floor's size rule on one E-step's multiply–adds. */
  private resolveEngine(x: Matrix, option: EngineOption): GaussianEngine {
    const { covarianceType: type, nComponents: k } = this.options;
    const n = x.rows, d = x.cols;
    const work = type === 'full' ? n * k * d * d : type === 'tied' ? n * d * d : n * k * d;
    return resolveEngine(option, { work, supports: ['js', 'tfjs'], what: 'GaussianMixture' }) as GaussianEngine;
  }

  private checkData(X: Matrix | ArrayLike<ArrayLike<number>>, nFeatures?: number): Matrix {
    const x = toMatrix(X, 'X');
    if (nFeatures !== undefined && x.cols !== nFeatures) {
      throw new RangeError(`X has ${x.cols} features (columns) but GaussianMixture was fitted with ${nFeatures}; pass data with the same columns as in fit.`);
    }
    checkMatrix('X', x, { minRows: 1 });
    checkFiniteMatrix('X', x);
    return x;
  }

  /** Validated user inits (undefined when not given). */
  private userInits(d: number): { weights?: Float64Array; means?: Float64Array; precChol?: Float64Array; covariances?: Float64Array } {
    const { nComponents: k, covarianceType: type, weightsInit, meansInit, precisionsInit } = this.options;
    const out: { weights?: Float64Array; means?: Float64Array; precChol?: Float64Array; covariances?: Float64Array } = {};
    if (weightsInit !== undefined) {
      const w = Float64Array.from(weightsInit);
      if (w.length !== k) throw new RangeError(`weightsInit must have nComponents = ${k} values, got ${w.length}.`);
      let s = 0;
      for (const v of w) {
        if (!(v >= 0 && v <= 1)) throw new RangeError(`weightsInit values must be in [0, 1], got ${v}.`);
        s += v;
      }
      if (Math.abs(s - 1) > 1e-6) throw new RangeError(`weightsInit must sum to 1, got ${s}; normalise the weights.`);
      out.weights = w;
    }
    if (meansInit !== undefined) {
      const m = toMatrix(meansInit, 'meansInit');
      if (m.rows !== k || m.cols !== d) {
        throw new RangeError(`meansInit must be nComponents × n_features = ${k} × ${d}, got ${m.rows} × ${m.cols}.`);
      }
      checkFiniteMatrix('meansInit', m);
      out.means = Float64Array.from(m.data);
    }
    if (precisionsInit !== undefined) {
      const p = Float64Array.from(precisionsInit);
      const size = covarianceSize(type, k, d);
      if (p.length !== size) {
        throw new RangeError(
          `precisionsInit for covarianceType '${type}' must have ${covarianceShape(type, k, d).join(' × ')} = ${size} values, got ${p.length}.`,
        );
      }
      const { precChol, covariances } = covarianceModel(type).fromPrecisions(p, k, d);
      out.precChol = precChol;
      out.covariances = covariances;
    }
    return out;
  }

  /** Initial responsibilities by initParams (scikit-learn's `_initialize_parameters`). */
  private initialResp(x: Matrix, rng: Random): Float64Array {
    const { nComponents: k, initParams } = this.options;
    const n = x.rows;
    switch (initParams) {
      case 'kmeans': {
        const km = new KMeans({ nClusters: k, nInit: 1, seed: rng.int(2 ** 31 - 1) }).fit(x);
        return responsibilitiesFromLabels(km.labels, k);
      }
      case 'random': {
        const resp = new Float64Array(n * k);
        for (let i = 0; i < n; i++) {
          let s = 0;
          for (let c = 0; c < k; c++) { const v = rng.next(); resp[i * k + c] = v; s += v; }
          for (let c = 0; c < k; c++) resp[i * k + c] /= s;
        }
        return resp;
      }
      case 'random_from_data': {
        // k distinct rows (partial Fisher–Yates); each starts one component.
        const idx = new Int32Array(n);
        for (let i = 0; i < n; i++) idx[i] = i;
        const resp = new Float64Array(n * k);
        for (let c = 0; c < k; c++) {
          const j = c + rng.int(n - c);
          const t = idx[c]!; idx[c] = idx[j]!; idx[j] = t;
          resp[idx[c]! * k + c] = 1;
        }
        return resp;
      }
      default: return assertNever(initParams, 'initParams');
    }
  }

  private fitInternal(X: Matrix | ArrayLike<ArrayLike<number>>): Fitted {
    this.validateOptions();
    const o = this.options;
    const x = this.checkData(X);
    const { nComponents: k, covarianceType: type, regCovar, tol, maxIter, nInit } = o;
    const n = x.rows, d = x.cols;
    if (n < 2) throw new RangeError(`Expected n_samples >= 2 but got X with ${n} row; a Gaussian mixture needs at least 2 rows.`);
    if (n < k) {
      throw new RangeError(`Expected n_samples >= nComponents but got nComponents = ${k}, n_samples = ${n}. Use nComponents <= ${n} or more data.`);
    }
    const user = this.userInits(d);
    const allGiven = user.weights !== undefined && user.means !== undefined && user.precChol !== undefined;
    if (!allGiven || maxIter > 0) checkDefinedCovariances(x, type, regCovar);
    const model = covarianceModel(type);
    const engine = this.resolveEngine(x, o.engine);
    const data = centreData(x, engine);
    try {
      const rng = createRandom(o.seed);
      let best: { params: Params; nIter: number; lowerBound: number; history: number[]; converged: boolean } | undefined;
      for (let run = 0; run < nInit; run++) {
        const runRng = rng.fork();
        let params: Params;
        if (allGiven) {
          params = { weights: user.weights!.slice(), means: user.means!.slice(), covariances: user.covariances!.slice(), precChol: user.precChol!.slice() };
        } else {
          const resp = this.initialResp(x, runRng);
          const est = estimateParameters(data, resp, model, regCovar);
          const weights = est.nk.map((v) => v / n);
          params = {
            weights: user.weights?.slice() ?? weights,
            means: user.means?.slice() ?? est.means,
            covariances: user.covariances?.slice() ?? est.covariances,
            precChol: user.precChol?.slice() ?? model.precisionCholesky(est.covariances, k, d, regCovar),
          };
        }
        let lowerBound = -Infinity;
        let converged = false;
        let nIter = 0;
        const history: number[] = [];
        for (let it = 1; it <= maxIter; it++) {
          throwIfInterrupted(`GaussianMixture's EM, iteration ${it}/${maxIter}`);
          nIter = it;
          const prev = lowerBound;
          const { logResp, meanLogProb } = eStep(data, model, params, n, k);
          for (let i = 0; i < logResp.length; i++) logResp[i] = Math.exp(logResp[i]!);
          const est = estimateParameters(data, logResp, model, regCovar);
          let sum = 0;
          for (const v of est.nk) sum += v;
          params = {
            weights: est.nk.map((v) => v / sum),
            means: est.means,
            covariances: est.covariances,
            precChol: model.precisionCholesky(est.covariances, k, d, regCovar),
          };
          lowerBound = meanLogProb;
          history.push(lowerBound);
          if (Math.abs(lowerBound - prev) < tol) { converged = true; break; }
        }
        if (!best || lowerBound > best.lowerBound || best.lowerBound === -Infinity) {
          best = { params, nIter, lowerBound, history, converged };
        }
      }
      const b = best!;
      if (!b.converged && maxIter > 0) {
        warnNotConverged('GaussianMixture', maxIter, 'Increase maxIter, raise tol, or check the data (scaling the features or a larger regCovar can help).');
      }
      const { logResp } = eStep(data, model, b.params, n, k);
      this.fitted = {
        ...b.params,
        nFeatures: d,
        converged: b.converged,
        nIter: b.nIter,
        lowerBound: b.lowerBound,
        lowerBounds: Float64Array.from(b.history),
        engine,
        labels: argmaxRows(logResp, n, k),
      };
      return this.fitted;
    } finally {
      data.dispose();
    }
  }

  private eStepOn(X: Matrix | ArrayLike<ArrayLike<number>>): { logResp: Float64Array; logProbNorm: Float64Array; n: number; k: number } {
    const f = this.state();
    const x = this.checkData(X, f.nFeatures);
    const k = this.options.nComponents;
    const data = centreData(x, this.resolveEngine(x, f.engine));
    try {
      const r = eStep(data, covarianceModel(this.options.covarianceType), f, x.rows, k);
      return { ...r, n: x.rows, k };
    } finally {
      data.dispose();
    }
  }
}

/**
 * E-step: weighted log-probabilities, their log-sum-exp per row (log p(x)), the log
 * responsibilities (n × k) and the mean log-likelihood.
 */
function eStep(data: GaussianData, model: CovarianceModel, p: Params, n: number, k: number): { logResp: Float64Array; logProbNorm: Float64Array; meanLogProb: number } {
  const lp = logGaussianProb(data, p.means, p.precChol, model);
  const logW = new Float64Array(k);
  for (let c = 0; c < k; c++) logW[c] = Math.log(p.weights[c]!);
  const norm = new Float64Array(n);
  let total = 0;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let mx = -Infinity;
    for (let c = 0; c < k; c++) {
      const v = lp[o + c]! + logW[c]!;
      lp[o + c] = v;
      if (v > mx) mx = v;
    }
    let s = 0;
    if (mx === -Infinity) {
      norm[i] = -Infinity;
    } else {
      for (let c = 0; c < k; c++) s += Math.exp(lp[o + c]! - mx);
      norm[i] = mx + Math.log(s);
    }
    const z = norm[i]!;
    for (let c = 0; c < k; c++) lp[o + c] = lp[o + c]! - z;
    total += z;
  }
  return { logResp: lp, logProbNorm: norm, meanLogProb: total / n };
}

function argmaxRows(a: Float64Array, n: number, k: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let best = 0, bv = a[i * k]!;
    for (let c = 1; c < k; c++) {
      const v = a[i * k + c]!;
      if (v > bv) { bv = v; best = c; }
    }
    out[i] = best;
  }
  return out;
}
