import type { Matrix } from '../../src/util/matrix.js';
import { createRandom } from '../../src/util/random.js';

/**
 * `k` well-separated Gaussian blobs (n rows, d columns) multiplied by `magnitude`: the exact
 * clustering is known (labels), whatever the scale.
 */
export function blobs(n: number, d: number, k: number, magnitude: number, seed = 1): { x: Matrix; labels: Int32Array } {
  const rng = createRandom(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => (rng.next() * 2 - 1) * 10));
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = (centres[c]![j]! + (rng.next() - 0.5)) * magnitude;
  }
  return { x: { data, rows: n, cols: d }, labels };
}
