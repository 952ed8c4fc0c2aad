/**
 * How well an embedding keeps the neighbourhoods of the data: trustworthiness (Venna & Kaski
 * 2001, scikit-learn's `sklearn.manifold.trustworthiness`) and kNN recall.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { takeRows } from '../util/matrix.js';
import { createRandom, permutation } from '../util/random.js';
import { distanceKernel, type EngineOption } from '../linalg/index.js';
import { exactKnn } from './knn.js';

/** Options of {@link trustworthiness} and {@link knnRecall}. */
export interface NeighbourhoodScoreOptions {
  /**
   * Score only this many rows, drawn without replacement by `seed` (the neighbours are still
   * searched among all rows): an unbiased estimate at O(sample · n) cost. Default: every row.
   */
  sample?: number;
  /** Seed of the sample (default 0). */
  seed?: number;
  /** Where the distance products run: `'auto'` (default), `'js'` or `'tfjs'` (`'native'` is refused); the data is centred first on every engine. */
  engine?: EngineOption;
}

function sampleRows(n: number, options: NeighbourhoodScoreOptions): Int32Array {
  const m = options.sample === undefined ? n : Math.min(n, options.sample);
  if (m === n) return Int32Array.from({ length: n }, (_, i) => i);
  return permutation(n, createRandom(options.seed ?? 0)).slice(0, m).sort();
}

/** The k nearest neighbours (self excluded) of the listed rows of E, row-major rows.length × k. */
function embeddedNeighbours(E: Matrix, rows: Int32Array, k: number, engine: EngineOption = 'auto'): Int32Array {
  const g = exactKnn(E, takeRows(E, rows), k + 1, { selfRows: rows, engine });
  const out = new Int32Array(rows.length * k);
  for (let r = 0; r < rows.length; r++) out.set(g.indices.subarray(r * (k + 1) + 1, (r + 1) * (k + 1)), r * k);
  return out;
}

/**
 * Trustworthiness of embedding E of data X for k neighbours, as scikit-learn computes it:
 * 1 − 2/(n·k·(2n − 3k − 1)) · Σᵢ Σ_{j ∈ kNN_E(i)} max(0, r(i, j) − k), with r(i, j) the rank of j
 * among i's neighbours in X (1 = nearest). 1 is perfect. Distances in X come from the floor's
 * centred products (float32 on the TF.js engine: ties within its rounding may rank differently
 * than float64).
 * @throws RangeError when the row counts differ or k ≥ n / 2.
 * @example trustworthiness(codes, umap.embedding, 10) // ≈ 0.98
 */
export function trustworthiness(X: Matrix, E: Matrix, k = 5, options: NeighbourhoodScoreOptions = {}): number {
  const n = X.rows;
  if (E.rows !== n) throw new RangeError(`X has ${n} rows but the embedding has ${E.rows}; pass the embedding of X.`);
  if (!(k >= 1 && k < n / 2)) throw new RangeError(`k must be in 1..${Math.ceil(n / 2) - 1} (less than n / 2), got ${k}.`);
  const rows = sampleRows(n, options);
  const nbE = embeddedNeighbours(E, rows, k, options.engine);
  const d = X.cols;
  const block = Math.max(16, Math.min(1024, Math.floor((1 << 24) / n)));
  const kernel = distanceKernel(X, { engine: options.engine ?? 'auto', pointsPerPass: block, what: 'trustworthiness' });
  const norms = kernel.rowNorms;
  const q = new Float64Array(block * d);
  let total = 0;
  try {
    for (let s = 0; s < rows.length; s += block) {
      const size = Math.min(block, rows.length - s);
      for (let r = 0; r < size; r++) {
        const o = rows[s + r]! * d;
        for (let j = 0; j < d; j++) q[r * d + j] = X.data[o + j]!;
      }
      const dots = kernel.dots(q, size);
      for (let r = 0; r < size; r++) {
        const i = rows[s + r]!;
        const base = r * n;
        for (let t = 0; t < k; t++) {
          const j = nbE[(s + r) * k + t]!;
          const dj = norms[j]! - 2 * dots[base + j]!;
          // rank = 1 + #{l ≠ i, j : d(i, l) < d(i, j)} (ties broken by index, like a stable sort)
          let rank = 1;
          for (let l = 0; l < n; l++) {
            if (l === i || l === j) continue;
            const dl = norms[l]! - 2 * dots[base + l]!;
            if (dl < dj || (dl === dj && l < j)) rank++;
          }
          if (rank > k) total += rank - k;
        }
      }
    }
  } finally {
    kernel.dispose();
  }
  const m = rows.length;
  return 1 - (2 / (m * k * (2 * n - 3 * k - 1))) * total;
}

/**
 * Mean fraction of each row's k nearest neighbours in X (exact, self excluded) that are also
 * among its k nearest in E. 1 is perfect.
 * @throws RangeError when the row counts differ or k ≥ n.
 */
export function knnRecall(X: Matrix, E: Matrix, k = 10, options: NeighbourhoodScoreOptions = {}): number {
  const n = X.rows;
  if (E.rows !== n) throw new RangeError(`X has ${n} rows but the embedding has ${E.rows}; pass the embedding of X.`);
  if (!(k >= 1 && k < n)) throw new RangeError(`k must be in 1..${n - 1}, got ${k}.`);
  const rows = sampleRows(n, options);
  const nbX = embeddedNeighbours(X, rows, k, options.engine);
  const nbE = embeddedNeighbours(E, rows, k, options.engine);
  let hits = 0;
  for (let r = 0; r < rows.length; r++) {
    const set = new Set(nbX.subarray(r * k, (r + 1) * k));
    for (let t = 0; t < k; t++) if (set.has(nbE[r * k + t]!)) hits++;
  }
  return hits / (rows.length * k);
}
