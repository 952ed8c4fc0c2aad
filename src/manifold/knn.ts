/**
 * k-nearest-neighbour graphs for {@link UMAP}: exact search on the compute floor
 * ({@link exactNeighbours}: centred products on the engine the size rule picks, float64
 * re-ranking), and an approximate search by NN-descent for large data (src/manifold/nndescent.ts).
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { exactNeighbours, type EngineOption } from '../linalg/index.js';

/** The k nearest neighbours of each query row, nearest first. */
export interface KnnGraph {
  /** `indices[i * k + j]`: index (into the data) of the j-th nearest neighbour of query row i. */
  readonly indices: Int32Array;
  /** Euclidean distances matching `indices` (non-decreasing along each row). */
  readonly distances: Float32Array;
  /** Number of query rows. */
  readonly rows: number;
  /** Neighbours per row. */
  readonly k: number;
}

/** Distance metrics of the input space. `cosine` is 1 − cos(x, y) (rows are unit-normalised first). */
export type UmapMetric = 'euclidean' | 'cosine';

/** Options of {@link exactKnn}. */
export interface ExactKnnOptions {
  /**
   * `selfRows[r]`: the data row that query row r is (it is then listed first, at distance 0, even
   * among duplicates). Implied when `query` is `data`.
   */
  selfRows?: Int32Array;
  /** Where the candidate products run: `'auto'` (default; see {@link EngineOption}), `'js'` or `'tfjs'`; `'native'` is refused. */
  engine?: EngineOption;
  /** Name of the query matrix in error messages (default `'query'`). */
  queryName?: string;
  /** Called after each block of query rows with (rows done, rows total). */
  onBlock?: (done: number, total: number) => void;
}

/**
 * Exact k nearest neighbours of every row of `query` among the rows of `data` (Euclidean), as a
 * {@link KnnGraph}. When `query` is `data` (the same object), each row's first neighbour is itself
 * at distance 0, as umap-learn counts it.
 * @throws RangeError when k > data rows, the column counts differ, or a query row lies too far
 *   from the data to have nearest neighbours (see {@link exactNeighbours}).
 * @example const g = exactKnn(X, X, 15); g.indices[0] === 0 // a row is its own nearest neighbour
 */
export function exactKnn(data: Matrix, query: Matrix, k: number, options: ExactKnnOptions = {}): KnnGraph {
  const { indices, distances } = exactNeighbours(data, query, k, options);
  return { indices, distances, rows: query.rows, k };
}

/**
 * The first `k` neighbours of each row of a graph with at least k per row (for reusing one
 * search across several `nNeighbors`).
 * @throws RangeError when k exceeds the graph's k.
 */
export function truncateKnn(g: KnnGraph, k: number): KnnGraph {
  if (k > g.k) throw new RangeError(`Cannot take ${k} neighbours from a graph of ${g.k} per row; search with k >= ${k}.`);
  if (k === g.k) return g;
  const indices = new Int32Array(g.rows * k);
  const distances = new Float32Array(g.rows * k);
  for (let i = 0; i < g.rows; i++) {
    indices.set(g.indices.subarray(i * g.k, i * g.k + k), i * k);
    distances.set(g.distances.subarray(i * g.k, i * g.k + k), i * k);
  }
  return { indices, distances, rows: g.rows, k };
}
