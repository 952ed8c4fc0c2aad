import type { Matrix } from '../util/matrix.js';
import { nearestNeighbors, UMAP, type UMAPOptions, type UMAPProgress } from './umap.js';

/** One cell of a {@link umapSweep}. */
export interface UmapSweepResult {
  readonly nNeighbors: number;
  readonly nComponents: number;
  readonly embedding: Matrix;
  /** Seconds of this fit (the shared neighbour search excluded). */
  readonly seconds: number;
}

/**
 * UMAP embeddings of X over a grid of `nNeighbors` × `nComponents` (for a sensitivity study):
 * one exact neighbour search with the largest nNeighbors serves every fit. Other options from
 * `base` (seed, minDist, ...). Results in grid order (nNeighbors outer).
 * @throws RangeError for an empty grid or invalid options (see {@link UMAP.fit}).
 * @example
 * const cells = umapSweep(codes, { nNeighbors: [10, 20, 40], nComponents: [2, 10] }, { minDist: 0, seed: 0 });
 */
export function umapSweep(
  X: Matrix,
  grid: { nNeighbors: readonly number[]; nComponents: readonly number[] },
  base: Omit<UMAPOptions, 'nNeighbors' | 'nComponents'> = {},
  onFit?: (cell: { nNeighbors: number; nComponents: number; index: number; total: number }, p?: UMAPProgress) => void,
): UmapSweepResult[] {
  if (grid.nNeighbors.length === 0 || grid.nComponents.length === 0) {
    throw new RangeError('umapSweep: grid.nNeighbors and grid.nComponents must each list at least one value.');
  }
  const kMax = Math.max(...grid.nNeighbors);
  const knn = nearestNeighbors(X, Math.min(kMax, X.rows), { metric: base.metric });
  const out: UmapSweepResult[] = [];
  const total = grid.nNeighbors.length * grid.nComponents.length;
  for (const nNeighbors of grid.nNeighbors) {
    for (const nComponents of grid.nComponents) {
      const cell = { nNeighbors, nComponents, index: out.length, total };
      onFit?.(cell);
      const t0 = performance.now();
      const embedding = new UMAP({ ...base, nNeighbors, nComponents }).fitTransform(X, { knn });
      out.push({ nNeighbors, nComponents, embedding, seconds: (performance.now() - t0) / 1000 });
    }
  }
  return out;
}
