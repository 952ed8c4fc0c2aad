/**
 * Principal component analysis on the compute floor: the covariance of the data centred at its
 * float64 mean ({@link covariance}), then its top eigenpairs by subspace iteration ({@link topEigen}).
 * @module
 */
import { columnMeans, type Matrix } from '../util/matrix.js';
import { checkFiniteMatrix, checkInteger, checkNumber, checkMatrix, checkOneOf, NotFittedError, warnNotConverged } from '../util/validate.js';
import { covariance, ENGINE_OPTIONS, topEigen, type Engine, type EngineOption } from '../linalg/index.js';

/** The leading principal components of a data set (what {@link principalComponents} computes). */
export interface PrincipalComponents {
  /** k × d unit vectors (rows) by decreasing variance; the largest-|entry| of each is positive. */
  readonly components: Matrix;
  /** The column means (length d). */
  readonly mean: Float64Array;
  /** Variance along each component (divisor n − 1, like scikit-learn's `explained_variance_`). */
  readonly explainedVariance: Float64Array;
  /** `explainedVariance` divided by the total variance (sum over all d columns). */
  readonly explainedVarianceRatio: Float64Array;
  /** Subspace iterations used. */
  readonly nIter: number;
  /** Whether the subspace iteration met its tolerance within maxIter. */
  readonly converged: boolean;
  /** The engine that formed the covariance products. */
  readonly engine: Exclude<Engine, 'native'>;
}

/**
 * The top `k` principal components of X (n × d): the d × d covariance of X centred at its float64
 * column mean ({@link covariance}: float64 loops, or float32 products of centred chunks summed in
 * float64 on the TF.js backend), then deterministic subspace iteration with Rayleigh–Ritz
 * ({@link topEigen}). Callers validate k, n ≥ 2 and d; a non-finite value is reported by column.
 * Does not warn: callers read `converged`.
 * @throws RangeError `<name>: X contains non-finite values in column j`.
 * @example principalComponents(X, 2).explainedVariance // the two largest variances
 */
export function principalComponents(
  X: Matrix, k: number, options: { tol?: number; maxIter?: number; name?: string; engine?: EngineOption } = {},
): PrincipalComponents {
  const d = X.cols;
  const mean = columnMeans(X);
  for (let j = 0; j < d; j++) {
    if (!Number.isFinite(mean[j]!)) {
      throw new RangeError(`${options.name ?? 'PCA'}: X contains non-finite values in column ${j}; remove or impute them first.`);
    }
  }
  const { matrix: C, engine } = covariance(X, { engine: options.engine ?? 'auto', mean });
  let total = 0;
  for (let j = 0; j < d; j++) total += C[j * d + j]!;
  const { vectors, values, nIter, converged } = topEigen(C, d, k, options.tol ?? 1e-10, options.maxIter ?? 2000);
  const comp = new Float32Array(k * d);
  for (let c = 0; c < k; c++) {
    const v = vectors[c]!;
    let arg = 0;
    for (let j = 1; j < d; j++) if (Math.abs(v[j]!) > Math.abs(v[arg]!)) arg = j;
    const s = v[arg]! < 0 ? -1 : 1;
    for (let j = 0; j < d; j++) comp[c * d + j] = s * v[j]!;
  }
  const explainedVariance = Float64Array.from(values.slice(0, k), (v) => Math.max(0, v));
  const explainedVarianceRatio = explainedVariance.map((v) => (total > 0 ? v / total : 0));
  return { components: { data: comp, rows: k, cols: d }, mean, explainedVariance, explainedVarianceRatio, nIter, converged, engine };
}

/**
 * Rows of Y projected on fitted components: (y − mean) · componentsᵀ, each coordinate optionally
 * multiplied by `scale[c]` (whitening). A projection, not a distance or covariance product, so it
 * is PCA's own (written once, shared by pca2d and UMAP's PCA start) rather than the compute
 * floor's; like the floor it centres in float64 before any product, so it is translation-safe.
 * @throws RangeError when Y's column count differs from the fit's, naming `name`.
 */
export function projectOnComponents(Y: Matrix, pc: Pick<PrincipalComponents, 'components' | 'mean'>, scale?: Float64Array, name = 'PCA.transform'): Matrix {
  const { rows: k, cols: d, data: comp } = pc.components;
  if (Y.cols !== d) throw new RangeError(`${name}: expected ${d} columns (as fitted) but got ${Y.cols}.`);
  const out = new Float32Array(Y.rows * k);
  const centred = new Float64Array(d);
  for (let i = 0; i < Y.rows; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) centred[j] = Y.data[o + j]! - pc.mean[j]!;
    for (let c = 0; c < k; c++) {
      let s = 0;
      const base = c * d;
      for (let j = 0; j < d; j++) s += comp[base + j]! * centred[j]!;
      out[i * k + c] = scale ? s * scale[c]! : s;
    }
  }
  return { data: out, rows: Y.rows, cols: k };
}

/** Options of {@link PCA}. */
export interface PCAOptions {
  /** Number of components kept (1..min(n, d)). */
  nComponents: number;
  /** Divide each component by its standard deviation (unit variance), like scikit-learn's `whiten`. Default false. */
  whiten?: boolean;
  /** Stop the subspace iteration when every kept residual ‖C v − λ v‖ < tol × λ₁ (default 1e-10). */
  tol?: number;
  /** Maximum subspace iterations (default 2000); when reached, `converged` is false and a ConvergenceWarning says so. */
  maxIter?: number;
  /**
   * Where the covariance products run: `'auto'` (default: `'tfjs'` for ≥ 2²² multiply–adds when a
   * backend is active, else `'js'`, float64), `'js'` or `'tfjs'` (`'native'` is refused); the data is
   * centred first either way, so engines agree.
   */
  engine?: EngineOption;
}

const DEFAULTS = { whiten: false, tol: 1e-10, maxIter: 2000, engine: 'auto' as EngineOption };

/**
 * Principal component analysis, exact and deterministic ({@link principalComponents}).
 * Component signs: the largest-magnitude entry of each component is positive.
 *
 * @example const pca = new PCA({ nComponents: 20 }).fit(codes.train); const reduced = pca.transform(codes.test);
 * @throws RangeError for nComponents out of range, NaN/Infinity, or a column mismatch in transform.
 */
export class PCA {
  readonly options: Readonly<Required<PCAOptions>>;
  private fitted: PrincipalComponents | undefined;

  constructor(options: PCAOptions) {
    this.options = Object.freeze({ ...DEFAULTS, ...stripUndefined(options) }) as Required<PCAOptions>;
  }

  /** Computes the mean and the leading components of X. */
  fit(X: Matrix): this {
    checkMatrix('X', X, { minRows: 1 });
    const { rows: n, cols: d } = X;
    checkInteger('nComponents', this.options.nComponents, 1, Math.min(n, d), `X is ${n} × ${d}.`);
    checkNumber('tol', this.options.tol, Number.MIN_VALUE);
    checkInteger('maxIter', this.options.maxIter, 1);
    checkOneOf('engine', this.options.engine, ENGINE_OPTIONS);
    if (n < 2) throw new RangeError(`PCA: expected X to have at least 2 rows but got ${n}.`);
    checkFiniteMatrix('X', X);
    const fitted = principalComponents(X, this.options.nComponents, this.options);
    if (!fitted.converged) {
      warnNotConverged('PCA', this.options.maxIter, 'Increase maxIter, or raise tol (close eigenvalues converge slowly).');
    }
    this.fitted = fitted;
    return this;
  }

  /** Projects rows onto the components (whitened if `whiten`). */
  transform(X: Matrix): Matrix {
    const f = this.state();
    const d = f.components.cols;
    checkMatrix('X', X, { minRows: 1 });
    if (X.cols !== d) throw new RangeError(`PCA.transform: X has ${X.cols} columns but the PCA was fitted on ${d}; pass data with the same columns as in fit.`);
    checkFiniteMatrix('X', X);
    const scale = this.options.whiten ? Float64Array.from(f.explainedVariance, (v) => 1 / Math.sqrt(Math.max(v, 1e-300))) : undefined;
    return projectOnComponents(X, f, scale);
  }

  fitTransform(X: Matrix): Matrix {
    return this.fit(X).transform(X);
  }

  /** nComponents × d, one unit vector per row, by decreasing variance. */
  get components(): Matrix {
    const c = this.state().components;
    return { data: c.data.slice(), rows: c.rows, cols: c.cols };
  }

  get mean(): Float64Array { return this.state().mean.slice(); }
  get explainedVariance(): Float64Array { return this.state().explainedVariance.slice(); }
  get explainedVarianceRatio(): Float64Array { return this.state().explainedVarianceRatio.slice(); }
  /** Subspace iterations the fit used. @throws NotFittedError before fit. */
  get nIter(): number { return this.state().nIter; }
  /** Whether the subspace iteration met `tol` within `maxIter`. @throws NotFittedError before fit. */
  get converged(): boolean { return this.state().converged; }
  /** The engine that formed the covariance products (`auto` resolved). @throws NotFittedError before fit. */
  get engineUsed(): Exclude<Engine, 'native'> { return this.state().engine; }

  private state(): PrincipalComponents {
    if (!this.fitted) throw new NotFittedError('PCA');
    return this.fitted;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
