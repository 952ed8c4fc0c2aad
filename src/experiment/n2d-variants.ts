import type { GaussianMixture } from '../cluster/gmm.js';
import type { ProgressCallback } from '../models/progress.js';
import type { ClusterRun, Experiment } from './experiment.js';
import { N2D_CLUSTERING_VARIANTS, type N2dClusteringSettings, type N2dClusteringVariant } from './n2d.js';
import { N2D_DENSE_AUTOENCODER, type DenseAutoencoderTraining } from './n2d-autoencoder.js';
import {
  isN2dProtocolComplete, n2dProtocolCodes, n2dProtocolImages, n2dProtocolStatus, n2dProtocolStep, trainN2dProtocol,
  type N2dPaperProtocol, type N2dProtocolPiece, type PieceBudget,
} from './n2d-protocol.js';
import type { AutoencoderCodes, ExperimentData } from './pipeline.js';

/**
 * Past N2D's paper (issue 19): variants of its protocol aiming at a median NMI of 0.70, each
 * labelled with its cost and none using the labels. Clustering variants (`N2D_CLUSTERING_VARIANTS`,
 * in n2d.ts) change UMAP + GMM on the protocol's codes; training variants ({@link N2D_TRAINING_VARIANTS})
 * change its autoencoder and train in pieces like the protocol, once it is complete.
 */

/**
 * A change to the protocol's autoencoder training, past the paper (issue 19). It trains in pieces
 * exactly like the protocol (`trainN2dProtocol` on {@link n2dProtocolVariant}), under its own cache
 * key, and is clustered like it; see {@link N2D_TRAINING_VARIANTS}.
 */
export interface N2dTrainingVariant {
  /** Short id: `paper`, `shifts-2px`, `epochs-x2`. */
  readonly name: string;
  readonly title: string;
  /** What its training costs against the protocol's. */
  readonly cost: string;
  /** The variant's training from the protocol's. */
  apply(training: DenseAutoencoderTraining): DenseAutoencoderTraining;
}

/**
 * The protocol's training and its variants: shift augmentation (each training image moved by up to
 * 2 px in x and y, a new shift per image and epoch) and twice the epochs (2,000 at full scale: it
 * continues the protocol's own run, so it costs only the extra epochs). A wider autoencoder is not
 * among them: 4× the weights, ≈ 4× the protocol's hours on two cores.
 */
export const N2D_TRAINING_VARIANTS: readonly N2dTrainingVariant[] = Object.freeze([
  { name: 'paper', title: "the paper's pre-training", cost: "the protocol's", apply: (t: DenseAutoencoderTraining) => t },
  {
    name: 'shifts-2px', title: 'pre-trained on images shifted by up to 2 px', cost: "the protocol's training again (+≈ 1.5% per epoch for the shifts)",
    apply: (t: DenseAutoencoderTraining) => ({ ...t, augmentation: { maxShift: 2 } }),
  },
  {
    name: 'epochs-x2', title: 'pre-trained twice as long', cost: "as many epochs again as the protocol's, continuing its run",
    apply: (t: DenseAutoencoderTraining) => ({ ...t, epochs: 2 * t.epochs }),
  },
]);

/**
 * The protocol with a training variant's autoencoder (same images, UMAP, GMM and seeds).
 * @example n2dProtocolVariant(n2dPaperProtocol(), N2D_TRAINING_VARIANTS[1]).training.augmentation // { maxShift: 2 }
 */
export function n2dProtocolVariant(protocol: N2dPaperProtocol, variant: N2dTrainingVariant): N2dPaperProtocol {
  return { ...protocol, training: variant.apply(protocol.training) };
}

/** Environment variable: minutes notebook 07 may train each training variant in this run; see {@link n2dProtocolMinutes}. */
export const N2D_VARIANT_MINUTES_ENV = 'N2D_VARIANT_MINUTES';

/**
 * One piece of a training variant's training ({@link trainN2dProtocol} on
 * {@link n2dProtocolVariant}), started only once the paper's protocol itself is complete: the
 * variants are measured against it, and `epochs-x2` continues the protocol's own run (trained
 * past the protocol's epochs first, it would leave the protocol nothing to resume from). Until
 * then it trains nothing (`not-started`) and its summary says why. The `paper` variant is the
 * protocol's own training.
 * @throws as {@link trainN2dProtocol}.
 * @example const piece = await trainN2dVariant(data, config.paperProtocol, fc.N2D_TRAINING_VARIANTS[1], { budget: { minutes: 60 } });
 */
export async function trainN2dVariant(
  data: ExperimentData,
  protocol: N2dPaperProtocol,
  variant: N2dTrainingVariant,
  options: { budget?: PieceBudget; onProgress?: ProgressCallback; backend?: string; cacheDir?: string } = {},
): Promise<N2dProtocolPiece> {
  const where = { ...(options.backend ? { backend: options.backend } : {}), ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}) };
  const varied = n2dProtocolVariant(protocol, variant);
  const keyOf = (p: N2dPaperProtocol) => N2D_DENSE_AUTOENCODER.cacheLocation(n2dProtocolImages(data, p), p.training, undefined, options.cacheDir).key;
  if (keyOf(varied) === keyOf(protocol)) return trainN2dProtocol(data, protocol, options); // the paper's own training
  const name = n2dTrainingVariantName(variant);
  const base = await n2dProtocolStatus(data, protocol, where);
  if (!base.cache.cached) {
    const status = await n2dProtocolStatus(data, varied, { ...where, name });
    return {
      before: status, after: status, stopped: 'not-started', seconds: 0, epochs: 0, key: keyOf(varied),
      summary: `${name}: not trained in this run; it starts once the paper's protocol is complete (${base.summary})`,
    };
  }
  return trainN2dProtocol(data, varied, { ...options, name });
}

/**
 * How statuses and summaries name a training variant: `N2D's protocol, pre-trained on images shifted by up to 2 px`.
 * @example n2dProtocolStatus(data, n2dProtocolVariant(protocol, v), { name: n2dTrainingVariantName(v) })
 */
export function n2dTrainingVariantName(variant: N2dTrainingVariant): string {
  return `N2D's protocol, ${variant.title}`;
}

/** The median NMI over 5 seeds that the variants past the paper aim for, on all 70,000 and on the 10,000 test images. */
export const N2D_VARIANT_GOAL_NMI = 0.7;

/** One variant's recorded run (see {@link clusterN2dVariants}, {@link runN2dTrainingVariant}). */
export interface N2dVariantRun {
  readonly variant: N2dClusteringVariant;
  /** The autoencoder's training variant (absent: the paper's protocol). */
  readonly training?: N2dTrainingVariant;
  readonly images: 'all' | 'test';
  readonly run: ClusterRun<GaussianMixture>;
  /** What was varied, for tables: the training variant's title (if any), then the clustering's. */
  readonly title: string;
  /** What it cost: the training variant's cost, else the clustering variant's. */
  readonly cost: string;
}

/**
 * Runs and records every clustering `variant` on every image set of the protocol's codes, in that
 * order (variant by variant): each recorded by `exp` under its own id (a variant of N2D's setting).
 * @throws RangeError for an empty list of variants or image sets (nothing would be measured).
 * @example clusterN2dVariants(protocolExp, config.paperProtocol, codes, { variants: N2D_CLUSTERING_VARIANTS, images: ['all', 'test'] })
 */
export function clusterN2dVariants(
  exp: Experiment, protocol: N2dClusteringSettings, codes: AutoencoderCodes,
  options: { variants: readonly N2dClusteringVariant[]; images: readonly ('all' | 'test')[] },
): N2dVariantRun[] {
  if (options.variants.length === 0 || options.images.length === 0) {
    throw new RangeError(`clusterN2dVariants needs at least one variant and one image set ('all', 'test'), got ${options.variants.length} and ${options.images.length}.`);
  }
  return options.variants.flatMap((variant) => options.images.map((images) => ({
    variant, images, run: exp.cluster(n2dProtocolStep(protocol, codes, { images, variant })), title: variant.title, cost: variant.cost,
  })));
}

/**
 * A training variant in one call, as notebook 07 runs it: one piece of its training
 * ({@link trainN2dVariant}: only once the paper's protocol is complete, within `budget`), then,
 * when its model is complete, the paper's UMAP + GMM on its codes for every image set, recorded
 * by `exp`. `runs` is empty until then; `summary` says where it stands. The piece's model is
 * disposed once its codes are taken.
 * @throws as {@link trainN2dVariant} and `Experiment.cluster`.
 * @example const v = await runN2dTrainingVariant(protocolExp, data, config.paperProtocol, fc.N2D_TRAINING_VARIANTS[1], { images: ['all', 'test'], budget: { minutes: 60 } });
 */
export async function runN2dTrainingVariant(
  exp: Experiment, data: ExperimentData, protocol: N2dPaperProtocol, training: N2dTrainingVariant,
  options: { images: readonly ('all' | 'test')[]; budget?: PieceBudget; onProgress?: ProgressCallback; backend?: string; cacheDir?: string },
): Promise<{ readonly piece: N2dProtocolPiece; readonly runs: N2dVariantRun[]; readonly summary: string }> {
  const { images, ...trainOptions } = options;
  const piece = await trainN2dVariant(data, protocol, training, trainOptions);
  try {
    if (!isN2dProtocolComplete(piece)) return { piece, runs: [], summary: piece.summary };
    const varied = n2dProtocolVariant(protocol, training);
    const paper = N2D_CLUSTERING_VARIANTS[0]!;
    const runs = clusterN2dVariants(exp, varied, n2dProtocolCodes(data, varied, piece), { variants: [paper], images })
      .map((r) => ({ ...r, training, title: `${training.title}; ${paper.title}`, cost: training.cost }));
    return { piece, runs, summary: piece.summary };
  } finally {
    piece.model?.dispose();
  }
}
