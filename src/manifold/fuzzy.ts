/**
 * The fuzzy simplicial set of UMAP (McInnes, Healy & Melville 2018, §3): per-point smooth kNN
 * distances (ρ, σ by binary search), directed membership strengths, and their fuzzy union
 * P + Pᵀ − P∘Pᵀ, following umap-learn 0.5's `smooth_knn_dist`, `compute_membership_strengths`
 * and `fuzzy_simplicial_set` (same constants and tolerances).
 * @module
 */
import type { KnnGraph } from './knn.js';

/** Tolerance of the binary search on the sum of memberships (umap-learn's SMOOTH_K_TOLERANCE). */
const SMOOTH_K_TOLERANCE = 1e-5;
/** σ is at least this fraction of the mean neighbour distance (umap-learn's MIN_K_DIST_SCALE). */
const MIN_K_DIST_SCALE = 1e-3;

/** ρ (distance to the `localConnectivity`-th non-zero neighbour) and σ of every row. */
export interface SmoothKnn {
  readonly sigmas: Float32Array;
  readonly rhos: Float32Array;
}

/**
 * For each row of a kNN graph, σ such that Σ_{j≥1} exp(−max(0, d_ij − ρ_i)/σ) = log₂(k)·bandwidth
 * (binary search, 64 steps at most), with ρ_i the distance to the `localConnectivity`-th non-zero
 * neighbour (interpolated for fractional values). The first neighbour of each row (itself, in a
 * graph of the data with itself) is skipped in the sum, as in umap-learn.
 * @example smoothKnnDist(graph).sigmas.length === graph.rows
 */
export function smoothKnnDist(g: KnnGraph, localConnectivity = 1, bandwidth = 1, nIter = 64): SmoothKnn {
  const { rows: n, k, distances } = g;
  const target = Math.log2(k) * bandwidth;
  const rhos = new Float32Array(n);
  const sigmas = new Float32Array(n);
  let total = 0;
  for (let i = 0; i < distances.length; i++) total += distances[i]!;
  const meanAll = total / distances.length;
  const nonZero = new Float64Array(k);
  for (let i = 0; i < n; i++) {
    const o = i * k;
    let nz = 0;
    let rowSum = 0;
    for (let j = 0; j < k; j++) {
      const v = distances[o + j]!;
      rowSum += v;
      if (v > 0) nonZero[nz++] = v;
    }
    let rho = 0;
    if (nz >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interpolation = localConnectivity - index;
      if (index > 0) {
        rho = nonZero[index - 1]!;
        if (interpolation > SMOOTH_K_TOLERANCE) rho += interpolation * (nonZero[index]! - nonZero[index - 1]!);
      } else {
        rho = interpolation * nonZero[0]!;
      }
    } else if (nz > 0) {
      rho = nonZero[nz - 1]!;
    }
    rho = Math.fround(rho);
    rhos[i] = rho;
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < nIter; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const dd = distances[o + j]! - rho;
        psum += dd > 0 ? Math.exp(-(dd / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    const floor = MIN_K_DIST_SCALE * (rho > 0 ? rowSum / k : meanAll);
    sigmas[i] = Math.max(mid, floor);
  }
  return { sigmas, rhos };
}

/**
 * A weighted graph in compressed sparse row form: the edges of row i are
 * `cols[indptr[i] .. indptr[i+1])` with `weights` alike, columns ascending.
 */
export interface SparseGraph {
  readonly rows: number;
  readonly cols: number;
  readonly indptr: Int32Array;
  readonly indices: Int32Array;
  readonly weights: Float32Array;
}

/**
 * Membership strength of each kNN edge: 0 for a row's edge to itself (unless `bipartite`, where
 * query and data are different sets), 1 within ρ, else exp(−(d − ρ)/σ).
 */
export function membershipStrengths(g: KnnGraph, s: SmoothKnn, bipartite = false): Float32Array {
  const { rows: n, k, indices, distances } = g;
  const vals = new Float32Array(n * k);
  for (let i = 0; i < n; i++) {
    const rho = s.rhos[i]!;
    const sigma = s.sigmas[i]!;
    for (let j = 0; j < k; j++) {
      const e = i * k + j;
      const idx = indices[e]!;
      if (idx < 0) continue;
      if (!bipartite && idx === i) vals[e] = 0;
      else if (distances[e]! - rho <= 0 || sigma === 0) vals[e] = 1;
      else vals[e] = Math.exp(-((distances[e]! - rho) / sigma));
    }
  }
  return vals;
}

/**
 * The fuzzy union W = P + Pᵀ − P∘Pᵀ of the directed membership graph P (n × n, row i holding the
 * memberships of i's neighbours), as a symmetric CSR graph without zero entries.
 */
export function fuzzyUnion(g: KnnGraph, vals: Float32Array): SparseGraph {
  const { rows: n, k, indices } = g;
  // Count the undirected entries per row: every non-zero directed edge i→j gives (i, j), and
  // (j, i) too unless j→i exists (then that edge gives it).
  const reverse = new Float32Array(n * k);
  const counts = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const e = i * k + a;
      if (vals[e] === 0) continue;
      const j = indices[e]!;
      let back = 0;
      const jo = j * k;
      for (let b = 0; b < k; b++) {
        if (indices[jo + b] === i) { back = vals[jo + b]!; break; }
      }
      reverse[e] = back;
      counts[i + 1]!++;
      if (back === 0) counts[j + 1]!++;
    }
  }
  for (let i = 0; i < n; i++) counts[i + 1]! += counts[i]!;
  const indptr = Int32Array.from(counts);
  const total = indptr[n]!;
  const cols = new Int32Array(total);
  const w = new Float32Array(total);
  const fill = indptr.slice(0, n);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < k; a++) {
      const e = i * k + a;
      const p = vals[e]!;
      if (p === 0) continue;
      const j = indices[e]!;
      const q = reverse[e]!;
      const u = Math.fround(p + q - p * q);
      let pos = fill[i]!++;
      cols[pos] = j; w[pos] = u;
      if (q === 0) {
        pos = fill[j]!++;
        cols[pos] = i; w[pos] = u;
      }
    }
  }
  sortRows(indptr, cols, w);
  return { rows: n, cols: n, indptr, indices: cols, weights: w };
}

/** Sorts each CSR row by column (insertion sort: rows are short). */
function sortRows(indptr: Int32Array, cols: Int32Array, w: Float32Array): void {
  for (let i = 0; i + 1 < indptr.length; i++) {
    const s = indptr[i]!, e = indptr[i + 1]!;
    for (let a = s + 1; a < e; a++) {
      const c = cols[a]!, v = w[a]!;
      let b = a - 1;
      while (b >= s && cols[b]! > c) { cols[b + 1] = cols[b]!; w[b + 1] = w[b]!; b--; }
      cols[b + 1] = c; w[b + 1] = v;
    }
  }
}

/**
 * The fuzzy simplicial set of data whose kNN graph (including each row itself) is `g`.
 * @example const graph = fuzzySimplicialSet(exactKnn(X, X, 15));
 */
export function fuzzySimplicialSet(g: KnnGraph, localConnectivity = 1): { graph: SparseGraph; sigmas: Float32Array; rhos: Float32Array } {
  const s = smoothKnnDist(g, localConnectivity);
  const vals = membershipStrengths(g, s);
  return { graph: fuzzyUnion(g, vals), sigmas: s.sigmas, rhos: s.rhos };
}
