/**
 * Spectral initialisation of UMAP (umap-learn's `spectral_layout`): the eigenvectors of the
 * normalised graph Laplacian I − D^(−½) W D^(−½) with the smallest eigenvalues after the trivial
 * one, i.e. the largest of M = D^(−½) W D^(−½), found here by thick-restart Lanczos with full
 * reorthogonalisation (residual tolerance 1e-4, like umap-learn's `eigsh`; its loops are in
 * lanczos.ts, compiled or TypeScript, with the same result). A graph with several connected
 * components is laid out as umap-learn's `multi_component_layout` does: each component
 * spectrally, scaled to half the distance between component anchors, around anchors at ±eᵢ (or,
 * with more than 2·dim components, at the PCA coordinates of the components' mean input rows).
 * @module
 */
import type { SparseGraph } from './fuzzy.js';
import type { Random } from '../util/random.js';
import { centredGram, jacobiEigen, lanczosKernels, squaredDistance, type EngineOption } from '../linalg/index.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import type { Matrix } from '../util/matrix.js';

/** Connected components: a label per vertex (0-based, in order of first vertex) and their count. */
export function connectedComponents(g: SparseGraph): { labels: Int32Array; count: number } {
  const n = g.rows;
  const labels = new Int32Array(n).fill(-1);
  const stack = new Int32Array(n);
  let count = 0;
  for (let s = 0; s < n; s++) {
    if (labels[s] !== -1) continue;
    let top = 0;
    stack[top++] = s;
    labels[s] = count;
    while (top > 0) {
      const v = stack[--top]!;
      for (let e = g.indptr[v]!; e < g.indptr[v + 1]!; e++) {
        const u = g.indices[e]!;
        if (labels[u] === -1) { labels[u] = count; stack[top++] = u; }
      }
    }
    count++;
  }
  return { labels, count };
}

/** Options of {@link spectralEmbedding}. */
export interface SpectralOptions {
  /** Residual tolerance of the wanted Ritz pairs (umap-learn's `eigsh` uses 1e-4). */
  readonly tol?: number;
  readonly maxRestarts?: number;
  /** Which implementation runs the Lanczos loops (the same embedding either way): `'auto'` (default: the compiled kernel when built), `'native'` or `'js'`; `'tfjs'` is refused (no TF.js implementation). */
  readonly engine?: EngineOption;
}

/**
 * Eigenvectors 2..dim+1 (by decreasing eigenvalue) of M = D^(−½) W D^(−½) of a connected graph,
 * as an n × dim row-major Float64Array, or undefined when Lanczos did not converge.
 */
export function spectralEmbedding(g: SparseGraph, dim: number, rng: Random, options: SpectralOptions = {}): Float64Array | undefined {
  const { tol = 1e-4, maxRestarts = 300, engine = 'auto' } = options;
  const kernels = lanczosKernels(engine);
  const n = g.rows;
  const k = dim + 1;
  if (n <= k + 1) return undefined;
  const { indptr, indices, weights } = g;
  const invSqrtDeg = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let e = indptr[i]!; e < indptr[i + 1]!; e++) s += weights[e]!;
    invSqrtDeg[i] = s > 0 ? 1 / Math.sqrt(s) : 0;
  }
  // M's entries before the row factor, W_ij / √d_j: the product (W_ij · d_j^(−½)) · x_j of the
  // matvec, computed once (the row's d_i^(−½) multiplies the row's sum).
  const colScaled = new Float64Array(indices.length);
  for (let e = 0; e < indices.length; e++) colScaled[e] = weights[e]! * invSqrtDeg[indices[e]!]!;
  const m = Math.min(n, Math.max(2 * k + 1, 3 * k, 24));
  const keep = Math.min(m - 2, k + Math.max(2, Math.floor((m - k) / 2)));
  // The Lanczos basis (m vectors of n, flat) and the next one, built from Ritz vectors at a restart.
  let basis = new Float64Array(m * n);
  let next = new Float64Array(m * n);
  let rows = rowViews(basis, m, n);
  let nextRows = rowViews(next, m, n);
  const T = new Float64Array(m * m);
  const h = new Float64Array(m);
  const w = new Float64Array(n);
  const v0 = rows[0]!;
  for (let i = 0; i < n; i++) v0[i] = 1 + 0.1 * rng.normal();
  const norm0 = Math.sqrt(kernels.reorthogonalize(basis, n, 0, v0, h)); // against no vectors: ‖v0‖²
  for (let i = 0; i < n; i++) v0[i] = v0[i]! / norm0;
  let start = 0;
  for (let restart = 0; restart <= maxRestarts; restart++) {
    throwIfInterrupted(`UMAP's spectral initialisation, Lanczos restart ${restart + 1}/${maxRestarts + 1}`);
    let beta = 0;
    for (let j = start; j < m; j++) {
      kernels.csrScaledMatvec(indptr, indices, colScaled, invSqrtDeg, rows[j]!, w);
      // Full reorthogonalisation, twice; the projections are T's column j.
      h.fill(0, 0, j + 1);
      beta = Math.sqrt(kernels.reorthogonalize(basis, n, j + 1, w, h));
      for (let i = 0; i <= j; i++) { T[i * m + j] = h[i]!; T[j * m + i] = h[i]!; }
      if (j + 1 < m) {
        const v = rows[j + 1]!;
        if (beta < 1e-12) {
          // Invariant subspace: continue with a fresh random direction orthogonal to the basis
          // (h is free again: its projections are in T).
          for (let i = 0; i < n; i++) v[i] = rng.normal();
          const norm = Math.sqrt(kernels.reorthogonalize(basis, n, j + 1, v, h));
          for (let i = 0; i < n; i++) v[i] = v[i]! / norm;
          beta = 0;
        } else {
          for (let i = 0; i < n; i++) v[i] = w[i]! / beta;
        }
      }
    }
    // Ritz pairs, largest first; w holds the last step's residual.
    const { values, vectors: Y } = jacobiEigen(T, m);
    const order = Array.from({ length: m }, (_, i) => i).sort((p, q) => values[q]! - values[p]!);
    let converged = true;
    for (let c = 0; c < k; c++) {
      const res = beta * Math.abs(Y[(m - 1) * m + order[c]!]!);
      if (res > tol) { converged = false; break; }
    }
    if (converged) {
      kernels.ritzVectors(basis, n, m, Y, Int32Array.from(order.slice(1, k)), next);
      const out = new Float64Array(n * dim);
      for (let c = 0; c < dim; c++) {
        const u = nextRows[c]!;
        for (let i = 0; i < n; i++) out[i * dim + c] = u[i]!;
      }
      return out;
    }
    if (beta < 1e-12) return undefined;
    // Thick restart: keep the wanted Ritz vectors, continue from the normalised residual.
    kernels.ritzVectors(basis, n, m, Y, Int32Array.from(order.slice(0, keep)), next);
    [basis, next] = [next, basis];
    [rows, nextRows] = [nextRows, rows];
    T.fill(0);
    for (let c = 0; c < keep; c++) T[c * m + c] = values[order[c]!]!;
    const r = rows[keep]!;
    for (let i = 0; i < n; i++) r[i] = w[i]! / beta;
    start = keep;
  }
  return undefined;
}

/** Views of the m vectors of a flat basis. */
function rowViews(basis: Float64Array, m: number, n: number): Float64Array[] {
  return Array.from({ length: m }, (_, i) => basis.subarray(i * n, (i + 1) * n));
}

/**
 * The spectral initial layout (n × dim, row-major float64) of a fuzzy graph, handling several
 * connected components (see the module comment). Components too small for a spectral layout get
 * uniform random positions around their anchor. `data` gives the components' mean rows when
 * there are more than 2·dim components.
 */
export function spectralLayout(g: SparseGraph, dim: number, rng: Random, data?: Matrix): Float64Array {
  const n = g.rows;
  const { labels, count } = connectedComponents(g);
  if (count === 1) {
    const e = spectralEmbedding(g, dim, rng);
    if (e) return e;
    return randomLayout(n, dim, rng, 10);
  }
  const anchors = componentAnchors(labels, count, dim, data);
  const out = new Float64Array(n * dim);
  const members: number[][] = Array.from({ length: count }, () => []);
  for (let i = 0; i < n; i++) members[labels[i]!]!.push(i);
  for (let c = 0; c < count; c++) {
    // Half the distance to the nearest other anchor.
    let nearest = Infinity;
    for (let o = 0; o < count; o++) {
      if (o === c) continue;
      const s = squaredDistance(anchors, c * dim, anchors, o * dim, dim);
      if (s > 0) nearest = Math.min(nearest, Math.sqrt(s));
    }
    const range = Number.isFinite(nearest) ? nearest / 2 : 1;
    const idx = members[c]!;
    let local: Float64Array | undefined;
    if (idx.length >= 2 * dim && idx.length > dim + 1) {
      local = spectralEmbedding(subgraph(g, idx, labels, c), dim, rng);
      if (local) {
        let maxAbs = 0;
        for (let i = 0; i < local.length; i++) maxAbs = Math.max(maxAbs, Math.abs(local[i]!));
        const s = maxAbs > 0 ? range / maxAbs : 0;
        for (let i = 0; i < local.length; i++) local[i] = local[i]! * s;
      }
    }
    for (let r = 0; r < idx.length; r++) {
      const i = idx[r]!;
      for (let d = 0; d < dim; d++) {
        const v = local ? local[r * dim + d]! : (rng.next() * 2 - 1) * range;
        out[i * dim + d] = v + anchors[c * dim + d]!;
      }
    }
  }
  return out;
}

/** The component anchors: ±eᵢ for up to 2·dim components, else the PCA of their mean rows (scaled to max |x| = 1). */
function componentAnchors(labels: Int32Array, count: number, dim: number, data?: Matrix): Float64Array {
  const anchors = new Float64Array(count * dim);
  if (count <= 2 * dim || !data) {
    const half = Math.ceil(count / 2);
    for (let c = 0; c < count; c++) {
      const axis = c % half;
      if (axis < dim) anchors[c * dim + axis] = c < half ? 1 : -1;
      else anchors[c * dim + (axis % dim)] = (c < half ? 1 : -1) * (1 + Math.floor(axis / dim));
    }
    return anchors;
  }
  const d = data.cols;
  const means = new Float64Array(count * d);
  const sizes = new Float64Array(count);
  for (let i = 0; i < data.rows; i++) {
    const c = labels[i]!;
    sizes[c]!++;
    for (let j = 0; j < d; j++) means[c * d + j] += data.data[i * d + j]!;
  }
  for (let c = 0; c < count; c++) for (let j = 0; j < d; j++) means[c * d + j] /= sizes[c]!;
  // PCA of the means via the eigenvectors of their count × count Gram matrix (centred, on the floor).
  const { values, vectors } = jacobiEigen(centredGram(means, count, d), count);
  const order = Array.from({ length: count }, (_, i) => i).sort((p, q) => values[q]! - values[p]!);
  let maxAbs = 0;
  for (let c = 0; c < count; c++) for (let t = 0; t < dim && t < count; t++) {
    const v = vectors[c * count + order[t]!]! * Math.sqrt(Math.max(values[order[t]!]!, 0));
    anchors[c * dim + t] = v;
    maxAbs = Math.max(maxAbs, Math.abs(v));
  }
  if (maxAbs > 0) for (let i = 0; i < anchors.length; i++) anchors[i] = anchors[i]! / maxAbs;
  return anchors;
}

/** The subgraph induced by the vertices `idx` (all of component `c`). */
function subgraph(g: SparseGraph, idx: number[], labels: Int32Array, c: number): SparseGraph {
  const local = new Int32Array(g.rows).fill(-1);
  idx.forEach((v, r) => { local[v] = r; });
  const indptr = new Int32Array(idx.length + 1);
  const cols: number[] = [];
  const w: number[] = [];
  idx.forEach((v, r) => {
    for (let e = g.indptr[v]!; e < g.indptr[v + 1]!; e++) {
      const u = g.indices[e]!;
      if (labels[u] === c) { cols.push(local[u]!); w.push(g.weights[e]!); }
    }
    indptr[r + 1] = cols.length;
  });
  return { rows: idx.length, cols: idx.length, indptr, indices: Int32Array.from(cols), weights: Float32Array.from(w) };
}

/** Uniform random positions in [−scale, scale]^dim. */
export function randomLayout(n: number, dim: number, rng: Random, scale: number): Float64Array {
  const out = new Float64Array(n * dim);
  for (let i = 0; i < out.length; i++) out[i] = (rng.next() * 2 - 1) * scale;
  return out;
}
