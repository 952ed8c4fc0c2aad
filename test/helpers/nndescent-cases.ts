/**
 * The NN-descent graphs pinned in test/fixtures/nndescent.json (written by
 * test/fixtures/make_nndescent_fixtures.ts): random non-integer Gaussian blobs in dimensions with
 * whole, partial and no full lane blocks of eight, and a digest of each graph's bits.
 */
import { createHash } from 'node:crypto';
import type { KnnGraph } from '../../src/manifold/knn.js';
import type { Matrix } from '../../src/util/matrix.js';
import { createRandom } from '../../src/util/random.js';

/** One pinned graph: `n` rows of `d` features (data seed `dataSeed`), `k` neighbours, NN-descent seed `seed`. */
export interface NndCase { readonly n: number; readonly d: number; readonly k: number; readonly seed: number; readonly dataSeed: number }

/** 32 = four full blocks, 13 = one full and a partial block, 5 = only a partial block, 130 = many blocks and two left over. */
export const NND_CASES: readonly NndCase[] = [
  { n: 2500, d: 32, k: 12, seed: 9, dataSeed: 4 },
  { n: 1200, d: 13, k: 12, seed: 9, dataSeed: 5 },
  { n: 800, d: 5, k: 10, seed: 3, dataSeed: 6 },
  { n: 600, d: 130, k: 15, seed: 1, dataSeed: 7 },
];

/** The data of a case: 6 blobs (centres ±10 per feature, unit spread), non-integer float32 values around 3. */
export function nndCaseData(c: NndCase): Matrix {
  const rng = createRandom(c.dataSeed);
  const centres = Array.from({ length: 6 }, () => Array.from({ length: c.d }, () => 3 + 10 * rng.normal()));
  const data = new Float32Array(c.n * c.d);
  for (let i = 0; i < c.n; i++) for (let j = 0; j < c.d; j++) data[i * c.d + j] = centres[i % 6]![j]! + rng.normal();
  return { data, rows: c.n, cols: c.d };
}

/** sha256 of a graph's indices and of its distances' float32 bits (hex). */
export function graphDigest(g: KnnGraph): { indices: string; distances: string } {
  const hex = (a: Int32Array | Float32Array): string => createHash('sha256').update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength)).digest('hex');
  return { indices: hex(g.indices), distances: hex(g.distances) };
}
