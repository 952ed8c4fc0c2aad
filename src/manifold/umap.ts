/**
 * UMAP (Uniform Manifold Approximation and Projection; McInnes, Healy & Melville 2018) with
 * umap-learn 0.5's algorithm and defaults, on Float32Array matrices:
 *
 * 1. k nearest neighbours of every row (itself included, as umap-learn counts them): exact, on the
 *    compute floor's centred products ({@link exactKnn}); or approximate by NN-descent
 *    ({@link nnDescent}) for large data.
 * 2. The fuzzy simplicial set: smooth kNN distances (ρ, σ by binary search), memberships, fuzzy
 *    union ({@link fuzzySimplicialSet}).
 * 3. An initial layout: spectral (the normalised Laplacian's eigenvectors; umap-learn's default),
 *    PCA or uniform random, scaled to [0, 10] per axis.
 * 4. SGD with edge sampling and negative sampling ({@link optimizeLayout}) on the curve
 *    1/(1 + a·d^(2b)) fitted from `minDist` and `spread` ({@link findAbParams}).
 *
 * Deterministic for a seed, like umap-learn with `random_state` set: every random step runs on
 * seeded generators, and the SGD's block schedule gives the same layout on any number of threads.
 * @module
 */
import { type Matrix, normalizeRows, toMatrix } from '../util/matrix.js';
import { createRandom, type Random } from '../util/random.js';
import { NotFittedError, checkFiniteMatrix, checkInteger, checkNumber, checkOneOf } from '../util/validate.js';
import { principalComponents, projectOnComponents } from '../decomposition/pca.js';
import { exactKnn, type KnnGraph, type UmapMetric } from './knn.js';
import type { EngineOption } from '../linalg/index.js';
import { nnDescent } from './nndescent.js';
import { fuzzyUnion, membershipStrengths, smoothKnnDist, type SparseGraph } from './fuzzy.js';
import { findAbParams } from './curve.js';
import { epochsPerSample, optimizeLayout, type LayoutRun } from './layout.js';
import { randomLayout, spectralLayout } from './spectral.js';

/** How the initial layout is made. */
export type UmapInit = 'spectral' | 'pca' | 'random';

/** How the nearest neighbours are found: `auto` is exact up to {@link EXACT_KNN_MAX_ROWS} rows, else NN-descent. */
export type UmapKnnMethod = 'auto' | 'exact' | 'nndescent';

/** Rows up to which `knnMethod: 'auto'` searches exactly. */
export const EXACT_KNN_MAX_ROWS = 20000;

/** Options of {@link UMAP} (umap-learn's names in camelCase, same defaults). */
export interface UMAPOptions {
  /** Dimension of the embedding (default 2). */
  nComponents?: number;
  /** Neighbours per point, the point itself included (default 15; ≥ 2 and < number of rows). */
  nNeighbors?: number;
  /** Smallest distance between embedded points, on the scale of `spread` (default 0.1; ≤ spread). */
  minDist?: number;
  /** Scale of the embedded points (default 1). */
  spread?: number;
  /**
   * SGD epochs; `'auto'` (default) = 500 for ≤ 10,000 rows, else 200, like umap-learn. `transform`
   * uses a third of this (auto: 100 for ≤ 10,000 new rows, else 30).
   */
  nEpochs?: number | 'auto';
  /** Initial SGD learning rate (default 1; `transform` uses a quarter). */
  learningRate?: number;
  /** Repulsive samples per positive sample (default 5). */
  negativeSampleRate?: number;
  /** Weight of the repulsive samples (default 1). */
  repulsionStrength?: number;
  /** Neighbours assumed connected locally (default 1). */
  localConnectivity?: number;
  /** Input-space distance: `'euclidean'` (default) or `'cosine'` (1 − cosine similarity). */
  metric?: UmapMetric;
  /** Initial layout: `'spectral'` (default, like umap-learn), `'pca'` or `'random'`. */
  init?: UmapInit;
  /** Nearest-neighbour search: `'exact'`, `'nndescent'` (approximate), or `'auto'` (default: exact up to {@link EXACT_KNN_MAX_ROWS} rows, else NN-descent). */
  knnMethod?: UmapKnnMethod;
  /** Seed of every random step (default 0). */
  seed?: number;
}

/** One progress report of {@link UMAP.fit} / {@link UMAP.transform}. */
export interface UMAPProgress {
  /** `knn` (neighbour search), `graph` (fuzzy set), `init` (initial layout), `optimize` (SGD epochs). */
  readonly phase: 'knn' | 'graph' | 'init' | 'optimize';
  /** Units done and total in this phase (rows for knn, epochs for optimize, 1 of 1 otherwise). */
  readonly done: number;
  readonly total: number;
  /** Seconds since the call started. */
  readonly elapsedSeconds: number;
}

/** Per-call options of {@link UMAP.fit}. */
export interface UMAPFitOptions {
  /** Progress callback (called often in `optimize`: once per epoch). */
  onProgress?: (p: UMAPProgress) => void;
  /**
   * Precomputed neighbours of the rows of X (each row first in its own list, e.g. from
   * {@link nearestNeighbors} with k ≥ nNeighbors; extra columns are ignored).
   */
  knn?: KnnGraph;
}

const DEFAULTS = {
  nComponents: 2,
  nNeighbors: 15,
  minDist: 0.1,
  spread: 1,
  nEpochs: 'auto' as number | 'auto',
  learningRate: 1,
  negativeSampleRate: 5,
  repulsionStrength: 1,
  localConnectivity: 1,
  metric: 'euclidean' as UmapMetric,
  init: 'spectral' as UmapInit,
  knnMethod: 'auto' as UmapKnnMethod,
  seed: 0,
};

interface Fitted {
  embedding: Matrix;
  data: Matrix;
  knn: KnnGraph;
  graph: SparseGraph;
  a: number;
  b: number;
  nEpochs: number;
  knnMethod: Exclude<UmapKnnMethod, 'auto'>;
  layout: LayoutRun;
  seconds: Record<UMAPProgress['phase'], number>;
}

/**
 * UMAP dimension reduction.
 *
 * @example
 * const umap = new UMAP({ nComponents: 10, nNeighbors: 20, minDist: 0, seed: 0 });
 * const E = umap.fitTransform(codes);   // n × 10 Matrix
 * const Enew = umap.transform(moreCodes); // new rows placed in the same embedding
 */
export class UMAP {
  /** The options merged with the defaults. */
  readonly options: Readonly<Required<UMAPOptions>>;
  private fitted: Fitted | undefined;

  /** Stores the options; they are validated by {@link UMAP.fit}. */
  constructor(options: UMAPOptions = {}) {
    this.options = { ...DEFAULTS, ...stripUndefined(options) };
  }

  /**
   * Computes the embedding of X (rows are samples).
   * @returns this, fitted.
   * @throws RangeError for invalid options (naming the option), NaN/±Infinity in X, fewer rows
   *   than nNeighbors + 1, or a precomputed kNN of the wrong shape.
   */
  fit(X: Matrix | ArrayLike<ArrayLike<number>>, fitOptions: UMAPFitOptions = {}): this {
    const t0 = performance.now();
    const o = this.options;
    this.validateOptions();
    let x = toMatrix(X, 'X');
    checkFiniteMatrix('X', x);
    if (x.cols < 1) throw new RangeError('X must have at least one column (feature), got 0.');
    if (x.rows <= o.nNeighbors) {
      throw new RangeError(
        `nNeighbors = ${o.nNeighbors} must be smaller than the number of rows of X (${x.rows}); use nNeighbors <= ${x.rows - 1} or more data.`,
      );
    }
    if (o.nComponents >= x.rows) {
      throw new RangeError(`nComponents = ${o.nComponents} must be smaller than the number of rows of X (${x.rows}).`);
    }
    if (o.metric === 'cosine') x = normalizeRows(x);
    const { onProgress } = fitOptions;
    const seconds = { knn: 0, graph: 0, init: 0, optimize: 0 };
    let mark = performance.now();
    const report = (phase: UMAPProgress['phase'], done: number, total: number): void => {
      onProgress?.({ phase, done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
    };
    const lap = (phase: UMAPProgress['phase']): void => {
      const now = performance.now();
      seconds[phase] = (now - mark) / 1000;
      mark = now;
    };
    const rng = createRandom(o.seed);
    const n = x.rows;
    const k = o.nNeighbors;

    // 1. Neighbours.
    const knnMethod = o.knnMethod === 'auto' ? (n <= EXACT_KNN_MAX_ROWS ? 'exact' : 'nndescent') : o.knnMethod;
    let knn: KnnGraph;
    const knnRng = rng.fork(); // drawn either way: a precomputed search changes nothing downstream
    if (fitOptions.knn) {
      knn = checkPrecomputed(fitOptions.knn, n, k);
    } else {
      knn = nearestNeighbors(x, k, { method: knnMethod, seed: knnRng.int(2 ** 31), metric: 'euclidean', onProgress: (d, t) => report('knn', d, t) });
    }
    const distances = o.metric === 'cosine' ? cosineFromUnitEuclidean(knn.distances) : knn.distances;
    const graphKnn: KnnGraph = { ...knn, distances };
    lap('knn');

    // 2. Fuzzy simplicial set, pruned of edges too weak to be sampled in nEpochs.
    const s = smoothKnnDist(graphKnn, o.localConnectivity);
    const full = fuzzyUnion(graphKnn, membershipStrengths(graphKnn, s));
    const defaultEpochs = n <= 10000 ? 500 : 200;
    const nEpochs = o.nEpochs === 'auto' ? defaultEpochs : o.nEpochs;
    const graph = pruneGraph(full, nEpochs > 10 ? nEpochs : defaultEpochs);
    report('graph', 1, 1);
    lap('graph');

    // 3. Initial layout in [0, 10]^dim.
    const dim = o.nComponents;
    const initRng = rng.fork();
    let init: Float64Array;
    if (o.init === 'random') {
      init = randomLayout(n, dim, initRng, 10);
    } else if (o.init === 'pca') {
      const pc = principalComponents(x, Math.min(dim, x.cols), { name: 'UMAP init' });
      const proj = projectOnComponents(x, pc);
      init = new Float64Array(n * dim);
      for (let i = 0; i < n; i++) for (let c = 0; c < proj.cols; c++) init[i * dim + c] = proj.data[i * proj.cols + c]!;
      init = noisyScale(init, initRng);
    } else {
      init = noisyScale(spectralLayout(graph, dim, initRng, x), initRng);
    }
    const embedding = minMaxScale(init, n, dim);
    report('init', 1, 1);
    lap('init');

    // 4. SGD.
    const { a, b } = findAbParams(o.spread, o.minDist);
    const { heads, tails } = edgeList(graph);
    const layout = optimizeLayout({
      head: embedding, tail: embedding, dim, edgeHead: heads, edgeTail: tails,
      epochsPerSample: epochsPerSample(graph.weights), nVertices: n, nEpochs, a, b,
      gamma: o.repulsionStrength, initialAlpha: o.learningRate, negativeSampleRate: o.negativeSampleRate,
      moveOther: true, seed: rng.int(2 ** 32) || 1,
    }, (done, total) => report('optimize', done, total));
    lap('optimize');

    this.fitted = {
      embedding: { data: embedding, rows: n, cols: dim }, data: x, knn, graph, a, b, nEpochs,
      knnMethod: fitOptions.knn ? 'exact' : knnMethod, layout, seconds,
    };
    return this;
  }

  /** `fit(X)` then the embedding of X. */
  fitTransform(X: Matrix | ArrayLike<ArrayLike<number>>, fitOptions: UMAPFitOptions = {}): Matrix {
    return this.fit(X, fitOptions).embedding;
  }

  /**
   * Places new rows in the fitted embedding (umap-learn's `transform`): their nNeighbors nearest
   * training rows (exact search), memberships with local connectivity − 1, a start at the
   * membership-weighted mean of those rows' positions (exactly a training row's position when Y
   * repeats it), then SGD against the fixed training embedding (a third of nEpochs; learning rate / 4).
   * @throws NotFittedError before fit; RangeError for a column-count mismatch, non-finite values, or
   *   a row so far from the training data (e.g. at 1e25) that its distances to every training row
   *   are equal in float32 (no nearest neighbours; the message names the row).
   */
  transform(Y: Matrix | ArrayLike<ArrayLike<number>>, options: { onProgress?: (p: UMAPProgress) => void } = {}): Matrix {
    const t0 = performance.now();
    const f = this.state();
    const o = this.options;
    let y = toMatrix(Y, 'Y');
    if (y.cols !== f.data.cols) {
      throw new RangeError(`Y has ${y.cols} features (columns) but this UMAP was fitted on ${f.data.cols}; pass data with the same columns as in fit.`);
    }
    checkFiniteMatrix('Y', y);
    if (o.metric === 'cosine') y = normalizeRows(y);
    const report = (phase: UMAPProgress['phase'], done: number, total: number): void => {
      options.onProgress?.({ phase, done, total, elapsedSeconds: (performance.now() - t0) / 1000 });
    };
    const m = y.rows;
    const k = o.nNeighbors;
    const dim = o.nComponents;
    const knn0 = exactKnn(f.data, y, k, { queryName: 'UMAP.transform: Y', onBlock: (d, t) => report('knn', d, t) });
    const knn: KnnGraph = o.metric === 'cosine' ? { ...knn0, distances: cosineFromUnitEuclidean(knn0.distances) } : knn0;
    const s = smoothKnnDist(knn, Math.max(0, o.localConnectivity - 1));
    const vals = membershipStrengths(knn, s, true);
    report('graph', 1, 1);
    // Initial positions.
    const train = f.embedding.data;
    const head = new Float32Array(m * dim);
    for (let i = 0; i < m; i++) {
      let exact = -1;
      let wsum = 0;
      for (let j = 0; j < k; j++) {
        const v = vals[i * k + j]!;
        if (v === 1 && exact < 0) exact = knn.indices[i * k + j]!;
        wsum += v;
      }
      if (exact >= 0) {
        head.set(train.subarray(exact * dim, exact * dim + dim), i * dim);
      } else if (wsum > 0) {
        for (let j = 0; j < k; j++) {
          const w = vals[i * k + j]! / wsum;
          const t = knn.indices[i * k + j]! * dim;
          for (let d = 0; d < dim; d++) head[i * dim + d] += w * train[t + d]!;
        }
      } else {
        head.fill(NaN, i * dim, i * dim + dim);
      }
    }
    report('init', 1, 1);
    const nEpochs = o.nEpochs === 'auto' ? (m <= 10000 ? 100 : 30) : Math.max(1, Math.floor(o.nEpochs / 3));
    let max = 0;
    for (let e = 0; e < vals.length; e++) if (vals[e]! > max) max = vals[e]!;
    const heads: number[] = [], tails: number[] = [], weights: number[] = [];
    for (let i = 0; i < m; i++) for (let j = 0; j < k; j++) {
      const v = vals[i * k + j]!;
      if (v > 0 && v >= max / nEpochs) { heads.push(i); tails.push(knn.indices[i * k + j]!); weights.push(v); }
    }
    if (heads.length > 0) {
      optimizeLayout({
        head, tail: Float32Array.from(train), dim, edgeHead: Int32Array.from(heads), edgeTail: Int32Array.from(tails),
        epochsPerSample: epochsPerSample(Float32Array.from(weights)), nVertices: f.embedding.rows, nEpochs,
        a: f.a, b: f.b, gamma: o.repulsionStrength, initialAlpha: o.learningRate / 4,
        negativeSampleRate: o.negativeSampleRate, moveOther: false, seed: (createRandom(o.seed + 1).int(2 ** 32) || 1),
      }, (done, total) => report('optimize', done, total));
    }
    return { data: head, rows: m, cols: dim };
  }

  /** The embedding of the training rows (n × nComponents, float32). @throws NotFittedError before fit. */
  get embedding(): Matrix { return this.state().embedding; }
  /** The fuzzy graph the layout was optimised on (symmetric CSR, pruned). @throws NotFittedError before fit. */
  get graph(): SparseGraph { return this.state().graph; }
  /** The k nearest neighbours of the training rows (Euclidean distances; each row first). @throws NotFittedError before fit. */
  get knn(): KnnGraph { return this.state().knn; }
  /** The fitted curve parameters a, b. @throws NotFittedError before fit. */
  get ab(): { a: number; b: number } { const f = this.state(); return { a: f.a, b: f.b }; }
  /** SGD epochs run by fit (`'auto'` resolved). @throws NotFittedError before fit. */
  get nEpochsUsed(): number { return this.state().nEpochs; }
  /** The neighbour search fit used (`'auto'` resolved). @throws NotFittedError before fit. */
  get knnMethodUsed(): Exclude<UmapKnnMethod, 'auto'> { return this.state().knnMethod; }
  /** How fit's SGD ran: the engine (compiled or TypeScript), its threads, the edges between blocks. @throws NotFittedError before fit. */
  get layoutRun(): LayoutRun { return this.state().layout; }
  /** Seconds fit spent in each phase. @throws NotFittedError before fit. */
  get phaseSeconds(): Readonly<Record<UMAPProgress['phase'], number>> { return this.state().seconds; }
  /** Number of features seen by fit. @throws NotFittedError before fit. */
  get nFeaturesIn(): number { return this.state().data.cols; }

  private state(): Fitted {
    if (!this.fitted) throw new NotFittedError('UMAP');
    return this.fitted;
  }

  private validateOptions(): void {
    const o = this.options;
    checkInteger('nComponents', o.nComponents, 1, Infinity, 'Use at least one embedding dimension.');
    checkInteger('nNeighbors', o.nNeighbors, 2, Infinity, 'Use at least 2 neighbours (the point itself and one other).');
    checkNumber('spread', o.spread, Number.MIN_VALUE);
    checkNumber('minDist', o.minDist, 0, o.spread, 'minDist must not exceed spread.');
    if (o.nEpochs !== 'auto') checkInteger('nEpochs', o.nEpochs, 1, Infinity, "Or use 'auto'.");
    checkNumber('learningRate', o.learningRate, Number.MIN_VALUE);
    checkNumber('negativeSampleRate', o.negativeSampleRate, 0);
    checkNumber('repulsionStrength', o.repulsionStrength, 0);
    checkNumber('localConnectivity', o.localConnectivity, 0);
    checkOneOf('metric', o.metric, ['euclidean', 'cosine']);
    checkOneOf('init', o.init, ['spectral', 'pca', 'random']);
    checkOneOf('knnMethod', o.knnMethod, ['auto', 'exact', 'nndescent']);
    checkNumber('seed', o.seed);
  }
}

/** Options of {@link nearestNeighbors}. */
export interface NearestNeighborsOptions {
  /** `exact` (default) or `nndescent`. */
  method?: Exclude<UmapKnnMethod, 'auto'>;
  /** Seed of NN-descent (default 0). */
  seed?: number;
  /** `euclidean` (default) or `cosine` (rows are unit-normalised; distances are Euclidean between them). */
  metric?: UmapMetric;
  /** Where the exact search's products run: `'auto'` (default), `'js'` or `'tfjs'` (`'native'` is refused; ignored by NN-descent). */
  engine?: EngineOption;
  onProgress?: (done: number, total: number) => void;
}

/**
 * The k nearest neighbours of every row of X among the rows of X, each row first in its own
 * list: the search {@link UMAP.fit} runs, exposed so that one search can serve several fits
 * (pass it as `fit(X, { knn })`; see {@link umapSweep}).
 * @throws RangeError when k ≥ number of rows.
 * @example const g = nearestNeighbors(codes, 30); new UMAP({ nNeighbors: 20 }).fit(codes, { knn: g });
 */
export function nearestNeighbors(X: Matrix, k: number, options: NearestNeighborsOptions = {}): KnnGraph {
  checkInteger('k', k, 1, X.rows, `X has ${X.rows} rows.`);
  const x = options.metric === 'cosine' ? normalizeRows(X) : X;
  if ((options.method ?? 'exact') === 'nndescent') return nnDescent(x, k, { seed: options.seed ?? 0, onProgress: options.onProgress });
  return exactKnn(x, x, k, { engine: options.engine ?? 'auto', onBlock: options.onProgress });
}

function checkPrecomputed(g: KnnGraph, n: number, k: number): KnnGraph {
  if (g.rows !== n) throw new RangeError(`knn has ${g.rows} rows but X has ${n}; pass the neighbours of X's rows.`);
  if (g.k < k) throw new RangeError(`knn has ${g.k} neighbours per row but nNeighbors = ${k}; search with k >= ${k}.`);
  if (g.k === k) return g;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    indices.set(g.indices.subarray(i * g.k, i * g.k + k), i * k);
    distances.set(g.distances.subarray(i * g.k, i * g.k + k), i * k);
  }
  return { indices, distances, rows: n, k };
}

/** Euclidean distance between unit vectors → cosine distance 1 − cos = d² / 2. */
function cosineFromUnitEuclidean(d: Float32Array): Float32Array {
  const out = new Float32Array(d.length);
  for (let i = 0; i < d.length; i++) out[i] = (d[i]! * d[i]!) / 2;
  return out;
}

/** Drops edges lighter than max / nEpochs (they would never be sampled). */
function pruneGraph(g: SparseGraph, nEpochs: number): SparseGraph {
  let max = 0;
  for (let e = 0; e < g.weights.length; e++) if (g.weights[e]! > max) max = g.weights[e]!;
  const threshold = max / nEpochs;
  const indptr = new Int32Array(g.rows + 1);
  let count = 0;
  for (let i = 0; i < g.rows; i++) {
    for (let e = g.indptr[i]!; e < g.indptr[i + 1]!; e++) if (g.weights[e]! >= threshold) count++;
    indptr[i + 1] = count;
  }
  const indices = new Int32Array(count);
  const weights = new Float32Array(count);
  let p = 0;
  for (let e = 0; e < g.weights.length; e++) {
    if (g.weights[e]! >= threshold) { indices[p] = g.indices[e]!; weights[p] = g.weights[e]!; p++; }
  }
  return { rows: g.rows, cols: g.cols, indptr, indices, weights };
}

function edgeList(g: SparseGraph): { heads: Int32Array; tails: Int32Array } {
  const heads = new Int32Array(g.indices.length);
  for (let i = 0; i < g.rows; i++) heads.fill(i, g.indptr[i]!, g.indptr[i + 1]!);
  return { heads, tails: g.indices };
}

/** Scales coordinates to max |x| = 10 and adds N(0, 1e-4²) noise (umap-learn's `noisy_scale_coords`). */
function noisyScale(coords: Float64Array, rng: Random): Float64Array {
  let maxAbs = 0;
  for (let i = 0; i < coords.length; i++) maxAbs = Math.max(maxAbs, Math.abs(coords[i]!));
  const s = maxAbs > 0 ? 10 / maxAbs : 1;
  const out = new Float64Array(coords.length);
  for (let i = 0; i < coords.length; i++) out[i] = Math.fround(coords[i]! * s) + 1e-4 * rng.normal();
  return out;
}

/** Each column affinely onto [0, 10] (a constant column becomes 0), as float32. */
function minMaxScale(coords: Float64Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim);
  for (let d = 0; d < dim; d++) {
    let lo = Infinity, hi = -Infinity;
    for (let i = 0; i < n; i++) { const v = coords[i * dim + d]!; if (v < lo) lo = v; if (v > hi) hi = v; }
    const s = hi > lo ? 10 / (hi - lo) : 0;
    for (let i = 0; i < n; i++) out[i * dim + d] = (coords[i * dim + d]! - lo) * s;
  }
  return out;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
