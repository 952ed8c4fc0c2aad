/**
 * k-nearest-neighbour graphs for {@link UMAP}: exact search as chunked matrix products (on the
 * TF.js backend when one is active, else a blocked pure-JS loop), and an approximate search by
 * NN-descent for large data.
 *
 * Exact search forms ‖q‖² − 2·q·x + ‖x‖² from float32 products, keeps `k + 4` candidates per row
 * (top-k on the device when a TF.js backend is active, so that only indices come back), then
 * recomputes their distances in float64 and keeps the k nearest: the result is the
 * brute-force answer (ties broken by lower index) unless float32 rounding moves a point across
 * four places of the ranking.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { activeTf } from '../tf/backend.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import { float32SafeScale, jsKernel, rowSquaredNorms } from '../cluster/kmeans-kernels.js';

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
  const search = activeTf() !== undefined && n * d >= 1 << 16 ? deviceCandidates(data, kk) : scanCandidates(data, kk);
  const indices = new Int32Array(m * k);
  const distances = new Float32Array(m * k);
  const block = Math.max(16, Math.min(2048, Math.floor(BLOCK_VALUES / n)));
  const exact = new Float64Array(kk);
  const order = new Int32Array(kk);
  try {
    for (let start = 0; start < m; start += block) {
      throwIfInterrupted(`exact nearest neighbours, row ${start + 1}/${m}`);
      const size = Math.min(block, m - start);
      const { cand, count } = search.block(query, start, size);
      for (let r = 0; r < size; r++) {
        // Exact float64 distances of the candidates, then the k nearest (lower index on ties).
        const candIdx = cand.subarray(r * kk, r * kk + count);
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
    search.dispose();
  }
  return { indices, distances, rows: m, k };
}

/**
 * The candidate pass of {@link exactKnn}: for query rows [start, start + size), the `kk` data rows
 * with the smallest ‖x‖² − 2·q·x in float32 (‖q‖² is the same for the whole row), lower index
 * first on ties; `cand[r * kk + c]`, `count` per row.
 */
interface CandidateSearch {
  block(query: Matrix, start: number, size: number): { cand: Int32Array; count: number };
  dispose(): void;
}

/** Candidates on the TF.js backend: the products and the top-k stay on the device, only indices come back. */
function deviceCandidates(data: Matrix, kk: number): CandidateSearch {
  const tf = activeTf()!;
  const { rows: n, cols: d } = data;
  // A power-of-two scale (exact) keeps float32 products of very large or tiny rows finite and
  // normal; it scales every score of a row by the same factor, so the ranking is unchanged.
  const scale = float32SafeScale(data.data);
  const scaled = (m: Matrix, start: number, size: number): Float32Array => {
    const v = m.data.slice(start * d, (start + size) * d) as Float32Array;
    if (scale !== 1) for (let i = 0; i < v.length; i++) v[i] = v[i]! * scale;
    return v;
  };
  const x = tf.tensor2d(scaled(data, 0, n), [n, d], 'float32');
  const norms = tf.tidy(() => tf.sum(tf.square(x), 1).reshape([1, n]));
  return {
    block(query, start, size) {
      const idx = tf.tidy(() => {
        const q = tf.tensor2d(scaled(query, start, size), [size, d], 'float32');
        const score = tf.sub(tf.mul(tf.matMul(q, x, false, true), 2), norms); // −(‖x‖² − 2·q·x)
        return tf.topk(score, kk, true).indices;
      });
      const cand = idx.dataSync() as Int32Array;
      idx.dispose();
      return { cand, count: kk };
    },
    dispose() {
      x.dispose();
      norms.dispose();
    },
  };
}

/** Candidates in JS (no TF.js backend, or small data): the JS distance kernel's products, a sorted insertion list per row. */
function scanCandidates(data: Matrix, kk: number): CandidateSearch {
  const { rows: n, cols: d } = data;
  const dataNorms = rowSquaredNorms(data);
  const kernel = jsKernel(data, dataNorms);
  let centres = new Float64Array(0);
  let cand = new Int32Array(0);
  const candVal = new Float64Array(kk);
  return {
    block(query, start, size) {
      if (centres.length < size * d) centres = new Float64Array(size * d);
      if (cand.length < size * kk) cand = new Int32Array(size * kk);
      for (let i = 0; i < size * d; i++) centres[i] = query.data[start * d + i]!;
      const dots = kernel.dots(centres, size);
      let count = 0;
      for (let r = 0; r < size; r++) {
        count = 0;
        let worst = Infinity;
        const base = r * n;
        const o = r * kk;
        for (let i = 0; i < n; i++) {
          const v = dataNorms[i]! - 2 * dots[base + i]!;
          if (count === kk && v >= worst) continue;
          let pos = count < kk ? count++ : kk - 1;
          while (pos > 0 && candVal[pos - 1]! > v) {
            candVal[pos] = candVal[pos - 1]!;
            cand[o + pos] = cand[o + pos - 1]!;
            pos--;
          }
          candVal[pos] = v;
          cand[o + pos] = i;
          if (count === kk) worst = candVal[kk - 1]!;
        }
      }
      return { cand, count };
    },
    dispose() {
      kernel.dispose();
    },
  };
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
