import type { GaussianMixture, GaussianMixtureOptions } from '../cluster/gmm.js';
import { stratifiedSubset } from '../data/split.js';
import type { CacheStatus } from '../models/cache.js';
import { formatDuration, type ProgressCallback, type TrainingProgress } from '../models/progress.js';
import { withInterruptSignal } from '../util/interrupt.js';
import { concatRows, type Matrix } from '../util/matrix.js';
import { checkInteger, checkNumber } from '../util/validate.js';
import type { TrainedModel } from './autoencoders.js';
import { runClusteringStep, type ClusterStep, type SeedRun } from './experiment.js';
import { n2dClusteringStep, type N2dClusteringSettings, type N2dClusteringVariant } from './n2d.js';
import { DENSE_TRAINING_MS_PER_1K_IMAGES, denseArchitectureLabel, n2dDenseTraining, N2D_DENSE_AUTOENCODER, type DenseAutoencoderTraining } from './n2d-autoencoder.js';
import type { AutoencoderCodes, ExperimentData } from './pipeline.js';
import { LITERATURE_NMI } from './published.js';
import { medianRun, spreadOf, type Spread } from './results.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/**
 * N2D's published protocol (McConville et al. 2020), written once: its dense autoencoder trained
 * on all 70,000 images (train + test) for 1,000 epochs, then UMAP + GMM on all 70,000 codes over
 * five clusterer seeds, against the paper's NMI 0.684. The training takes hours on two cores, so it
 * runs in pieces through the model cache's checkpoints: `npm run bench -- n2d-protocol --minutes M`
 * and notebook 07 continue the same cache entry (both take their settings from
 * {@link n2dPaperProtocol}).
 */

/** How statuses and summaries name the protocol (a training variant gives its own name). */
export const N2D_PROTOCOL_NAME = "N2D's paper protocol";

/** The paper's pre-training epochs. */
export const N2D_PAPER_EPOCHS = 1000;

/** Environment variable: minutes notebook 07 may train the paper's protocol in this run (`npm run report`); see {@link n2dProtocolMinutes}. */
export const N2D_PROTOCOL_MINUTES_ENV = 'N2D_PROTOCOL_MINUTES';

/** The command that continues the protocol's training from a terminal. */
export const N2D_PROTOCOL_COMMAND = 'npm run bench -- n2d-protocol';

/** N2D's protocol at a scale (see {@link n2dPaperProtocol}). */
export interface N2dPaperProtocol {
  /** The dense autoencoder's training: d-500-500-2000-10, MSE, Adam 0.001, batch 256, seed 0; 1,000 epochs at `full`. */
  readonly training: DenseAutoencoderTraining;
  /** How many of the scale's training images it trains on and clusters (all 60,000 at `full`). */
  readonly trainImages: number;
  /** How many of the scale's test images (all 10,000 at `full`): trained on and clustered with the training images. */
  readonly testImages: number;
  /** Epochs between checkpoints (a piece that is killed loses at most these). */
  readonly checkpointEvery: number;
  /** N2D's UMAP: 10 dimensions, 20 neighbours, minimum distance 0. */
  readonly umap: { readonly nComponents: number; readonly nNeighbors: number; readonly minDist: number };
  /** The GMM: 10 full-covariance components (scikit-learn's other defaults). */
  readonly gmm: GaussianMixtureOptions;
  /** Clusterer seeds (UMAP and GMM refitted per seed). */
  readonly seeds: readonly number[];
  /** The paper's NMI on all 70,000 images. */
  readonly publishedNmi: number;
}

/**
 * The paper's protocol at a scale: at `full` all 60,000 + 10,000 images and 1,000 epochs
 * (checkpoint every 10); at `smoke` a tiny version for CI (500 + 100 images of the smoke subsets,
 * 3 epochs, a checkpoint every epoch). The autoencoder is `n2dDenseTraining`'s with those epochs.
 * @example n2dPaperProtocol(scaleSettings('full')).training.epochs // 1000
 */
export function n2dPaperProtocol(settings: ScaleSettings = scaleSettings()): N2dPaperProtocol {
  const full = settings.scale === 'full';
  return {
    training: { ...n2dDenseTraining(settings), epochs: full ? N2D_PAPER_EPOCHS : 3 },
    trainImages: full ? settings.trainImages : Math.min(500, settings.trainImages),
    testImages: full ? settings.testImages : Math.min(100, settings.testImages),
    checkpointEvery: full ? 10 : 1,
    umap: { nComponents: 10, nNeighbors: 20, minDist: 0 },
    gmm: { nComponents: 10, covarianceType: 'full' },
    seeds: settings.seeds,
    publishedNmi: LITERATURE_NMI.N2D!,
  };
}

/**
 * The codes of the protocol's images under its training's last checkpoint, a partly trained model
 * (e.g. 150 of 1,000 epochs): to watch how the clustering and its variants move while the protocol
 * trains. Recorded with the epochs done as `ae.epochs`, so never as the protocol's result.
 * @throws ModelFileError when the protocol's training has no checkpoint yet (or it is damaged).
 * @example const { codes, epochsDone } = await n2dProtocolCheckpointCodes(data, n2dPaperProtocol());
 */
export async function n2dProtocolCheckpointCodes(
  data: ExperimentData, protocol: N2dPaperProtocol, options: { cacheDir?: string } = {},
): Promise<{ readonly codes: AutoencoderCodes; readonly epochsDone: number; readonly savedAt: string }> {
  const images = n2dProtocolImages(data, protocol);
  const { model, info } = await N2D_DENSE_AUTOENCODER.fromCheckpoint(images, protocol.training, undefined, options);
  try {
    const epochsDone = info.position.batch === 0 ? info.position.epoch - 1 : info.position.epoch - 1 + info.position.batch / Math.ceil(images.rows / protocol.training.batchSize);
    const p = n2dProtocolData(data, protocol);
    const { key } = N2D_DENSE_AUTOENCODER.cacheLocation(images, protocol.training, undefined, options.cacheDir);
    return {
      epochsDone,
      savedAt: info.savedAt,
      codes: {
        train: model.encode(p.train.images),
        test: model.encode(p.test.images),
        modelKey: `${key}@checkpoint-epoch-${epochsDone}`,
        fromCache: false,
        training: { ...protocol.training, epochs: epochsDone },
        architecture: denseArchitectureLabel(protocol.training, p.train.images.cols),
      },
    };
  } finally {
    model.dispose();
  }
}

/**
 * The minutes notebook 07 trains the protocol for in this run: `$N2D_PROTOCOL_MINUTES` when set
 * (a number >= 0, `Infinity` to finish), else none at `full` (the config cell states how far it
 * is; hours of training never start unasked) and no limit at `smoke` (3 epochs). `name`: another
 * variable read the same way ({@link N2D_VARIANT_MINUTES_ENV} for the training variants).
 * @throws RangeError for a value that is not a number >= 0.
 * @example N2D_PROTOCOL_MINUTES=60 npm run report -- 07   // 07 trains for up to an hour, then stops at an epoch's end
 */
export function n2dProtocolMinutes(settings: ScaleSettings = scaleSettings(), env: NodeJS.ProcessEnv = process.env, name: string = N2D_PROTOCOL_MINUTES_ENV): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return settings.scale === 'full' ? 0 : Infinity;
  const minutes = Number(raw);
  if (Number.isNaN(minutes) || minutes < 0) {
    throw new RangeError(`${name} must be a number of minutes >= 0 (Infinity: train to the end), got '${raw}'.`);
  }
  return minutes;
}

/**
 * The images of the protocol as an experiment's data: the first `trainImages` / `testImages` of
 * `data` (stratified subsets at `smoke`; at `full` all of them, in their official order).
 */
export function n2dProtocolData(data: ExperimentData, protocol: N2dPaperProtocol): ExperimentData {
  return { train: stratifiedSubset(data.train, protocol.trainImages, 0), test: stratifiedSubset(data.test, protocol.testImages, 0), settings: data.settings };
}

/** The images the protocol's autoencoder trains on: train then test (no validation set, as in the paper). */
export function n2dProtocolImages(data: ExperimentData, protocol: N2dPaperProtocol): Matrix {
  const p = n2dProtocolData(data, protocol);
  return concatRows(p.train.images, p.test.images);
}

/** Where the protocol's training stands (see {@link n2dProtocolStatus}). */
export interface N2dProtocolStatus {
  /** The model cache's account (`modelCacheStatus`). */
  readonly cache: CacheStatus;
  /** Images trained on. */
  readonly images: number;
  /** Seconds per epoch: measured (the checkpoint's last epochs) or estimated for `backend`; undefined when unknown. */
  readonly secondsPerEpoch?: number;
  readonly measured: boolean;
  /** Seconds of training left at that speed. */
  readonly secondsLeft?: number;
  /** One paragraph for a config cell: how far it is, what remains, how to continue. */
  readonly summary: string;
}

/**
 * How far the protocol's training is in the model cache (complete, a checkpoint, nothing), what
 * remains at the speed this machine trained it (or an estimate for `backend`), and how to continue.
 * @throws ModelFileError when the run's checkpoint is damaged.
 * @example console.log((await n2dProtocolStatus(data, config.paperProtocol, { backend: backend })).summary)
 */
export async function n2dProtocolStatus(
  data: ExperimentData, protocol: N2dPaperProtocol, options: { backend?: string; cacheDir?: string; name?: string } = {},
): Promise<N2dProtocolStatus> {
  const images = n2dProtocolImages(data, protocol);
  const cache = await N2D_DENSE_AUTOENCODER.status(images, protocol.training, undefined, options.cacheDir ? { cacheDir: options.cacheDir } : {});
  return describeStatus(cache, images.rows, options.backend, options.name);
}

function describeStatus(cache: CacheStatus, images: number, backend: string | undefined, name = N2D_PROTOCOL_NAME): N2dProtocolStatus {
  const n = (v: number) => v.toLocaleString('en-US');
  const what = `${name} (dense autoencoder on ${n(images)} images, ${n(cache.epochs)} epochs)`;
  if (cache.cached) return { cache, images, measured: false, summary: `${what}: all ${n(cache.epochs)} epochs cached; UMAP + GMM below.` };
  const ms = backend === undefined ? undefined : DENSE_TRAINING_MS_PER_1K_IMAGES[backend];
  const secondsPerEpoch = cache.secondsPerEpoch ?? (ms === undefined ? undefined : (ms * images) / 1e6);
  const measured = cache.secondsPerEpoch !== undefined;
  const secondsLeft = secondsPerEpoch === undefined ? undefined : secondsPerEpoch * cache.remainingEpochs;
  const done = cache.checkpoint ? `${n(cache.epochsDone)} of ${n(cache.epochs)} epochs cached (${cache.summary})` : `not trained yet (${n(cache.epochs)} epochs)`;
  const left = secondsLeft === undefined ? ''
    : `, ≈ ${formatDuration(secondsLeft)} left at ${measured ? '' : 'an estimated '}≈ ${secondsPerEpoch!.toFixed(1)} s/epoch ${measured ? 'on the machine that trained it' : `on the ${backend} backend`}`;
  return {
    cache, images, measured, ...(secondsPerEpoch === undefined ? {} : { secondsPerEpoch }), ...(secondsLeft === undefined ? {} : { secondsLeft }),
    summary: `${what}: ${done}${left}. Continue with \`${N2D_PROTOCOL_COMMAND} --minutes 60\`, or set protocolMinutes in notebook 07's config cell ` +
      `(or ${N2D_PROTOCOL_MINUTES_ENV}=60 for \`npm run report\`) and run its training cell; ■ stops it, the checkpoint keeps the progress.`,
  };
}

/** How long one piece of the protocol's training may run (see {@link trainN2dProtocol}). */
export interface PieceBudget {
  /** Stop at the last epoch boundary that keeps the piece within this many minutes (at least one epoch runs). `Infinity`: no limit. */
  readonly minutes?: number;
  /** Stop after this many epochs. */
  readonly epochs?: number;
}

/**
 * Whether a piece that has run `epochs` epochs in `elapsedSeconds` (the last one ending now) stops
 * here: its epoch budget is used up, or another epoch of the mean length so far would end past
 * its minutes.
 * @example budgetReached({ minutes: 1 }, { epochs: 5, elapsedSeconds: 55 }) // true: a 6th epoch would end at ≈ 66 s
 */
export function budgetReached(budget: PieceBudget, piece: { readonly epochs: number; readonly elapsedSeconds: number }): boolean {
  if (budget.epochs !== undefined && piece.epochs >= budget.epochs) return true;
  if (budget.minutes === undefined || budget.minutes === Infinity || piece.epochs === 0) return false;
  return piece.elapsedSeconds + piece.elapsedSeconds / piece.epochs > budget.minutes * 60;
}

/** What one piece of the protocol's training did (see {@link trainN2dProtocol}). */
export interface N2dProtocolPiece {
  readonly before: N2dProtocolStatus;
  readonly after: N2dProtocolStatus;
  /**
   * `cached`: nothing to train (the model was loaded); `complete`: this piece finished the training;
   * `budget`: stopped at an epoch's end by the budget; `interrupt`: stopped by ■ at a batch's end;
   * `not-started`: the budget allowed no training.
   */
  readonly stopped: 'cached' | 'complete' | 'budget' | 'interrupt' | 'not-started';
  /** Seconds this piece spent (resuming, training, checkpoints). */
  readonly seconds: number;
  /** Epochs completed in this piece, and their mean seconds. */
  readonly epochs: number;
  readonly secondsPerEpoch?: number;
  /** The training loss (MSE) of the last epoch completed. */
  readonly finalLoss?: number;
  /** The model: complete (`cached`, `complete`) or partly trained (`budget`, `interrupt`); absent when `not-started`. */
  readonly model?: TrainedModel;
  /** The model cache's key of the complete model. */
  readonly key: string;
  /** One line: what this piece did and what remains. */
  readonly summary: string;
}

/**
 * One piece of the protocol's training, through the model cache: loads the complete model when
 * cached, else resumes from the last checkpoint and trains until the end, the `budget` (stopping at
 * an epoch's end and leaving a checkpoint there) or ■ (the kernel's interrupt: stops at a batch's
 * end, checkpoint there too). Pieces in a row give the weights of one uninterrupted training.
 * @throws RangeError for a bad budget; ModelCacheError for a damaged cache entry or checkpoint (naming the folder).
 * @example const piece = await trainN2dProtocol(data, n2dPaperProtocol(), { budget: { minutes: 60 }, onProgress: progressPrinter() });
 */
export async function trainN2dProtocol(
  data: ExperimentData,
  protocol: N2dPaperProtocol,
  options: { budget?: PieceBudget; onProgress?: ProgressCallback; backend?: string; cacheDir?: string; name?: string } = {},
): Promise<N2dProtocolPiece> {
  const budget = options.budget ?? {};
  if (budget.minutes !== undefined && budget.minutes !== Infinity) checkNumber('budget.minutes', budget.minutes, 0);
  if (budget.epochs !== undefined) checkInteger('budget.epochs', budget.epochs, 0);
  const t0 = performance.now();
  const images = n2dProtocolImages(data, protocol);
  const where = options.cacheDir ? { cacheDir: options.cacheDir } : {};
  const name = options.name ?? N2D_PROTOCOL_NAME;
  const status = async () => describeStatus(await N2D_DENSE_AUTOENCODER.status(images, protocol.training, undefined, where), images.rows, options.backend, name);
  const before = await status();
  const { key } = N2D_DENSE_AUTOENCODER.cacheLocation(images, protocol.training, undefined, options.cacheDir);
  const n = (v: number) => v.toLocaleString('en-US');
  if (!before.cache.cached && (budget.minutes === 0 || budget.epochs === 0)) {
    return { before, after: before, stopped: 'not-started', seconds: 0, epochs: 0, key, summary: `no training in this run: ${before.summary}` };
  }
  const stop = new AbortController();
  const epochSeconds: number[] = [];
  const epochsRun: number[] = [];
  let finalLoss: number | undefined;
  const watch = (p: TrainingProgress): void => {
    if (p.phase === 'epoch') {
      epochSeconds.push(p.epochSeconds);
      epochsRun.push(p.epoch);
      finalLoss = p.loss;
    }
    options.onProgress?.(p);
    // After the event: training stops at this epoch's end (a safe point of the training loop).
    if (p.phase === 'epoch' && budgetReached(budget, { epochs: epochSeconds.length, elapsedSeconds: (performance.now() - t0) / 1000 })) stop.abort();
  };
  const result = await withInterruptSignal((interrupt) => N2D_DENSE_AUTOENCODER.loadOrTrain(images, protocol.training, {
    signal: AbortSignal.any([interrupt, stop.signal]), onProgress: watch, checkpointEvery: protocol.checkpointEvery, ...where,
  }));
  const seconds = (performance.now() - t0) / 1000;
  const after = await status();
  const stopped = result.fromCache ? 'cached' : !result.interrupted ? 'complete' : stop.signal.aborted ? 'budget' : 'interrupt';
  const secondsPerEpoch = epochSeconds.length ? epochSeconds.reduce((a, b) => a + b, 0) / epochSeconds.length : undefined;
  const trained = epochsRun.length === 0 ? `no complete epoch in ${formatDuration(seconds)}`
    : `epoch${epochsRun.length > 1 ? `s ${n(epochsRun[0]!)}–` : ' '}${n(epochsRun.at(-1)!)} in ${formatDuration(seconds)} (${secondsPerEpoch!.toFixed(1)} s/epoch)`;
  const summary =
    stopped === 'cached' ? `${name}: the model of all ${n(protocol.training.epochs)} epochs is cached: no training.`
    : stopped === 'complete' ? `${name}: trained ${trained}; all ${n(protocol.training.epochs)} epochs are done and cached.`
    : stopped === 'budget' ? `${name}: trained ${trained}; stopped by this run's budget at the end of epoch ${n(after.cache.epochsDone)}: ${after.summary}`
    : `${name}: trained ${trained}; stopped by ■ (interrupt): ${after.summary}`;
  return {
    before, after, stopped, seconds, epochs: epochSeconds.length, key, summary, model: result.model,
    ...(secondsPerEpoch === undefined ? {} : { secondsPerEpoch }), ...(finalLoss === undefined ? {} : { finalLoss }),
  };
}

/** Whether the piece left the complete model (all the protocol's epochs): only then is there a result to show as the protocol's. */
export function isN2dProtocolComplete(piece: N2dProtocolPiece): boolean {
  return piece.model !== undefined && (piece.stopped === 'cached' || piece.stopped === 'complete');
}

/**
 * The codes of the protocol's images under its complete model, as `Experiment.cluster` takes them
 * (`train` / `test` rows of {@link n2dProtocolData}); computed, not stored.
 * @throws RangeError when the piece did not leave the complete model (a partly trained one is not the protocol's).
 */
export function n2dProtocolCodes(data: ExperimentData, protocol: N2dPaperProtocol, piece: N2dProtocolPiece): AutoencoderCodes {
  if (!isN2dProtocolComplete(piece)) {
    throw new RangeError(`The paper protocol's autoencoder is not complete (${piece.stopped}): ${piece.after.summary} Its codes are only clustered once all epochs are done.`);
  }
  const p = n2dProtocolData(data, protocol);
  return {
    train: piece.model!.encode(p.train.images),
    test: piece.model!.encode(p.test.images),
    modelKey: piece.key,
    fromCache: false,
    training: protocol.training,
    architecture: denseArchitectureLabel(protocol.training, p.train.images.cols),
  };
}

/**
 * The protocol's clustering step for `Experiment.cluster` (on {@link n2dProtocolData}): UMAP +
 * GMM refitted per seed on all the protocol's codes (or, `images: 'test'`, on its test images'),
 * scored against their labels; recorded as a variant of N2D's improved setting (the dense
 * autoencoder, its epochs, trained on train + test), and of that by a clustering `variant`.
 * @example exp.cluster(n2dProtocolStep(config.paperProtocol, codes))
 */
export function n2dProtocolStep(
  protocol: N2dClusteringSettings, codes: AutoencoderCodes, options: { images?: 'all' | 'test'; variant?: N2dClusteringVariant } = {},
): ClusterStep<GaussianMixture> {
  return n2dClusteringStep(codes, protocol, { ...options, extraSettings: { 'ae.trainedOn': 'train + test images' } });
}

/** The protocol's step run over its seeds without recording anything (the bench's; notebooks use `Experiment.cluster`). */
export function runN2dProtocolClustering(
  data: ExperimentData, protocol: N2dPaperProtocol, codes: AutoencoderCodes, options: { images?: 'all' | 'test'; variant?: N2dClusteringVariant } = {},
): SeedRun<GaussianMixture>[] {
  return runClusteringStep(n2dProtocolData(data, protocol), n2dProtocolStep(protocol, codes, options));
}

/** NMI (and ARI, ACC) over the seeds against the paper's (see {@link n2dProtocolScores}). */
export interface N2dProtocolScores {
  readonly nmi: Spread & { readonly median: number };
  readonly ari: Spread;
  readonly acc: Spread;
  readonly perSeed: readonly { readonly seed: number; readonly nmi: number; readonly ari: number; readonly acc: number; readonly seconds: number }[];
  readonly publishedNmi: number;
  /** The median run's NMI minus the paper's. */
  readonly medianMinusPublished: number;
}

/**
 * The protocol's scores over its seeds: NMI mean ± sample sd and the median run's, per seed, against the paper's 0.684.
 * @example n2dProtocolScores(run.runs, config.paperProtocol).nmi.median
 */
export function n2dProtocolScores(runs: readonly Pick<SeedRun<unknown>, 'seed' | 'evaluation' | 'seconds'>[], protocol: Pick<N2dPaperProtocol, 'publishedNmi'>): N2dProtocolScores {
  const perSeed = runs.map((r) => ({ seed: r.seed, nmi: r.evaluation.nmi, ari: r.evaluation.ari, acc: r.evaluation.acc, seconds: r.seconds }));
  const median = medianRun(perSeed).nmi;
  return {
    nmi: { ...spreadOf(perSeed.map((r) => r.nmi)), median },
    ari: spreadOf(perSeed.map((r) => r.ari)),
    acc: spreadOf(perSeed.map((r) => r.acc)),
    perSeed,
    publishedNmi: protocol.publishedNmi,
    medianMinusPublished: median - protocol.publishedNmi,
  };
}
