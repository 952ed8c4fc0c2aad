/**
 * K-Means clustering (Lloyd's algorithm) with scikit-learn's semantics: greedy k-means++
 * seeding, `nInit` restarts keeping the lowest inertia, a tolerance relative to the data's mean
 * per-feature variance, empty clusters re-seeded from the points farthest from their centres,
 * and a final assignment step so that `labels` and `inertia` belong to the final centres.
 *
 * One algorithm, three interchangeable engines for its Lloyd steps (same results up to float
 * rounding): `ml-kmeans` (the mljs library, for small data), `js` (a blocked pure-JS distance
 * kernel) and `tfjs` (distances as one matrix product on the TF.js backend; the fast path for
 * large data). `engine: 'auto'` picks by size.
 * @module
 */
import { kmeans as mlKmeans } from 'ml-kmeans';
import { columnMeans, type Matrix, toMatrix } from '../util/matrix.js';
import { createRandom } from '../util/random.js';
import {
  NotFittedError, assertNever, checkFiniteMatrix, checkMatrix, describeValue, checkInteger, checkNumber, checkOneOf, warnNotConverged,
} from '../util/validate.js';
import {
  assignLabels, assignLabelsBounded, createBounds, moveBounds, clusterSums, exactInertia, jsKernel, rowSquaredNorms, squaredDistances, tfjsKernel,
  updateClusterSums, type DistanceKernel,
} from './kmeans-kernels.js';
import { kmeansPlusPlus, randomRows } from './kmeans-init.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import { activeTf } from '../tf/backend.js';

/** How the initial centres are chosen. A Matrix gives them explicitly (k × d). */
export type KMeansInit = 'kmeans++' | 'random' | Matrix;

/** Which implementation runs the Lloyd steps (see the module comment). */
export type KMeansEngine = 'auto' | 'ml-kmeans' | 'js' | 'tfjs';

/** Options of {@link KMeans}. */
export interface KMeansOptions {
  /**
   * Number of clusters k (default 8 like scikit-learn, or the number of given centres). Must be
   * ≤ the number of rows.
   */
  nClusters?: number;
  /** `'kmeans++'` (default), `'random'` (k distinct random rows) or a k × d Matrix of centres. */
  init?: KMeansInit;
  /**
   * Number of initialisations; the run with the lowest inertia is kept. Default 10 (scikit-learn
   * ≤ 1.3); given centres are deterministic, so they always make exactly one run.
   */
  nInit?: number;
  /** Maximum Lloyd iterations per run (default 300). */
  maxIter?: number;
  /**
   * Convergence tolerance, relative: a run stops when the total squared movement of the centres
   * is ≤ tol × (mean per-feature variance of X), or when no label changes. Default 1e-4.
   */
  tol?: number;
  /** Seed of the k-means++ / random initialisations (default 0). */
  seed?: number;
  /**
   * `'auto'` (default): `tfjs` when a TF.js backend was initialised (`await initBackend()`) and the
   * data is large (n·d·k ≥ 2²²), else `ml-kmeans` for small data (n·d ≤ 2¹⁸), else `js`.
   */
  engine?: KMeansEngine;
  /**
   * How the assignment step avoids work: `'lloyd'` computes every distance every iteration;
   * `'hamerly'` keeps per-row distance bounds (Hamerly 2010) and recomputes only rows whose
   * nearest centre may have changed — the same labels and centres, far fewer distances in late
   * iterations. `'auto'` (default): `'hamerly'` with the tfjs engine, else `'lloyd'`.
   */
  algorithm?: KMeansAlgorithm;
}

/** See {@link KMeansOptions.algorithm}. */
export type KMeansAlgorithm = 'auto' | 'lloyd' | 'hamerly';

const DEFAULTS = {
  nClusters: 8,
  init: 'kmeans++' as KMeansInit,
  nInit: 10,
  maxIter: 300,
  tol: 1e-4,
  seed: 0,
  engine: 'auto' as KMeansEngine,
  algorithm: 'auto' as KMeansAlgorithm,
};

/** Size above which `engine: 'auto'` uses TF.js (when a backend is active). */
const TFJS_MIN_WORK = 2 ** 22;
/** Size up to which `engine: 'auto'` uses ml-kmeans for the Lloyd steps. */
const ML_KMEANS_MAX_SIZE = 2 ** 18;

/** Summary of one initialisation of a fit. */
export interface KMeansRun {
  readonly inertia: number;
  readonly nIter: number;
  readonly converged: boolean;
}

interface Fitted {
  centres: Float64Array;
  centresMatrix: Matrix;
  labels: Int32Array;
  inertia: number;
  nIter: number;
  converged: boolean;
  runs: KMeansRun[];
  engine: Exclude<KMeansEngine, 'auto'>;
  nFeatures: number;
}

interface RunResult {
  centres: Float64Array;
  labels: Int32Array;
  inertia: number;
  nIter: number;
  converged: boolean;
}

/**
 * K-Means clustering.
 *
 * @example
 * const km = new KMeans({ nClusters: 3, seed: 0 }).fit(X);
 * km.labels;          // Int32Array, one cluster id per row of X
 * km.clusterCenters;  // 3 × d Matrix
 * km.inertia;         // sum of squared distances to the nearest centre
 * km.predict(Xnew);   // nearest centre of new rows
 */
export class KMeans {
  /** The options merged with the defaults. */
  readonly options: Readonly<Required<KMeansOptions>>;
  private fitted: Fitted | undefined;

  /** Stores the options; they are validated by {@link KMeans.fit}. */
  constructor(options: KMeansOptions = {}) {
    const init = options.init ?? DEFAULTS.init;
    const given = typeof init !== 'string' && typeof init === 'object' && init !== null;
    const nInit = options.nInit ?? (given ? 1 : DEFAULTS.nInit);
    // With given centres and no nClusters, k is their number of rows.
    const nClusters = options.nClusters ?? (given ? init.rows : DEFAULTS.nClusters);
    this.options = { ...DEFAULTS, ...stripUndefined(options), nInit, nClusters };
  }

  /**
   * Computes the clustering of X (rows are samples).
   * @returns this, fitted.
   * @throws RangeError for invalid options (naming the option), k > number of rows, NaN/±Infinity
   *   in X, or given centres of the wrong shape.
   * @throws Error for engine 'tfjs' when no TF.js backend was initialised.
   */
  fit(X: Matrix | ArrayLike<ArrayLike<number>>): this {
    const x = toMatrix(X, 'X');
    const { nClusters: k, init, maxIter, tol, seed } = this.options;
    this.validateOptions();
    checkMatrix('X', x, { minRows: 1 });
    checkFiniteMatrix('X', x);
    if (x.cols < 1) throw new RangeError('X must have at least one column (feature), got 0.');
    if (x.rows < k) {
      throw new RangeError(
        `Expected n_samples >= nClusters: X has ${x.rows} rows but nClusters = ${k}. Use nClusters <= ${x.rows} or more data.`,
      );
    }
    let given: Float64Array | undefined;
    if (typeof init !== 'string') {
      if (init.rows !== k || init.cols !== x.cols) {
        throw new RangeError(
          `init: the given centres are ${init.rows} × ${init.cols} but must be nClusters × n_features = ${k} × ${x.cols}.`,
        );
      }
      checkFiniteMatrix('init', init);
      given = Float64Array.from(init.data);
    }
    const nInit = given ? 1 : this.options.nInit;
    const engine = chooseEngine(this.options.engine, x, k, true);
    const algorithm = this.options.algorithm;
    const bounded = engine !== 'ml-kmeans' && (algorithm === 'hamerly' || (algorithm === 'auto' && engine === 'tfjs'));
    const tolAbs = tol * meanVariance(x);
    const rowNorms = rowSquaredNorms(x);
    const kernel = engine === 'tfjs' ? tfjsKernel(x, rowNorms) : jsKernel(x, rowNorms);
    const mlPoints = engine === 'ml-kmeans' ? toArrays(x.data, x.rows, x.cols) : undefined;
    try {
      const rng = createRandom(seed);
      const runs: KMeansRun[] = [];
      let best: RunResult | undefined;
      for (let r = 0; r < nInit; r++) {
        const runRng = rng.fork();
        let centres: Float64Array;
        if (given) centres = given.slice();
        else if (init === 'kmeans++') centres = kmeansPlusPlus(kernel, k, runRng);
        else if (init === 'random') centres = randomRows(kernel, k, runRng);
        else return assertNever(init as never, 'KMeans init');
        const result = lloyd(kernel, centres, k, maxIter, tolAbs, mlPoints, bounded);
        runs.push({ inertia: result.inertia, nIter: result.nIter, converged: result.converged });
        if (!best || result.inertia < best.inertia) best = result;
      }
      const b = best!;
      if (!b.converged) {
        warnNotConverged('KMeans', maxIter, 'Increase maxIter, or raise tol; scaling the features can also help.');
      }
      const distinct = new Set(b.labels).size;
      if (distinct < k) {
        // As scikit-learn: identical rows can leave fewer distinct clusters than asked for.
        process.emitWarning(
          `KMeans found ${distinct} distinct clusters, fewer than nClusters = ${k}, possibly due to duplicate rows in X. Use a smaller nClusters.`,
          { type: 'ConvergenceWarning' },
        );
      }
      this.fitted = {
        centres: b.centres,
        centresMatrix: { data: Float32Array.from(b.centres), rows: k, cols: x.cols },
        labels: b.labels,
        inertia: b.inertia,
        nIter: b.nIter,
        converged: b.converged,
        runs,
        engine,
        nFeatures: x.cols,
      };
      return this;
    } finally {
      kernel.dispose();
    }
  }

  /**
   * Index of the nearest cluster centre for each row of X.
   * @throws NotFittedError before fit; RangeError when X's column count differs from the fit's.
   */
  predict(X: Matrix | ArrayLike<ArrayLike<number>>): Int32Array {
    return this.assign(X).labels;
  }

  /** `fit(X)` then the labels of X (the same as `fit(X).predict(X)`). */
  fitPredict(X: Matrix | ArrayLike<ArrayLike<number>>): Int32Array {
    return this.fit(X).labels;
  }

  /**
   * Euclidean distance of each row of X to each centre, as an n × k Matrix.
   * @throws NotFittedError before fit; RangeError on a column-count mismatch.
   */
  transform(X: Matrix | ArrayLike<ArrayLike<number>>): Matrix {
    const f = this.state();
    const x = this.checkInput(X, f);
    const kernel = this.kernelFor(x);
    try {
      const k = this.options.nClusters;
      const n = x.rows;
      const sq = squaredDistances(kernel, f.centres, k); // centre-major k × n
      const out = new Float32Array(n * k);
      for (let c = 0; c < k; c++) for (let i = 0; i < n; i++) out[i * k + c] = Math.sqrt(sq[c * n + i]!);
      return { data: out, rows: n, cols: k };
    } finally {
      kernel.dispose();
    }
  }

  /**
   * Opposite of the inertia of X under the fitted centres (higher is better), like scikit-learn.
   * @throws NotFittedError before fit; RangeError on a column-count mismatch.
   */
  score(X: Matrix | ArrayLike<ArrayLike<number>>): number {
    const f = this.state();
    const { x, labels } = this.assign(X);
    return -exactInertia(x, f.centres, labels);
  }

  /** k × d cluster centres (float32). @throws NotFittedError before fit. */
  get clusterCenters(): Matrix { return this.state().centresMatrix; }
  /** Cluster id of each training row. @throws NotFittedError before fit. */
  get labels(): Int32Array { return this.state().labels; }
  /** Sum of squared distances of the training rows to their centre (best run). @throws NotFittedError before fit. */
  get inertia(): number { return this.state().inertia; }
  /** Lloyd iterations of the best run. @throws NotFittedError before fit. */
  get nIter(): number { return this.state().nIter; }
  /** Whether the best run met the tolerance before maxIter. @throws NotFittedError before fit. */
  get converged(): boolean { return this.state().converged; }
  /** Inertia, iterations and convergence of every initialisation, in order. @throws NotFittedError before fit. */
  get runs(): readonly KMeansRun[] { return this.state().runs; }
  /** The engine that ran the fit (`auto` resolved). @throws NotFittedError before fit. */
  get engineUsed(): Exclude<KMeansEngine, 'auto'> { return this.state().engine; }
  /** Number of features seen by fit. @throws NotFittedError before fit. */
  get nFeaturesIn(): number { return this.state().nFeatures; }

  private state(): Fitted {
    if (!this.fitted) throw new NotFittedError('KMeans');
    return this.fitted;
  }

  private checkInput(X: Matrix | ArrayLike<ArrayLike<number>>, f: Fitted): Matrix {
    const x = toMatrix(X, 'X');
    checkMatrix('X', x, { minRows: 1 });
    if (x.cols !== f.nFeatures) {
      throw new RangeError(
        `X has ${x.cols} features (columns) but this KMeans was fitted on ${f.nFeatures}; pass data with the same columns as in fit.`,
      );
    }
    checkFiniteMatrix('X', x);
    return x;
  }

  /** The distance kernel for predict/transform/score (ml-kmeans only runs Lloyd steps in fit). */
  private kernelFor(x: Matrix): DistanceKernel {
    const engine = chooseEngine(this.options.engine, x, this.options.nClusters, false);
    return engine === 'tfjs' ? tfjsKernel(x) : jsKernel(x);
  }

  private assign(X: Matrix | ArrayLike<ArrayLike<number>>): { x: Matrix; labels: Int32Array } {
    const f = this.state();
    const x = this.checkInput(X, f);
    const kernel = this.kernelFor(x);
    try {
      const labels = new Int32Array(x.rows).fill(-1);
      assignLabels(kernel, f.centres, this.options.nClusters, labels, new Float64Array(x.rows));
      return { x, labels };
    } finally {
      kernel.dispose();
    }
  }

  private validateOptions(): void {
    const o = this.options;
    checkInteger('nClusters', o.nClusters, 1, Infinity, 'Use at least one cluster.');
    checkInteger('nInit', o.nInit, 1);
    checkInteger('maxIter', o.maxIter, 1);
    checkNumber('tol', o.tol, 0);
    checkNumber('seed', o.seed);
    checkOneOf('engine', o.engine, ['auto', 'ml-kmeans', 'js', 'tfjs']);
    checkOneOf('algorithm', o.algorithm, ['auto', 'lloyd', 'hamerly']);
    if (typeof o.init === 'string') {
      checkOneOf('init', o.init as 'kmeans++' | 'random', ['kmeans++', 'random']);
    } else if (typeof o.init !== 'object' || o.init === null) {
      throw new TypeError(`init must be 'kmeans++', 'random' or a Matrix of centres, got ${describeValue(o.init)}.`);
    } else {
      checkMatrix('init', o.init);
    }
  }
}

/** Resolves `engine: 'auto'` (for predict, ml-kmeans is never used: only the kernels assign). */
function chooseEngine(engine: KMeansEngine, x: Matrix, k: number, fitting: boolean): Exclude<KMeansEngine, 'auto'> {
  switch (engine) {
    case 'auto':
      if (activeTf() !== undefined && x.rows * x.cols * k >= TFJS_MIN_WORK) return 'tfjs';
      return fitting && x.rows * x.cols <= ML_KMEANS_MAX_SIZE ? 'ml-kmeans' : 'js';
    case 'ml-kmeans':
      return fitting ? 'ml-kmeans' : 'js';
    case 'js':
    case 'tfjs':
      return engine;
    default:
      return assertNever(engine, 'KMeans engine');
  }
}

/**
 * One run of Lloyd's algorithm from the given centres (scikit-learn's `_kmeans_single_lloyd`):
 * assign, update (re-seeding empty clusters), stop when no label changes or the centres moved
 * less than `tolAbs` in total (squared); then a final assignment to the final centres.
 */
function lloyd(
  kernel: DistanceKernel, initial: Float64Array, k: number, maxIter: number, tolAbs: number, mlPoints: number[][] | undefined,
  bounded = false,
): RunResult {
  const x = kernel.x;
  const { rows: n, cols: d } = x;
  let centres = initial;
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n).fill(-1);
  const dist = new Float64Array(n);
  const sums = new Float64Array(k * d);
  const counts = new Float64Array(k);
  const bounds = bounded ? createBounds(n) : undefined;
  let sumsValid = false;
  let strict = false;
  let converged = false;
  let nIter = 0;
  while (nIter < maxIter) {
    throwIfInterrupted(`K-Means, iteration ${nIter + 1}/${maxIter}`);
    // E-step (labels w.r.t. the current centres) and M-step.
    let means: number[][] | undefined;
    if (mlPoints) {
      // ml-kmeans' own Lloyd step: nearest centre for every point, then the cluster means
      // (it keeps the old centre for an empty cluster; we re-seed those below, like scikit-learn).
      const step = mlKmeans(mlPoints, k, { initialization: toArrays(centres, k, d), maxIterations: 1, tolerance: 0 });
      for (let i = 0; i < n; i++) labels[i] = step.clusters[i]!;
      means = step.centroids;
    } else if (bounds) {
      assignLabelsBounded(kernel, centres, k, labels, dist, bounds);
    } else {
      assignLabels(kernel, centres, k, labels, dist);
    }
    nIter++;
    if (mlPoints) {
      clusterCounts(labels, counts);
    } else if (sumsValid) {
      updateClusterSums(x, prev, labels, sums, counts);
    } else {
      clusterSums(x, labels, sums, counts);
    }
    sumsValid = !mlPoints;
    const empty: number[] = [];
    for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
    let next: Float64Array;
    if (means && empty.length === 0) {
      next = new Float64Array(k * d);
      for (let c = 0; c < k; c++) next.set(means[c]!, c * d);
    } else {
      if (mlPoints) {
        clusterSums(x, labels, sums, counts);
        for (let i = 0; i < n; i++) dist[i] = rowDistance(x, i, centres, labels[i]!);
      }
      if (empty.length > 0) {
        // The bounded assignment skips rows, so their distances are stale: the farthest points
        // must be found from exact ones.
        if (bounds) for (let i = 0; i < n; i++) dist[i] = rowDistance(x, i, centres, labels[i]!);
        relocateEmptyClusters(x, labels, dist, empty, sums, counts);
        sumsValid = false; // sums now disagree with labels: recompute next iteration
      }
      next = new Float64Array(k * d);
      for (let c = 0; c < k; c++) {
        const w = counts[c]!;
        const s = w > 0 ? 1 / w : 1; // scikit-learn leaves a zero-weight cluster's sum as is
        for (let j = 0; j < d; j++) next[c * d + j] = sums[c * d + j]! * s;
      }
    }
    let shift = 0;
    for (let i = 0; i < k * d; i++) {
      const v = next[i]! - centres[i]!;
      shift += v * v;
    }
    if (bounds) moveBounds(bounds, labels, centres, next, k, d);
    centres = next;
    if (nIter > 1 && arraysEqual(labels, prev)) {
      strict = true;
      converged = true;
      break;
    }
    if (shift <= tolAbs) {
      converged = true;
      break;
    }
    prev.set(labels);
  }
  if (!strict) {
    // Final E-step: labels and inertia of the final centres.
    if (mlPoints) {
      const step = mlKmeans(mlPoints, k, { initialization: toArrays(centres, k, d), maxIterations: 1, tolerance: 0 });
      for (let i = 0; i < n; i++) labels[i] = step.clusters[i]!;
    } else {
      assignLabels(kernel, centres, k, labels, dist);
    }
  }
  return { centres, labels, inertia: exactInertia(x, centres, labels), nIter, converged };
}

/**
 * scikit-learn's `_relocate_empty_clusters_dense`: each empty cluster takes one of the points
 * farthest from their centre (largest first); the point's weight moves from its old cluster's
 * sum to the empty one. Labels are left as they are (the next assignment fixes them).
 */
function relocateEmptyClusters(
  x: Matrix, labels: Int32Array, dist: Float64Array, empty: number[], sums: Float64Array, counts: Float64Array,
): void {
  const d = x.cols;
  const far = largestIndices(dist, empty.length);
  empty.forEach((e, idx) => {
    const p = far[idx]!;
    const old = labels[p]!;
    for (let j = 0; j < d; j++) {
      const v = x.data[p * d + j]!;
      sums[old * d + j] -= v;
      sums[e * d + j] = v;
    }
    counts[e] = 1;
    counts[old]!--;
  });
}

/** Indices of the m largest values, largest first (lower index first on ties). */
function largestIndices(values: Float64Array, m: number): number[] {
  const top: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (top.length === m && v <= values[top[m - 1]!]!) continue;
    let pos = top.length;
    while (pos > 0 && values[top[pos - 1]!]! < v) pos--;
    top.splice(pos, 0, i);
    if (top.length > m) top.pop();
  }
  return top;
}

function rowDistance(x: Matrix, i: number, centres: Float64Array, c: number): number {
  const d = x.cols;
  let s = 0;
  for (let j = 0; j < d; j++) {
    const v = x.data[i * d + j]! - centres[c * d + j]!;
    s += v * v;
  }
  return s;
}

function clusterCounts(labels: Int32Array, counts: Float64Array): void {
  counts.fill(0);
  for (let i = 0; i < labels.length; i++) counts[labels[i]!]!++;
}

function arraysEqual(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Mean over features of the (population) variance of each column, in float64: the scale of
 * {@link KMeansOptions.tol} (scikit-learn's `_tolerance`).
 * @example meanVariance({ data: Float32Array.from([1, 10, 3, 10]), rows: 2, cols: 2 }) // 0.5
 */
export function meanVariance(x: Matrix): number {
  const { data, rows: n, cols: d } = x;
  const mean = columnMeans(x);
  let total = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      const v = data[i * d + j]! - mean[j]!;
      total += v * v;
    }
  }
  return total / (n * d);
}

function toArrays(values: ArrayLike<number>, rows: number, cols: number): number[][] {
  const out: number[][] = new Array(rows);
  for (let i = 0; i < rows; i++) {
    const r = new Array<number>(cols);
    for (let j = 0; j < cols; j++) r[j] = values[i * cols + j]!;
    out[i] = r;
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
