/**
 * k-nearest-neighbour graphs for {@link UMAP}: exact search as chunked matrix products (on the
 * TF.js backend when one is active, else a blocked pure-JS loop), and an approximate search by
 * NN-descent for large data.
 *
 * Exact search forms ‖q‖² − 2·q·x + ‖x‖² from float32 products, keeps `k + 4` candidates per row,
 * then recomputes their distances in float64 and keeps the k nearest: the result is the
 * brute-force answer (ties broken by lower index) unless float32 rounding moves a point across
 * four places of the ranking.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { activeTf } from '../tf/backend.js';
import { jsKernel, rowSquaredNorms, tfjsKernel, type DistanceKernel } from '../cluster/kmeans-kernels.js';

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
  /** Called after each block of query rows with (rows done, rows total). */
  onBlock?: (done: number, total: number) => void;
}

/** Extra candidates kept by the float32 pass of the exact search before the float64 re-ranking. */
const EXTRA = 4;
/** Largest number of product values (query rows × data rows) held at once (64 MB of float32). */
const BLOCK_VALUES = 1 << 24;

/**
 * Exact k nearest neighbours of every row of `query` among the rows of `data` (Euclidean).
 * When `query` is `data` (the same object), each row's first neighbour is itself at distance 0,
 * as umap-learn counts it.
 * @throws RangeError when k > data rows or the column counts differ.
 * @example const g = exactKnn(X, X, 15); g.indices[0] === 0 // a row is its own nearest neighbour
 */
export function exactKnn(data: Matrix, query: Matrix, k: number, options: ExactKnnOptions = {}): KnnGraph {
  const { onBlock } = options;
  const n = data.rows;
  const d = data.cols;
  if (query.cols !== d) throw new RangeError(`query has ${query.cols} columns but the data has ${d}; pass rows with the same features.`);
  if (k > n) throw new RangeError(`k = ${k} neighbours requested but the data has only ${n} rows; use k <= ${n}.`);
  const selfRows = options.selfRows ?? (query === data ? null : undefined);
  const m = query.rows;
  const kk = Math.min(n, k + EXTRA);
  const dataNorms = rowSquaredNorms(data);
  const kernel: DistanceKernel = activeTf() !== undefined && n * d >= 1 << 16 ? tfjsKernel(data, dataNorms) : jsKernel(data, dataNorms);
  const indices = new Int32Array(m * k);
  const distances = new Float32Array(m * k);
  const block = Math.max(16, Math.min(2048, Math.floor(BLOCK_VALUES / n)));
  const centres = new Float64Array(block * d);
  const candIdx = new Int32Array(kk);
  const candVal = new Float64Array(kk);
  const exact = new Float64Array(kk);
  const order = new Int32Array(kk);
  try {
    for (let start = 0; start < m; start += block) {
      const size = Math.min(block, m - start);
      for (let r = 0; r < size; r++) {
        const o = (start + r) * d;
        for (let j = 0; j < d; j++) centres[r * d + j] = query.data[o + j]!;
      }
      const dots = kernel.dots(centres, size);
      for (let r = 0; r < size; r++) {
        // Candidates by ‖x‖² − 2·q·x (‖q‖² is the same for the whole row): a sorted insertion list.
        let count = 0;
        let worst = Infinity;
        const base = r * n;
        for (let i = 0; i < n; i++) {
          const v = dataNorms[i]! - 2 * dots[base + i]!;
          if (count === kk && v >= worst) continue;
          let pos = count < kk ? count++ : kk - 1;
          while (pos > 0 && candVal[pos - 1]! > v) {
            candVal[pos] = candVal[pos - 1]!;
            candIdx[pos] = candIdx[pos - 1]!;
            pos--;
          }
          candVal[pos] = v;
          candIdx[pos] = i;
          if (count === kk) worst = candVal[kk - 1]!;
        }
        // Exact float64 distances of the candidates, then the k nearest (lower index on ties).
        const qo = (start + r) * d;
        for (let c = 0; c < count; c++) {
          const xo = candIdx[c]! * d;
          let s = 0;
          for (let j = 0; j < d; j++) {
            const t = query.data[qo + j]! - data.data[xo + j]!;
            s += t * t;
          }
          const selfIndex = selfRows === null ? start + r : selfRows === undefined ? -1 : selfRows[start + r]!;
          exact[c] = candIdx[c] === selfIndex ? -1 : s; // a row is its own first neighbour
          order[c] = c;
        }
        const ord = Array.from(order.subarray(0, count)).sort((a, b) => exact[a]! - exact[b]! || candIdx[a]! - candIdx[b]!);
        const out = (start + r) * k;
        for (let j = 0; j < k; j++) {
          const c = ord[j]!;
          indices[out + j] = candIdx[c]!;
          distances[out + j] = exact[c]! < 0 ? 0 : Math.sqrt(exact[c]!);
        }
      }
      onBlock?.(start + size, m);
    }
  } finally {
    kernel.dispose();
  }
  return { indices, distances, rows: m, k };
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
