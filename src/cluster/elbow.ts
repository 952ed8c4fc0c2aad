import type { Matrix } from '../util/matrix.js';
import { toMatrix } from '../util/matrix.js';
import { checkInteger, checkMatrix } from '../util/validate.js';
import { KMeans, type KMeansOptions } from './kmeans.js';

/** Options of {@link elbow}: the range of k plus any {@link KMeans} option except `nClusters`/`init` centres. */
export interface ElbowOptions extends Omit<KMeansOptions, 'nClusters' | 'init'> {
  /** Smallest k (default 1). */
  kMin?: number;
  /** Largest k (default 10). */
  kMax?: number;
  /** `'kmeans++'` (default) or `'random'`. */
  init?: 'kmeans++' | 'random';
  /** Called after each k with its SSE (for progress bars). */
  onK?: (k: number, sse: number) => void;
}

/** SSE (K-Means inertia) for each k of the elbow plot. */
export interface ElbowResult {
  /** kMin..kMax. */
  k: number[];
  /** Inertia of the best of `nInit` runs for each k. */
  sse: number[];
}

/**
 * The elbow curve: fits {@link KMeans} for k = kMin..kMax and returns each fit's SSE (inertia).
 * @throws RangeError when kMin/kMax are not integers with 1 ≤ kMin ≤ kMax ≤ number of rows, or
 *   for any invalid K-Means option.
 * @example
 * const { k, sse } = elbow(X, { kMax: 10, nInit: 3, seed: 0 }); // k = [1..10]
 */
export function elbow(X: Matrix | ArrayLike<ArrayLike<number>>, options: ElbowOptions = {}): ElbowResult {
  const x = toMatrix(X, 'X');
  checkMatrix('X', x, { minRows: 1 });
  const { kMin = 1, kMax = 10, onK, ...kmeansOptions } = options;
  checkInteger('kMin', kMin, 1, Infinity);
  checkInteger('kMax', kMax, kMin, x.rows, `kMax must lie between kMin = ${kMin} and the number of rows (${x.rows}).`);
  const ks: number[] = [];
  const sse: number[] = [];
  for (let k = kMin; k <= kMax; k++) {
    const inertia = new KMeans({ ...kmeansOptions, nClusters: k }).fit(x).inertia;
    ks.push(k);
    sse.push(inertia);
    onK?.(k, inertia);
  }
  return { k: ks, sse };
}
