import { loadFashionMnist, stratifiedSubset } from '../../src/data/index.js';
import type { Matrix } from '../../src/util/matrix.js';

let cached: Promise<{ train: Matrix; val: Matrix }> | undefined;

/** A small stratified subset of the real data: 512 training and 256 validation images. */
export function smallData(): Promise<{ train: Matrix; val: Matrix }> {
  cached ??= (async () => {
    const { train, test } = await loadFashionMnist({ verify: false });
    return { train: stratifiedSubset(train, 512, 1).images, val: stratifiedSubset(test, 256, 2).images };
  })();
  return cached;
}

/** The first `n` rows of a matrix (a view). */
export function head(m: Matrix, n: number): Matrix {
  return { data: m.data.subarray(0, n * m.cols), rows: n, cols: m.cols };
}

/** Largest absolute difference of two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`lengths differ: ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}

/** Every weight of a model (e.g. an autoencoder's `autoencoder`), concatenated in layer order. */
export function weightsOf(ae: { autoencoder: { getWeights(): { dataSync(): ArrayLike<number> }[] } }): Float32Array {
  const parts = ae.autoencoder.getWeights().map((w) => w.dataSync() as Float32Array);
  const out = new Float32Array(parts.reduce((a, p) => a + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
