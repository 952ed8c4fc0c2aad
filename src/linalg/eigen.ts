/**
 * Dense symmetric eigenproblems of the compute floor: the top eigenpairs of a covariance (PCA,
 * UMAP's PCA start) by subspace iteration, and small complete ones by cyclic Jacobi (Rayleigh–Ritz
 * inside the iterations here and in the Lanczos solver of UMAP's spectral start).
 * @module
 */
import { createRandom } from '../util/random.js';

/** What {@link topEigen} returns. */
export interface TopEigen {
  /** k unit eigenvectors (length d each), by decreasing eigenvalue. */
  readonly vectors: Float64Array[];
  /** The k largest eigenvalues, decreasing. */
  readonly values: number[];
  /** Subspace iterations used. */
  readonly nIter: number;
  /** Whether every kept residual ‖C v − λ v‖ fell below tol × |λ₁| within maxIter. */
  readonly converged: boolean;
}

/**
 * Top `k` eigenpairs of a symmetric d × d matrix (row-major, float64) by subspace iteration (block
 * of min(d, k + 4) vectors) with Rayleigh–Ritz; deterministic start. Stops when every kept
 * residual ‖C v − λ v‖ < tol × |λ₁| (default 1e-10), or after maxIter iterations (default 2000)
 * with `converged: false`.
 * @example topEigen(Float64Array.of(2, 0, 0, 1), 2, 1).values // [2]
 */
export function topEigen(C: Float64Array, d: number, k: number, tol = 1e-10, maxIter = 2000): TopEigen {
  const b = Math.min(d, k + 4);
  const rng = createRandom(20240229);
  let V: Float64Array[] = Array.from({ length: b }, () => Float64Array.from({ length: d }, () => rng.normal()));
  orthonormalize(V, d);
  const W: Float64Array[] = Array.from({ length: b }, () => new Float64Array(d));
  let values: number[] = new Array<number>(b).fill(0);
  let iter = 0;
  let converged = false;
  for (iter = 1; iter <= maxIter; iter++) {
    for (let c = 0; c < b; c++) symMatVec(C, d, V[c]!, W[c]!);
    // Rayleigh–Ritz: T = Vᵀ C V, rotate V (and W = C V) by T's eigenvectors, descending.
    const T = new Float64Array(b * b);
    for (let p = 0; p < b; p++) for (let q = p; q < b; q++) {
      const t = dot(V[p]!, W[q]!, d);
      T[p * b + q] = t;
      T[q * b + p] = t;
    }
    const { values: tv, vectors: Q } = jacobiEigen(T, b);
    const order = Array.from({ length: b }, (_, i) => i).sort((a1, a2) => tv[a2]! - tv[a1]!);
    const Vr = order.map((o) => combine(V, Q, o, b, d));
    const Wr = order.map((o) => combine(W, Q, o, b, d));
    values = order.map((o) => tv[o]!);
    // Residuals of the top k Ritz pairs.
    const scale = Math.max(Math.abs(values[0]!), 1e-300);
    let maxRes = 0;
    for (let c = 0; c < k; c++) {
      let r = 0;
      for (let j = 0; j < d; j++) { const e = Wr[c]![j]! - values[c]! * Vr[c]![j]!; r += e * e; }
      maxRes = Math.max(maxRes, Math.sqrt(r) / scale);
    }
    if (maxRes < tol || values[0] === 0) { V = Vr; converged = true; break; }
    V = Wr; // next power step
    orthonormalize(V, d);
    if (iter === maxIter) V = Vr;
  }
  return { vectors: V.slice(0, k), values: values.slice(0, k), nIter: Math.min(iter, maxIter), converged };
}

function dot(a: Float64Array, b: Float64Array, d: number): number {
  let s = 0;
  for (let j = 0; j < d; j++) s += a[j]! * b[j]!;
  return s;
}

function symMatVec(C: Float64Array, d: number, v: Float64Array, out: Float64Array): void {
  for (let i = 0; i < d; i++) {
    let s = 0;
    const o = i * d;
    for (let j = 0; j < d; j++) s += C[o + j]! * v[j]!;
    out[i] = s;
  }
}

/** Σ_p Q[p, col] · V[p] */
function combine(V: Float64Array[], Q: Float64Array, col: number, b: number, d: number): Float64Array {
  const out = new Float64Array(d);
  for (let p = 0; p < b; p++) {
    const q = Q[p * b + col]!;
    if (q === 0) continue;
    const v = V[p]!;
    for (let j = 0; j < d; j++) out[j] += q * v[j]!;
  }
  return out;
}

/** Modified Gram–Schmidt in place; a vector that vanishes is replaced by a fresh basis vector. */
function orthonormalize(V: Float64Array[], d: number): void {
  let nextBasis = 0;
  for (let c = 0; c < V.length; c++) {
    let v = V[c]!;
    for (let attempt = 0; attempt <= d; attempt++) {
      const before = Math.sqrt(dot(v, v, d));
      for (let p = 0; p < c; p++) {
        const u = V[p]!;
        const s = dot(u, v, d);
        for (let j = 0; j < d; j++) v[j] -= s * u[j]!;
      }
      const norm = Math.sqrt(dot(v, v, d));
      if (norm > 1e-10 * Math.max(before, 1e-300) && norm > 1e-300) {
        for (let j = 0; j < d; j++) v[j]! /= norm;
        break;
      }
      v = new Float64Array(d);
      v[nextBasis++ % d] = 1;
      V[c] = v;
    }
  }
}

/**
 * Eigen-decomposition of a small symmetric n × n matrix (cyclic Jacobi, at most 100 sweeps).
 * Columns of `vectors` are eigenvectors; values in no particular order.
 * @example jacobiEigen(Float64Array.of(2, 1, 1, 2), 2).values // [1, 3] (some order)
 */
export function jacobiEigen(A0: Float64Array, n: number): { values: Float64Array; vectors: Float64Array } {
  const A = Float64Array.from(A0);
  const Vm = new Float64Array(n * n);
  for (let i = 0; i < n; i++) Vm[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0, diag = 0;
    for (let p = 0; p < n; p++) for (let q = 0; q < n; q++) {
      if (p === q) diag += A[p * n + p]! ** 2; else off += A[p * n + q]! ** 2;
    }
    if (off <= 1e-30 * diag || off === 0) break;
    for (let p = 0; p < n - 1; p++) for (let q = p + 1; q < n; q++) {
      const apq = A[p * n + q]!;
      if (apq === 0) continue;
      const app = A[p * n + p]!, aqq = A[q * n + q]!;
      const theta = (aqq - app) / (2 * apq);
      const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
      const c = 1 / Math.sqrt(t * t + 1), s = t * c;
      for (let r = 0; r < n; r++) {
        const arp = A[r * n + p]!, arq = A[r * n + q]!;
        A[r * n + p] = c * arp - s * arq;
        A[r * n + q] = s * arp + c * arq;
      }
      for (let r = 0; r < n; r++) {
        const apr = A[p * n + r]!, aqr = A[q * n + r]!;
        A[p * n + r] = c * apr - s * aqr;
        A[q * n + r] = s * apr + c * aqr;
      }
      for (let r = 0; r < n; r++) {
        const vrp = Vm[r * n + p]!, vrq = Vm[r * n + q]!;
        Vm[r * n + p] = c * vrp - s * vrq;
        Vm[r * n + q] = s * vrp + c * vrq;
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = A[i * n + i]!;
  return { values, vectors: Vm };
}
