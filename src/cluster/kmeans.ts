/**
 * K-Means clustering with scikit-learn's semantics: greedy k-means++ seeding, `nInit` restarts
 * keeping the lowest inertia, a tolerance relative to the data's mean per-feature variance, empty
 * clusters re-seeded from the points farthest from their centres, and a final assignment step so
 * that `labels` and `inertia` belong to the final centres.
 *
 * Two algorithms, chosen once in `fit`: Lloyd's ({@link lloyd}: every distance every iteration)
 * and Hamerly's ({@link hamerly}: per-row bounds skip rows whose centre cannot have changed; the
 * same labels and centres). Every distance comes from the compute floor (src/linalg), centred at
 * the data's mean on every engine (`'js'`: float64; `'tfjs'`: float32 products on the TF.js
 * backend), so the answer does not depend on where the data sits or which engine ran.
 *
 * ml-kmeans (the mljs library) is no longer an engine: on the same centres its Lloyd steps give
 * the same labels as the `'js'` engine, which is faster and needs no `number[][]` copies (≈ 0.9 GB
 * for 60k × 784). It is honestly the best tool for one job only, an independent implementation to
 * check ours against: test/cluster/kmeans.test.ts compares both step by step.
 * @module
 */
import { type Matrix, isMatrix, toMatrix } from '../util/matrix.js';
import { createRandom } from '../util/random.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import {
  NotFittedError, assertNever, checkFiniteMatrix, checkMatrix, describeValue, checkInteger, checkNumber, checkOneOf, warnNotConverged,
} from '../util/validate.js';
import {
  centring, distanceKernel, ENGINE_OPTIONS, nearestCentres, resolveEngine, squaredDistance, squaredDistances,
  type Centring, type DistanceKernel, type EngineOption,
} from '../linalg/index.js';
import {
  assignLabelsBounded, createBounds, moveBounds, clusterSums, exactInertia, updateClusterSums, type DistanceBounds,
} from './kmeans-steps.js';
import { kmeansPlusPlus, randomRows } from './kmeans-init.js';

/**
 * How the initial centres are chosen: `'kmeans++'`, `'random'`, or the centres themselves
 * (k × d, as a Matrix or `number[][]`).
 */
export type KMeansInit = 'kmeans++' | 'random' | Matrix | ArrayLike<ArrayLike<number>>;

/** The engine option of {@link KMeans}: the compute floor's {@link EngineOption} (it has no `'native'` engine). */
export type KMeansEngine = EngineOption;

/** See {@link KMeansOptions.algorithm}. */
export type KMeansAlgorithm = 'auto' | 'lloyd' | 'hamerly';

/** Options of {@link KMeans}. */
export interface KMeansOptions {
  /**
   * Number of clusters k (default 8 like scikit-learn, or the number of given centres). Must be
   * ≤ the number of rows.
   */
  nClusters?: number;
  /** `'kmeans++'` (default), `'random'` (k distinct random rows) or k × d centres (Matrix or `number[][]`). */
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
   * Where the distances run: `'js'` (float64), `'tfjs'` (float32 products on the TF.js backend;
   * needs `await initBackend()`), or `'auto'` (default): `'tfjs'` when a backend is active and
   * n·d·k ≥ 2²², else `'js'`. `'native'` is an error (no compiled K-Means kernel). The data is
   * centred first on every engine, so they give the same clustering.
   */
  engine?: KMeansEngine;
  /**
   * `'lloyd'` computes every distance every iteration; `'hamerly'` keeps per-row distance bounds
   * (Hamerly 2010) and recomputes only rows whose nearest centre may have changed — the same
   * labels and centres, far fewer distances in late iterations. `'auto'` (default): `'hamerly'`
   * on the tfjs engine, else `'lloyd'`.
   */
  algorithm?: KMeansAlgorithm;
}

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
  engine: 'js' | 'tfjs';
  algorithm: 'lloyd' | 'hamerly';
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
    // One merge: the defaults, then the given options, then the defaults that follow from given
    // centres (k is their number of rows; one run, as they are deterministic).
    const merged = { ...DEFAULTS, ...stripUndefined(options) };
    const rows = givenRows(merged.init);
    this.options = {
      ...merged,
      nInit: options.nInit ?? (rows !== undefined ? 1 : DEFAULTS.nInit),
      nClusters: options.nClusters ?? rows ?? DEFAULTS.nClusters,
    };
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
    const { nClusters: k, maxIter, tol, seed } = this.options;
    this.validateOptions();
    checkMatrix('X', x, { minRows: 1 });
    checkFiniteMatrix('X', x);
    if (x.cols < 1) throw new RangeError('X must have at least one column (feature), got 0.');
    if (x.rows < k) {
      throw new RangeError(
        `Expected n_samples >= nClusters: X has ${x.rows} rows but nClusters = ${k}. Use nClusters <= ${x.rows} or more data.`,
      );
    }
    const init = this.options.init;
    let given: Float64Array | undefined;
    if (typeof init !== 'string') {
      const centres = toMatrix(init, 'init');
      if (centres.rows !== k || centres.cols !== x.cols) {
        throw new RangeError(
          `init: the given centres are ${centres.rows} × ${centres.cols} but must be nClusters × n_features = ${k} × ${x.cols}. ` +
            'Give one centre per cluster with one value per column of X (or leave nClusters out: it is then the number of centres).',
        );
      }
      checkFiniteMatrix('init', centres);
      given = Float64Array.from(centres.data);
    }
    const nInit = given ? 1 : this.options.nInit;
    // Engine and algorithm are chosen once, here; every run of this fit uses them.
    const engine = resolveEngine(this.options.engine, { work: x.rows * x.cols * k, supports: ['js', 'tfjs'], what: 'KMeans' }) as 'js' | 'tfjs';
    const algorithm = this.options.algorithm === 'auto' ? (engine === 'tfjs' ? 'hamerly' : 'lloyd') : this.options.algorithm;
    const run = algorithm === 'hamerly' ? hamerly : lloyd;
    // One centring pass serves the tolerance's scale and the distance kernel.
    const cen = centring(x);
    const tolAbs = tol * meanVariance(x, cen);
    const kernel = distanceKernel(x, { engine, what: 'KMeans', centring: cen });
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
        const result = run(kernel, centres, k, maxIter, tolAbs);
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
        algorithm,
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
  get engineUsed(): 'js' | 'tfjs' { return this.state().engine; }
  /** The algorithm that ran the fit (`auto` resolved). @throws NotFittedError before fit. */
  get algorithmUsed(): 'lloyd' | 'hamerly' { return this.state().algorithm; }
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

  /**
   * The floor's distance kernel for predict/transform/score: the same centred distances as fit
   * (centred at the new rows' own mean), on the engine the option resolves to for their size.
   */
  private kernelFor(x: Matrix): DistanceKernel {
    return distanceKernel(x, { engine: this.options.engine, pointsPerPass: this.options.nClusters, what: 'KMeans' });
  }

  private assign(X: Matrix | ArrayLike<ArrayLike<number>>): { x: Matrix; labels: Int32Array } {
    const f = this.state();
    const x = this.checkInput(X, f);
    const kernel = this.kernelFor(x);
    try {
      const labels = new Int32Array(x.rows).fill(-1);
      nearestCentres(kernel, f.centres, this.options.nClusters, labels, new Float64Array(x.rows));
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
    if ((o.engine as string) === 'ml-kmeans') {
      throw new RangeError("engine 'ml-kmeans' was removed: use engine 'js' (the same Lloyd steps in float64, faster) or 'auto'.");
    }
    checkOneOf('engine', o.engine, ENGINE_OPTIONS);
    checkOneOf('algorithm', o.algorithm, ['auto', 'lloyd', 'hamerly']);
    if (typeof o.init === 'string') {
      checkOneOf('init', o.init as 'kmeans++' | 'random', ['kmeans++', 'random']);
    } else if (typeof o.init !== 'object' || o.init === null) {
      throw new TypeError(`init must be 'kmeans++', 'random' or the centres (a Matrix or number[][]), got ${describeValue(o.init)}.`);
    } else {
      toMatrix(o.init, 'init');
    }
  }
}

/** Rows of given centres (`init` as a Matrix or `number[][]`), or undefined for a named init. */
function givenRows(init: unknown): number | undefined {
  if (isMatrix(init)) return init.rows;
  if (Array.isArray(init)) return init.length;
  return undefined;
}

/** The state one run carries across iterations: labels, distances and per-cluster sums. */
interface RunState {
  readonly x: Matrix;
  readonly k: number;
  readonly labels: Int32Array;
  readonly prev: Int32Array;
  readonly dist: Float64Array;
  readonly sums: Float64Array;
  readonly counts: Float64Array;
  sumsValid: boolean;
}

function runState(x: Matrix, k: number): RunState {
  const n = x.rows;
  return {
    x, k, labels: new Int32Array(n).fill(-1), prev: new Int32Array(n).fill(-1), dist: new Float64Array(n),
    sums: new Float64Array(k * x.cols), counts: new Float64Array(k), sumsValid: false,
  };
}

/**
 * The update step shared by both algorithms (scikit-learn's): per-cluster sums (incrementally
 * once valid), empty clusters re-seeded from the farthest points, the new centres and their
 * total squared movement. `distExact` is false when the assignment skipped rows (Hamerly): their
 * distances are then recomputed before choosing the farthest points.
 */
function updateCentres(st: RunState, centres: Float64Array, distExact: boolean): { next: Float64Array; shift: number } {
  const { x, k, labels, prev, dist, sums, counts } = st;
  const d = x.cols;
  if (st.sumsValid) updateClusterSums(x, prev, labels, sums, counts);
  else clusterSums(x, labels, sums, counts);
  st.sumsValid = true;
  const empty: number[] = [];
  for (let c = 0; c < k; c++) if (counts[c] === 0) empty.push(c);
  if (empty.length > 0) {
    if (!distExact) for (let i = 0; i < x.rows; i++) dist[i] = squaredDistance(x.data, i * d, centres, labels[i]! * d, d);
    relocateEmptyClusters(x, labels, dist, empty, sums, counts);
    st.sumsValid = false; // sums now disagree with labels: recompute next iteration
  }
  const next = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const w = counts[c]!;
    const s = w > 0 ? 1 / w : 1; // scikit-learn leaves a zero-weight cluster's sum as is
    for (let j = 0; j < d; j++) next[c * d + j] = sums[c * d + j]! * s;
  }
  // All k·d coordinates as one vector: Σ_c ‖next_c − centre_c‖², on the floor.
  const shift = squaredDistance(next, 0, centres, 0, k * d);
  return { next, shift };
}

/** Why a run stops after an update: no label changed (`'labels'`), the centres barely moved (`'tol'`), or not yet. */
function stopReason(st: RunState, nIter: number, shift: number, tolAbs: number): 'labels' | 'tol' | undefined {
  if (nIter > 1 && arraysEqual(st.labels, st.prev)) return 'labels';
  if (shift <= tolAbs) return 'tol';
  st.prev.set(st.labels);
  return undefined;
}

/**
 * One run of Lloyd's algorithm from the given centres (scikit-learn's `_kmeans_single_lloyd`):
 * assign every row, update (re-seeding empty clusters), stop when no label changes or the centres
 * moved less than `tolAbs` in total (squared); then a final assignment to the final centres.
 */
function lloyd(kernel: DistanceKernel, initial: Float64Array, k: number, maxIter: number, tolAbs: number): RunResult {
  const st = runState(kernel.x, k);
  let centres = initial;
  let stop: 'labels' | 'tol' | undefined;
  let nIter = 0;
  while (nIter < maxIter) {
    throwIfInterrupted(`K-Means, iteration ${nIter + 1}/${maxIter}`);
    nearestCentres(kernel, centres, k, st.labels, st.dist);
    nIter++;
    const { next, shift } = updateCentres(st, centres, true);
    centres = next;
    stop = stopReason(st, nIter, shift, tolAbs);
    if (stop) break;
  }
  if (stop !== 'labels') nearestCentres(kernel, centres, k, st.labels, st.dist); // labels of the final centres
  return { centres, labels: st.labels, inertia: exactInertia(kernel.x, centres, st.labels), nIter, converged: stop !== undefined };
}

/**
 * One run of Hamerly's algorithm (Hamerly 2010): Lloyd's iterations with per-row distance bounds,
 * so that rows whose nearest centre cannot have changed are not recomputed; the same labels and
 * centres as {@link lloyd} up to the bounds' rounding margin.
 */
function hamerly(kernel: DistanceKernel, initial: Float64Array, k: number, maxIter: number, tolAbs: number): RunResult {
  const st = runState(kernel.x, k);
  const bounds: DistanceBounds = createBounds(kernel.x.rows);
  let centres = initial;
  let stop: 'labels' | 'tol' | undefined;
  let nIter = 0;
  while (nIter < maxIter) {
    throwIfInterrupted(`K-Means (Hamerly), iteration ${nIter + 1}/${maxIter}`);
    assignLabelsBounded(kernel, centres, k, st.labels, st.dist, bounds);
    nIter++;
    const { next, shift } = updateCentres(st, centres, false);
    moveBounds(bounds, st.labels, centres, next, k, kernel.x.cols);
    centres = next;
    stop = stopReason(st, nIter, shift, tolAbs);
    if (stop) break;
  }
  if (stop !== 'labels') nearestCentres(kernel, centres, k, st.labels, st.dist);
  return { centres, labels: st.labels, inertia: exactInertia(kernel.x, centres, st.labels), nIter, converged: stop !== undefined };
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



function arraysEqual(a: Int32Array, b: Int32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * Mean over features of the (population) variance of each column, in float64: the scale of
 * {@link KMeansOptions.tol} (scikit-learn's `_tolerance`), from the floor's centred squared row
 * norms ‖x_i − mean‖² (pass X's {@link centring} when it is at hand, to save a pass).
 * @example meanVariance({ data: Float32Array.from([1, 10, 3, 10]), rows: 2, cols: 2 }) // 0.5
 */
export function meanVariance(x: Matrix, cen: Centring = centring(x)): number {
  const { rowNorms } = cen;
  let total = 0;
  for (let i = 0; i < x.rows; i++) total += rowNorms[i]!;
  return total / (x.rows * x.cols);
}


function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
