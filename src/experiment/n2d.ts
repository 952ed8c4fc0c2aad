import { GaussianMixture, type GaussianMixtureOptions } from '../cluster/gmm.js';
import { umapSweep } from '../manifold/sweep.js';
import type { UMAPOptions } from '../manifold/umap.js';
import { lineChart } from '../plots/line.js';
import type { Figure } from '../plots/figure.js';
import type { Matrix } from '../util/matrix.js';
import { evaluateClustering } from './evaluation.js';

/** One cell of an N2D sensitivity sweep: UMAP's neighbours and dimensions, the GMM's scores on that embedding. */
export interface N2dSweepCell {
  readonly nNeighbors: number;
  readonly nComponents: number;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  readonly seconds: number;
}

/**
 * N2D's sensitivity to UMAP's `nNeighbors` × `nComponents`: one UMAP embedding per grid cell (one
 * shared neighbour search), a GMM on each, scored against `labels`. One seed per cell: it shows
 * trends, not seed spreads.
 */
export function n2dSweep(
  codes: Matrix,
  labels: ArrayLike<number>,
  grid: { nNeighbors: readonly number[]; nComponents: readonly number[] },
  options: { umap?: Omit<UMAPOptions, 'nNeighbors' | 'nComponents'>; gmm?: GaussianMixtureOptions; onCell?: (index: number, total: number) => void } = {},
): N2dSweepCell[] {
  const cells = umapSweep(codes, grid, options.umap ?? {}, (cell) => options.onCell?.(cell.index, cell.total));
  return cells.map((c) => {
    const t0 = performance.now();
    const e = evaluateClustering(labels, new GaussianMixture(options.gmm ?? {}).fitPredict(c.embedding));
    return { nNeighbors: c.nNeighbors, nComponents: c.nComponents, nmi: e.nmi, ari: e.ari, acc: e.acc, seconds: c.seconds + (performance.now() - t0) / 1000 };
  });
}

/** NMI against UMAP's nNeighbors, one line per nComponents. */
export function n2dSweepFigure(cells: readonly N2dSweepCell[]): Figure {
  const dims = [...new Set(cells.map((c) => c.nComponents))].sort((a, b) => a - b);
  return lineChart({
    title: 'N2D sensitivity: test NMI against UMAP neighbours, per UMAP dimension (GMM full, seed 0)',
    series: dims.map((d) => {
      const mine = cells.filter((c) => c.nComponents === d).sort((a, b) => a.nNeighbors - b.nNeighbors);
      return { name: `${d}-d UMAP`, x: mine.map((c) => c.nNeighbors), y: mine.map((c) => c.nmi) };
    }),
    xTitle: 'UMAP nNeighbors',
    yTitle: 'NMI',
  });
}
