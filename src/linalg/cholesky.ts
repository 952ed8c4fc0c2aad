/**
 * Small dense float64 linear algebra of the compute floor: Cholesky factorisations and triangular
 * inverses of d × d matrices stored row-major in Float64Arrays (the Gaussian mixture's covariances
 * and precisions). No general matrix inverse is ever formed: precisions are handled through their
 * Cholesky factors, as in scikit-learn's `_compute_precision_cholesky`.
 * @module
 */

/**
 * Lower Cholesky factor L of a symmetric matrix A (A = L·Lᵀ), reading A[offset ..
 * offset + d²). Only the lower triangle of A is read.
 * @returns L (row-major, zeros above the diagonal), or `undefined` when A is not positive
 *   definite (a pivot ≤ 0 or non-finite).
 * @example choleskyLower(new Float64Array([4, 2, 2, 3]), 2) // [2, 0, 1, √2]
 */
export function choleskyLower(a: ArrayLike<number>, d: number, offset = 0): Float64Array | undefined {
  const l = new Float64Array(d * d);
  for (let j = 0; j < d; j++) {
    const rj = j * d;
    let s = a[offset + rj + j]!;
    for (let p = 0; p < j; p++) s -= l[rj + p]! * l[rj + p]!;
    if (!(s > 0) || !Number.isFinite(s)) return undefined;
    const ljj = Math.sqrt(s);
    l[rj + j] = ljj;
    for (let i = j + 1; i < d; i++) {
      const ri = i * d;
      let t = a[offset + ri + j]!;
      for (let p = 0; p < j; p++) t -= l[ri + p]! * l[rj + p]!;
      l[ri + j] = t / ljj;
    }
  }
  return l;
}

/**
 * Inverse of a lower-triangular matrix (forward substitution against the identity, i.e.
 * `solve_triangular(L, I, lower=True)`); the result is lower triangular.
 * @example invertLower(new Float64Array([2, 0, 1, 1]), 2) // [0.5, 0, -0.5, 1]
 */
export function invertLower(l: Float64Array, d: number): Float64Array {
  const inv = new Float64Array(d * d);
  for (let c = 0; c < d; c++) {
    // Solve L·x = e_c; x is zero above row c.
    for (let i = c; i < d; i++) {
      let s = i === c ? 1 : 0;
      const ri = i * d;
      for (let p = c; p < i; p++) s -= l[ri + p]! * inv[p * d + c]!;
      inv[ri + c] = s / l[ri + i]!;
    }
  }
  return inv;
}

/** Transpose of a d × d matrix. @example transposeSquare(new Float64Array([1, 2, 3, 4]), 2) // [1, 3, 2, 4] */
export function transposeSquare(a: Float64Array, d: number): Float64Array {
  const t = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) t[j * d + i] = a[i * d + j]!;
  return t;
}

/**
 * Upper-triangular Cholesky factor of the precision Σ⁻¹ computed from the covariance Σ,
 * without inverting Σ: with Σ = L·Lᵀ, P = L⁻ᵀ is upper triangular and P·Pᵀ = Σ⁻¹
 * (scikit-learn's `_compute_precision_cholesky`).
 * @returns P, or `undefined` when Σ is not positive definite.
 * @example precisionCholeskyFromCovariance(new Float64Array([4, 0, 0, 1]), 2) // [0.5, 0, 0, 1]
 */
export function precisionCholeskyFromCovariance(cov: ArrayLike<number>, d: number, offset = 0): Float64Array | undefined {
  const l = choleskyLower(cov, d, offset);
  if (!l) return undefined;
  return transposeSquare(invertLower(l, d), d);
}

/**
 * Upper-triangular U with U·Uᵀ = A for a symmetric positive definite A (a "reversed"
 * Cholesky: the ordinary one of the index-reversed matrix, reversed back). Used to turn a
 * given precision matrix into the upper-triangular factor the E-step expects.
 * @returns U, or `undefined` when A is not positive definite.
 * @example choleskyUpperUUt(new Float64Array([2, 1, 1, 1]), 2) // [1, 1, 0, 1]: U·Uᵀ = A
 */
export function choleskyUpperUUt(a: ArrayLike<number>, d: number, offset = 0): Float64Array | undefined {
  const flipped = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) flipped[i * d + j] = a[offset + (d - 1 - i) * d + (d - 1 - j)]!;
  const l = choleskyLower(flipped, d);
  if (!l) return undefined;
  const u = new Float64Array(d * d);
  for (let i = 0; i < d; i++) for (let j = 0; j < d; j++) u[i * d + j] = l[(d - 1 - i) * d + (d - 1 - j)]!;
  return u;
}

/**
 * Covariance Σ = (P·Pᵀ)⁻¹ = P⁻ᵀ·P⁻¹ from an upper-triangular precision Cholesky factor P,
 * through the triangular inverse of P (no general inverse).
 * @example covarianceFromPrecisionCholesky(new Float64Array([0.5, 0, 0, 1]), 2) // [4, 0, 0, 1]
 */
export function covarianceFromPrecisionCholesky(p: Float64Array, d: number): Float64Array {
  // P upper ⇒ Pᵀ lower; (Pᵀ)⁻¹ = (P⁻¹)ᵀ is lower.
  const m = invertLower(transposeSquare(p, d), d); // M = P⁻ᵀ (lower)
  const cov = new Float64Array(d * d);
  // Σ = M·Mᵀ
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let q = 0; q <= j; q++) s += m[i * d + q]! * m[j * d + q]!;
      cov[i * d + j] = s;
      cov[j * d + i] = s;
    }
  }
  return cov;
}

/**
 * Sum of log of the diagonal of a d × d matrix (log-determinant of a triangular factor).
 * @example logDiagSum(new Float64Array([2, 0, 1, 3]), 2) // log 6
 */
export function logDiagSum(a: Float64Array, d: number): number {
  let s = 0;
  for (let i = 0; i < d; i++) s += Math.log(a[i * d + i]!);
  return s;
}
