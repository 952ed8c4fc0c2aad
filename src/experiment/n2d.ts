import { GaussianMixture, type GaussianMixtureOptions } from '../cluster/gmm.js';
import { umapSweep } from '../manifold/sweep.js';
import type { UMAPOptions } from '../manifold/umap.js';
import { lineChart } from '../plots/line.js';
import type { Figure } from '../plots/figure.js';
import type { Matrix } from '../util/matrix.js';
import { evaluateClustering } from './evaluation.js';
import { umapEmbedding, type ClusterStep } from './experiment.js';
import type { AutoencoderCodes } from './pipeline.js';

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

/**
 * A way to cluster N2D's codes past the paper (issue 19), each a labelled variant with its cost;
 * none looks at the labels. See {@link N2D_CLUSTERING_VARIANTS}.
 */
export interface N2dClusteringVariant {
  /** Short id: `paper`, `gmm-10-starts`, `consensus-5`. */
  readonly name: string;
  /** What it does, for tables. */
  readonly title: string;
  /** What it costs against the paper's one UMAP + one GMM per seed. */
  readonly cost: string;
  /** GMM starts per seed (the best lower bound is kept); absent: the protocol's. */
  readonly gmmStarts?: number;
  /** Runs voting for each seed's labels (`voteConsensus`); absent: one run. */
  readonly consensusMembers?: number;
}

/**
 * The clustering variants tried on N2D's codes: the paper's UMAP + GMM, the GMM with 10 starts
 * (scikit-learn's `n_init`, best likelihood), and a consensus of 5 UMAP + GMM runs per seed.
 */
export const N2D_CLUSTERING_VARIANTS: readonly N2dClusteringVariant[] = Object.freeze([
  { name: 'paper', title: 'UMAP + GMM, one run per seed (the paper)', cost: '1 UMAP + 1 GMM fit per seed' },
  { name: 'gmm-10-starts', title: 'GMM with 10 starts, the highest likelihood kept', cost: '1 UMAP + 10 GMM fits per seed', gmmStarts: 10 },
  { name: 'consensus-5', title: 'consensus of 5 UMAP + GMM runs (relabelled to the run agreeing most with the others, majority vote)', cost: '5 UMAP + 5 GMM fits per seed', consensusMembers: 5 },
]);

/** The UMAP, GMM and seeds of N2D's clustering (an `N2dPaperProtocol` has them). */
export interface N2dClusteringSettings {
  /** N2D's UMAP: `{ nComponents: 10, nNeighbors: 20, minDist: 0 }`. */
  readonly umap: Omit<UMAPOptions, 'seed'>;
  /** The GMM's options (its seed is each run's). */
  readonly gmm: GaussianMixtureOptions;
  /** Clusterer seeds: UMAP and the GMM are refitted per seed. */
  readonly seeds: readonly number[];
}

/**
 * N2D's clustering of `codes` as a step for `Experiment.cluster`: UMAP + GMM refitted per seed, on
 * and scored against all the images (`images: 'all'`, the paper's) or the test images only
 * (`'test'`), changed by `variant` (default: the paper's).
 * @example exp.cluster(n2dClusteringStep(codes, config.paperProtocol, { images: 'test', variant: fc.N2D_CLUSTERING_VARIANTS[2] }))
 */
export function n2dClusteringStep(
  codes: AutoencoderCodes, settings: N2dClusteringSettings,
  options: { images?: 'all' | 'test'; variant?: N2dClusteringVariant; extraSettings?: Readonly<Record<string, string | number | boolean>> } = {},
): ClusterStep<GaussianMixture> {
  const v = options.variant;
  const gmm = v?.gmmStarts === undefined ? settings.gmm : { ...settings.gmm, nInit: v.gmmStarts };
  return {
    pipeline: 'n2d', intent: 'improved', protocol: options.images ?? 'all', codes, seeds: settings.seeds,
    preprocessing: umapEmbedding(settings.umap),
    ...(options.extraSettings ? { extraSettings: options.extraSettings } : {}),
    ...(v?.consensusMembers === undefined ? {} : { consensus: { members: v.consensusMembers } }),
    make: (seed) => new GaussianMixture({ ...gmm, seed }),
  };
}
