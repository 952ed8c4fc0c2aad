/**
 * Initial centres for {@link KMeans}: greedy k-means++ as in scikit-learn (`_kmeans_plusplus`)
 * and uniform random distinct rows.
 * @module
 */
import type { Random } from '../util/random.js';
import { permutation } from '../util/random.js';
import { squaredDistances, type DistanceKernel } from '../linalg/index.js';

/**
 * Greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's local trials): the first
 * centre is a uniformly random row; each next centre is the best (lowest total potential) of
 * `2 + ⌊ln k⌋` rows sampled with probability proportional to their squared distance to the
 * nearest centre chosen so far.
 * @returns k × d centres, row-major, float64.
 */
export function kmeansPlusPlus(kernel: DistanceKernel, k: number, rng: Random): Float64Array {
  const { data, rows: n, cols: d } = kernel.x;
  const centres = new Float64Array(k * d);
  const setCentre = (c: number, row: number): void => {
    for (let j = 0; j < d; j++) centres[c * d + j] = data[row * d + j]!;
  };
  const nTrials = 2 + Math.floor(Math.log(k));
  const first = rng.int(n);
  setCentre(0, first);
  let closest = squaredDistances(kernel, centres.subarray(0, d), 1);
  closest[first] = 0;
  let pot = sum(closest);
  const cumsum = new Float64Array(n);
  const candIds = new Int32Array(nTrials);
  const candCentres = new Float64Array(nTrials * d);
  const candDist = new Float64Array(n * nTrials);
  for (let c = 1; c < k; c++) {
    let acc = 0;
    for (let i = 0; i < n; i++) { acc += closest[i]!; cumsum[i] = acc; }
    for (let t = 0; t < nTrials; t++) {
      const id = Math.min(searchSorted(cumsum, rng.next() * pot), n - 1);
      candIds[t] = id;
      for (let j = 0; j < d; j++) candCentres[t * d + j] = data[id * d + j]!;
    }
    squaredDistances(kernel, candCentres, nTrials, candDist);
    let best = 0;
    let bestPot = Infinity;
    for (let t = 0; t < nTrials; t++) {
      let p = 0;
      for (let i = 0; i < n; i++) {
        const v = candDist[t * n + i]!;
        const cv = closest[i]!;
        p += v < cv ? v : cv;
      }
      if (p < bestPot) { bestPot = p; best = t; }
    }
    const next = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const v = candDist[best * n + i]!;
      const cv = closest[i]!;
      next[i] = v < cv ? v : cv;
    }
    next[candIds[best]!] = 0;
    closest = next;
    pot = bestPot;
    setCentre(c, candIds[best]!);
  }
  return centres;
}

/** k distinct rows chosen uniformly at random (scikit-learn's `init='random'`). */
export function randomRows(kernel: DistanceKernel, k: number, rng: Random): Float64Array {
  const { data, rows: n, cols: d } = kernel.x;
  const perm = permutation(n, rng);
  const centres = new Float64Array(k * d);
  for (let c = 0; c < k; c++) {
    const r = perm[c]!;
    for (let j = 0; j < d; j++) centres[c * d + j] = data[r * d + j]!;
  }
  return centres;
}

/** First index i with cumsum[i] >= value (numpy's searchsorted, side 'left'); n if none. */
function searchSorted(cumsum: Float64Array, value: number): number {
  let lo = 0;
  let hi = cumsum.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cumsum[mid]! < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function sum(a: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i]!;
  return s;
}
