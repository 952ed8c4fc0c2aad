/**
 * The low-dimensional membership curve of UMAP, 1 / (1 + a·d^(2b)), fitted to the offset
 * exponential that `minDist` and `spread` define (umap-learn's `find_ab_params`: 300 points on
 * [0, 3·spread], least squares from a = b = 1). Solved here by Levenberg–Marquardt with the
 * analytic Jacobian, in float64.
 * @module
 */

/**
 * The a, b of the membership curve for the given `spread` and `minDist`.
 * @throws RangeError when spread ≤ 0 or minDist < 0.
 * @example findAbParams(1, 0.1) // ≈ { a: 1.577, b: 0.895 }
 */
export function findAbParams(spread: number, minDist: number): { a: number; b: number } {
  if (!(spread > 0) || !Number.isFinite(spread)) throw new RangeError(`spread must be a finite number > 0, got ${spread}.`);
  if (!(minDist >= 0) || !Number.isFinite(minDist)) throw new RangeError(`minDist must be a finite number >= 0, got ${minDist}.`);
  const m = 300;
  const xs = new Float64Array(m);
  const ys = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    const x = (spread * 3 * i) / (m - 1);
    xs[i] = x;
    ys[i] = x < minDist ? 1 : Math.exp(-(x - minDist) / spread);
  }
  const residual = (a: number, b: number): number => {
    let s = 0;
    for (let i = 0; i < m; i++) {
      const x = xs[i]!;
      const f = 1 / (1 + a * (x > 0 ? Math.pow(x, 2 * b) : 0));
      s += (f - ys[i]!) ** 2;
    }
    return s;
  };
  let a = 1;
  let b = 1;
  let lambda = 1e-3;
  let cost = residual(a, b);
  for (let iter = 0; iter < 500; iter++) {
    // Normal equations JᵀJ δ = −Jᵀr, damped on the diagonal (Marquardt scaling).
    let jaa = 0, jab = 0, jbb = 0, ga = 0, gb = 0;
    for (let i = 0; i < m; i++) {
      const x = xs[i]!;
      if (x === 0) { continue; } // f(0) = 1 whatever a, b: zero derivatives, r = 1 − y = 0
      const p = Math.pow(x, 2 * b);
      const den = 1 + a * p;
      const f = 1 / den;
      const r = f - ys[i]!;
      const da = -p / (den * den);
      const db = (-a * p * 2 * Math.log(x)) / (den * den);
      jaa += da * da; jab += da * db; jbb += db * db;
      ga += da * r; gb += db * r;
    }
    let improved = false;
    for (let tries = 0; tries < 50 && !improved; tries++) {
      const A = jaa * (1 + lambda), B = jab, C = jbb * (1 + lambda);
      const det = A * C - B * B;
      const da = (-ga * C + gb * B) / det;
      const db = (-gb * A + ga * B) / det;
      const na = a + da, nb = b + db;
      const c = residual(na, nb);
      if (Number.isFinite(c) && c <= cost) {
        const rel = (cost - c) / Math.max(cost, 1e-300);
        a = na; b = nb; cost = c;
        lambda = Math.max(lambda / 10, 1e-12);
        improved = true;
        if (rel < 1e-15 && Math.abs(da) < 1e-12 * Math.abs(a) && Math.abs(db) < 1e-12 * Math.abs(b)) return { a, b };
      } else {
        lambda *= 10;
      }
    }
    if (!improved) break;
  }
  return { a, b };
}
