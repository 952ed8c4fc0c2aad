/**
 * The hot loops of the Lanczos iteration behind UMAP's spectral initialisation
 * (src/manifold/spectral.ts): the product with the normalised adjacency matrix, the
 * reorthogonalisation of a new vector against the basis, and the Ritz vectors. The basis is one
 * flat Float64Array, vector i at [i·n, (i + 1)·n).
 *
 * native/src/lanczos.c is the compiled twin of these loops (engine `'native'`; these are `'js'`).
 * Both do every floating-point operation in the same order (sequential double sums, no fused
 * multiply–add), so the two engines give the same embedding bit for bit; {@link lanczosKernels}
 * picks one with the floor's engine vocabulary.
 * @module
 */
import { nativeKernels } from '../native/index.js';
import { resolveEngine, type EngineOption } from './engine.js';

/** The three loops, with the arguments of the compiled addon. */
export interface LanczosKernels {
  /**
   * y = diag(rowScale) · A · x for the CSR matrix A (indptr, indices, values); each row's sum runs
   * over its entries in order and is multiplied by rowScale[i] afterwards.
   */
  csrScaledMatvec(indptr: Int32Array, indices: Int32Array, values: Float64Array, rowScale: Float64Array, x: Float64Array, y: Float64Array): void;
  /**
   * Removes from w its components along basis vectors 0..count−1, twice over (Gram–Schmidt, each
   * projection taken from the w left by the previous one), adding every projection to h[i].
   * Returns ‖w‖² of the result.
   */
  reorthogonalize(basis: Float64Array, n: number, count: number, w: Float64Array, h: Float64Array): number;
  /**
   * out row c (length n) = Σ_i Y[i, cols[c]] · basis vector i over the m basis vectors, summed from
   * zero in order of i, skipping zero coefficients; Y is m × m row-major.
   */
  ritzVectors(basis: Float64Array, n: number, m: number, Y: Float64Array, cols: Int32Array, out: Float64Array): void;
}

/**
 * The compiled loops (`'native'`; `'auto'` when the addon is loaded) or their float64 TypeScript
 * twins (`'js'`).
 * @throws Error for `'native'` when the addon is not available, or `'tfjs'` (no such engine here).
 * @example lanczosKernels('js').engine // 'js'
 */
export function lanczosKernels(engine: EngineOption = 'auto'): LanczosKernels & { readonly engine: 'native' | 'js' } {
  const resolved = resolveEngine(engine, { work: 0, supports: ['js', 'native'], what: 'Lanczos' });
  const native = resolved === 'native' ? nativeKernels() : undefined;
  if (!native) return { engine: 'js', csrScaledMatvec, reorthogonalize, ritzVectors };
  return {
    engine: 'native',
    csrScaledMatvec: native.csrScaledMatvec,
    reorthogonalize: native.reorthogonalize,
    ritzVectors: native.ritzVectors,
  };
}

function csrScaledMatvec(indptr: Int32Array, indices: Int32Array, values: Float64Array, rowScale: Float64Array, x: Float64Array, y: Float64Array): void {
  const n = rowScale.length;
  for (let i = 0; i < n; i++) {
    let s = 0;
    const end = indptr[i + 1]!;
    for (let e = indptr[i]!; e < end; e++) s += values[e]! * x[indices[e]!]!;
    y[i] = s * rowScale[i]!;
  }
}

/**
 * Each subtraction of a projection is done in the same sweep over w as the next inner product
 * (the last one with ‖w‖²): half the passes over memory, the same operations per element.
 */
function reorthogonalize(basis: Float64Array, n: number, count: number, w: Float64Array, h: Float64Array): number {
  let prev = -1; // offset of the basis vector whose projection c is still to be subtracted
  let c = 0;
  for (let step = 0; step < 2 * count; step++) {
    const i = step % count;
    c = subtractThenDot(basis, prev, c, w, basis, i * n, n);
    h[i]! += c;
    prev = i * n;
  }
  return subtractThenDot(basis, prev, c, w, w, 0, n);
}

/**
 * w −= c · basis[prev..] (skipped while prev < 0), then Σ v[vo + e] · w[e] over the updated w, in
 * one sweep. With v = w (vo 0) the sum is ‖w‖²: v[e] is read after w[e] is written.
 */
function subtractThenDot(basis: Float64Array, prev: number, c: number, w: Float64Array, v: Float64Array, vo: number, n: number): number {
  let s = 0;
  if (prev < 0) {
    for (let e = 0; e < n; e++) s += v[vo + e]! * w[e]!;
    return s;
  }
  const alpha = -c;
  for (let e = 0; e < n; e++) {
    const we = w[e]! + alpha * basis[prev + e]!;
    w[e] = we;
    s += v[vo + e]! * we;
  }
  return s;
}

function ritzVectors(basis: Float64Array, n: number, m: number, Y: Float64Array, cols: Int32Array, out: Float64Array): void {
  for (let c = 0; c < cols.length; c++) {
    const col = cols[c]!;
    const oo = c * n;
    out.fill(0, oo, oo + n);
    for (let i = 0; i < m; i++) {
      const y = Y[i * m + col]!;
      if (y === 0) continue;
      const o = i * n;
      for (let e = 0; e < n; e++) out[oo + e] += y * basis[o + e]!;
    }
  }
}
