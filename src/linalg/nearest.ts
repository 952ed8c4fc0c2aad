/**
 * Exact k nearest neighbours on the compute floor (UMAP's exact kNN, trustworthiness, kNN recall).
 *
 * A candidate pass ranks every data row for each query row by ‖x′‖² − 2·q′·x′ with data and
 * queries centred at the data's column mean ({@link DistanceKernel}; on the TF.js backend the
 * products and a top-k stay on the device, only indices come back), keeps `k + 4` candidates, then
 * recomputes their distances in float64 from the differences and keeps the k nearest: the
 * brute-force answer (ties broken by lower index) unless float32 rounding of the centred products
 * moves a point across four places of the ranking. Centred, that rounding is relative to the data's
 * spread, not to where it sits.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import { activeTf } from '../tf/backend.js';
import { centring, squaredDistance } from './center.js';
import { distanceKernel, type DistanceKernel } from './distances.js';
import { resolveEngine, type EngineOption } from './engine.js';

/** Options of {@link exactNeighbours}. */
export interface ExactNeighboursOptions {
  /**
   * `selfRows[r]`: the data row that query row r is (it is then listed first, at distance 0, even
   * among duplicates). Implied when `query` is `data`.
   */
  selfRows?: Int32Array;
  /** `'auto'` (default: one size rule, see {@link resolveEngine}), `'js'` or `'tfjs'`; `'native'` is refused (no compiled kernel). */
  engine?: EngineOption;
  /** Name of the query matrix in error messages (default `'query'`). */
  queryName?: string;
  /** Called after each block of query rows with (rows done, rows total). */
  onBlock?: (done: number, total: number) => void;
}

/** Neighbour lists: `indices[i * k + j]` and their Euclidean distances, nearest first. */
export interface Neighbours {
  readonly indices: Int32Array;
  readonly distances: Float32Array;
  /** The engine that ran the candidate pass. */
  readonly engine: 'js' | 'tfjs';
}

/** Extra candidates kept by the float32 pass before the float64 re-ranking. */
const EXTRA = 4;
/** Largest number of product values (query rows × data rows) held at once (64 MB of float32). */
const BLOCK_VALUES = 1 << 24;
/**
 * A query row farther than this many data radii from the data's mean has the same float32
 * distance (the precision of the neighbour lists) to every data row: it has no nearest neighbours.
 */
const MAX_QUERY_RADII = 2 ** 24;

/**
 * Exact k nearest neighbours of every row of `query` among the rows of `data` (Euclidean).
 * When `query` is `data` (the same object), each row's first neighbour is itself at distance 0.
 * @throws RangeError when k > data rows, the column counts differ, or a query row lies so far
 *   from the data (more than 2²⁴ times the data's radius from its mean) that its distances to all
 *   data rows are equal in float32 (e.g. a row at 1e25 among data of spread 10).
 * @throws Error when the engine asked for cannot run here (see {@link resolveEngine}).
 * @example const nb = exactNeighbours(X, X, 15); nb.indices[0] === 0 // a row is its own nearest neighbour
 */
export function exactNeighbours(data: Matrix, query: Matrix, k: number, options: ExactNeighboursOptions = {}): Neighbours {
  const { onBlock, queryName = 'query' } = options;
  const n = data.rows;
  const d = data.cols;
  if (query.cols !== d) throw new RangeError(`${queryName} has ${query.cols} columns but the data has ${d}; pass rows with the same features.`);
  if (k > n) throw new RangeError(`k = ${k} neighbours requested but the data has only ${n} rows; use k <= ${n}.`);
  const selfRows = options.selfRows ?? (query === data ? null : undefined);
  const m = query.rows;
  const kk = Math.min(n, k + EXTRA);
  const cen = centring(data);
  if (query !== data) checkQueryRange(query, cen.mean, cen.radius, queryName);
  const engine = resolveEngine(options.engine ?? 'auto', { work: m * n * d, supports: ['js', 'tfjs'], what: 'exact nearest neighbours' }) as 'js' | 'tfjs';
  const search = engine === 'tfjs' ? deviceCandidates(data, kk, cen.mean, cen.scale, cen.rowNorms) : scanCandidates(distanceKernel(data, { engine: 'js', centring: cen }), kk);
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
        const selfIndex = selfRows === null ? start + r : selfRows === undefined ? -1 : selfRows[start + r]!;
        for (let c = 0; c < count; c++) {
          const s = squaredDistance(query.data, qo, data.data, candIdx[c]! * d, d);
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
  return { indices, distances, engine };
}

/** See {@link MAX_QUERY_RADII}. */
function checkQueryRange(query: Matrix, mean: Float64Array, radius: number, name: string): void {
  if (!(radius > 0)) return; // identical data rows: every distance ties, legitimately
  const d = query.cols;
  const limit = MAX_QUERY_RADII * radius;
  for (let i = 0; i < query.rows; i++) {
    const r = Math.sqrt(squaredDistance(query.data, i * d, mean, 0, d));
    if (!(r <= limit)) {
      throw new RangeError(
        `${name} row ${i} lies ${r.toPrecision(3)} from the data's mean, more than 2^24 times the data's radius (${radius.toPrecision(3)}): ` +
          'its distances to every data row are equal in float32, so it has no nearest neighbours. Check that row (a unit or scaling mistake?) or remove it.',
      );
    }
  }
}

/**
 * The candidate pass: for query rows [start, start + size), the `kk` data rows with the smallest
 * ‖x′‖² − 2·q′·x′, lower index first on ties; `cand[r * kk + c]`, `count` per row.
 */
interface CandidateSearch {
  block(query: Matrix, start: number, size: number): { cand: Int32Array; count: number };
  dispose(): void;
}

/** Candidates on the TF.js backend: products and top-k stay on the device, only indices come back. */
function deviceCandidates(data: Matrix, kk: number, mean: Float64Array, scale: number, rowNorms: Float64Array): CandidateSearch {
  const tf = activeTf()!;
  const { rows: n, cols: d } = data;
  // Centred at the data's mean, and scaled by a power of two (exact) where values would leave
  // float32's safe range: the scale multiplies every score of a row alike, so the ranking holds.
  const centred = (m: Matrix, start: number, size: number): Float32Array => {
    const v = new Float32Array(size * d);
    for (let i = 0; i < size; i++) {
      const o = (start + i) * d;
      for (let j = 0; j < d; j++) v[i * d + j] = (m.data[o + j]! - mean[j]!) * scale;
    }
    return v;
  };
  const x = tf.tensor2d(centred(data, 0, n), [n, d], 'float32');
  const norms = tf.tensor2d(Float32Array.from(rowNorms, (v) => v * scale * scale), [1, n], 'float32');
  return {
    block(query, start, size) {
      const idx = tf.tidy(() => {
        const q = tf.tensor2d(centred(query, start, size), [size, d], 'float32');
        const score = tf.sub(tf.mul(tf.matMul(q, x, false, true), 2), norms); // −(‖x′‖² − 2·q′·x′)
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

/** Candidates in float64 JS: the kernel's centred products, a sorted insertion list per row. */
function scanCandidates(kernel: DistanceKernel, kk: number): CandidateSearch {
  const { rows: n, cols: d } = kernel.x;
  const dataNorms = kernel.rowNorms;
  let points = new Float64Array(0);
  let cand = new Int32Array(0);
  const candVal = new Float64Array(kk);
  return {
    block(query, start, size) {
      if (points.length < size * d) points = new Float64Array(size * d);
      if (cand.length < size * kk) cand = new Int32Array(size * kk);
      for (let i = 0; i < size * d; i++) points[i] = query.data[start * d + i]!;
      const dots = kernel.dots(points, size);
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
