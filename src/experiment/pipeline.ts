import { loadFashionMnist, type LoadOptions } from '../data/dataset.js';
import { stratifiedSubset } from '../data/split.js';
import type { LabeledImages } from '../data/classes.js';
import type { CacheStatus, LoadOrTrainResult } from '../models/cache.js';
import type { ProgressCallback } from '../models/progress.js';
import { withInterruptSignal } from '../util/interrupt.js';
import type { Matrix } from '../util/matrix.js';
import { ArtifactStore } from './artifacts.js';
import { type AutoencoderTraining, type ExperimentAutoencoder, type TrainedModel } from './autoencoders.js';
import { N2D_DENSE_AUTOENCODER } from './n2d-autoencoder.js';
import { REPORT_AUTOENCODER } from './report-autoencoder.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/**
 * The steps several notebooks share, so each notebook stays a thin sequence of calls:
 * the data at the chosen scale, the trained autoencoder (from the model cache when present),
 * and its codes (from the artifact store when present). Each autoencoder step takes one training
 * value whose `kind` says which autoencoder (the report's conv one or N2D's dense one, see
 * src/experiment/autoencoders.ts).
 */

/** The official train/test split reduced to the scale's sizes (stratified, seeded). */
export interface ExperimentData {
  readonly train: LabeledImages;
  readonly test: LabeledImages;
  readonly settings: ScaleSettings;
}

/**
 * Loads Fashion-MNIST and takes stratified subsets of the sizes the scale asks for (the full
 * scale keeps all 60,000 / 10,000 images in their official order).
 */
export async function loadExperimentData(settings: ScaleSettings = scaleSettings(), options: LoadOptions & { seed?: number } = {}): Promise<ExperimentData> {
  const { train, test } = await loadFashionMnist(options);
  const seed = options.seed ?? 0;
  return { train: stratifiedSubset(train, settings.trainImages, seed), test: stratifiedSubset(test, settings.testImages, seed), settings };
}

/**
 * The autoencoders the experiment layer knows, by `kind` (see src/experiment/autoencoders.ts):
 * the report's convolutional one (`'conv'`, also for trainings without a kind) and N2D's dense one.
 */
export const AUTOENCODERS: Readonly<Record<string, ExperimentAutoencoder>> = Object.freeze({
  [REPORT_AUTOENCODER.kind]: REPORT_AUTOENCODER as ExperimentAutoencoder,
  [N2D_DENSE_AUTOENCODER.kind]: N2D_DENSE_AUTOENCODER as ExperimentAutoencoder,
});

/**
 * The autoencoder a training is for: `AUTOENCODERS[training.kind ?? 'conv']`.
 * @throws RangeError for an unknown kind, listing the known ones.
 * @example autoencoderOf(n2dDenseTraining()).kind // 'dense'
 */
export function autoencoderOf(training: AutoencoderTraining): ExperimentAutoencoder {
  const kind = training.kind ?? REPORT_AUTOENCODER.kind;
  const autoencoder = Object.hasOwn(AUTOENCODERS, kind) ? AUTOENCODERS[kind] : undefined;
  if (!autoencoder) {
    throw new RangeError(`Unknown autoencoder kind '${String(kind)}': expected one of ${Object.keys(AUTOENCODERS).map((k) => `'${k}'`).join(', ')} ` +
      `(start from reportAutoencoderTraining() or n2dDenseTraining()).`);
  }
  return autoencoder;
}

/**
 * Whether the autoencoder for these data and settings is in the model cache (so no training runs).
 * @example isAutoencoderCached(data, reportAutoencoderTraining(data.settings))
 */
export function isAutoencoderCached(data: ExperimentData, training: AutoencoderTraining): boolean {
  return autoencoderOf(training).isCached(data.train.images, training, data.test.images);
}

/**
 * What the model cache holds of the autoencoder for these data and settings: the trained model, a
 * checkpoint part of the way (and how many epochs remain), or nothing (`modelCacheStatus`); its
 * `summary` is the line a config cell prints.
 * @throws ModelFileError when the run's checkpoint is damaged.
 * @example (await autoencoderCacheStatus(data, config.denseAutoencoder)).summary // 'checkpoint after epoch 20 of 60: 40 epochs to go (saved …)'
 */
export function autoencoderCacheStatus(data: ExperimentData, training: AutoencoderTraining): Promise<CacheStatus> {
  return autoencoderOf(training).status(data.train.images, training, data.test.images);
}

/** A trained (or interrupted) autoencoder with the training that made it. */
export interface TrainedAutoencoder extends LoadOrTrainResult<TrainedModel> {
  readonly training: AutoencoderTraining;
}

/**
 * The autoencoder `training` describes (its `kind`: the report's conv model by default, N2D's
 * dense one for `n2dDenseTraining()`), trained on `data.train` and validated on `data.test`: loaded
 * from the model cache when an entry with the same architecture, hyperparameters, seed and data
 * exists, else trained (printing progress through `onProgress`) and cached.
 *
 * Interrupting the kernel (SIGINT, JupyterLab's ■) during training stops at the end of the
 * current batch: the result then has `interrupted` set, the model keeps the weights reached, a
 * checkpoint is left in the model cache (calling this again continues from it) but no finished
 * model is cached; `onInterrupt` is told (default: a line through `onProgress`'s console). Until
 * the same training is run again, {@link autoencoderCodes} in this session uses that partly
 * trained model instead of training on.
 * @throws RangeError for an unknown `training.kind`, or when `training.modelKey` (the model notebook
 * 03 trained) is not the model these settings give on `data`'s images.
 * @example
 * const trained = await trainedAutoencoder(data, reportAutoencoderTraining(data.settings), progressPrinter());
 */
export async function trainedAutoencoder(
  data: ExperimentData,
  training: AutoencoderTraining,
  onProgress?: ProgressCallback,
  onInterrupt: (message: string) => void = (m) => console.log(m),
): Promise<TrainedAutoencoder> {
  const autoencoder = autoencoderOf(training);
  if (training.modelKey !== undefined) {
    const { key } = autoencoder.cacheLocation(data.train.images, training, data.test.images);
    if (key !== training.modelKey) throw modelMismatch(training, training.modelKey, key, data);
  }
  const result = await withInterruptSignal((signal) =>
    autoencoder.loadOrTrain(data.train.images, training, { validation: data.test.images, onInvalidCache: 'retrain', signal, ...(onProgress ? { onProgress } : {}) }));
  reportInterruption(result, training, onInterrupt);
  const trained = { ...result, training };
  if (result.interrupted) interruptedThisSession.set(result.key, trained);
  else interruptedThisSession.delete(result.key);
  return trained;
}

/**
 * Models whose training ■ interrupted in this process, by cache key: the cells after an
 * interrupted training cell (Run All) go on with the weights reached, as the notebook says,
 * instead of resuming the training from its checkpoint behind the user's back. Process state on
 * purpose: a new kernel starts with none, and rerunning the training cell replaces the entry.
 */
const interruptedThisSession = new Map<string, TrainedAutoencoder>();

/** The notebook that trains the autoencoder the other notebooks share (see src/experiment/shared-autoencoder.ts). */
export const AUTOENCODER_NOTEBOOK = '03-autoencoder';

/** Notebook 03 trained the shared model on other images (another data folder), or its settings were edited after they were read. */
function modelMismatch(training: AutoencoderTraining & { readonly source?: string }, expected: string, key: string, data: ExperimentData): RangeError {
  const n = (v: number) => v.toLocaleString('en-US');
  return new RangeError(
    `The autoencoder settings name model ${expected}${training.source ? ` (${training.source})` : ''}, but on this notebook's images ` +
      `(${n(data.train.images.rows)} train / ${n(data.test.images.rows)} test at scale '${data.settings.scale}') they give model ${key}: ` +
      `notebook ${AUTOENCODER_NOTEBOOK} trained it on other images, or the settings were edited after they were read. ` +
      `Edit the autoencoder in ${AUTOENCODER_NOTEBOOK}'s config cell and run ${AUTOENCODER_NOTEBOOK} again, then rerun this notebook.`,
  );
}

function reportInterruption(result: { readonly interrupted?: { epoch: number; batch: number; batches: number }; readonly checkpointDir?: string }, training: { epochs: number }, onInterrupt: (message: string) => void): void {
  if (!result.interrupted) return;
  const { epoch, batch, batches } = result.interrupted;
  onInterrupt(
    `Training interrupted at epoch ${epoch}/${training.epochs}, batch ${batch}/${batches}: the model keeps the weights reached so far, ` +
      `which the next cells use (results recorded as variants: 'autoencoder interrupted at …'). ` +
      (result.checkpointDir ? 'A checkpoint was saved: rerun this cell to continue the training from there.' : 'Rerun this cell to train it fully.'),
  );
}

/** Codes of the train and test images under one trained model. */
export interface AutoencoderCodes {
  readonly train: Matrix;
  readonly test: Matrix;
  /** The model's cache key: codes are stored under it, so a retrained model never reuses old codes. */
  readonly modelKey: string;
  readonly fromCache: boolean;
  /** The training settings of the model that made them. */
  readonly training: AutoencoderTraining;
  /** Set when the autoencoder's training was interrupted (the codes come from a partly trained model). */
  readonly interruptedAt?: { readonly epoch: number; readonly batch: number; readonly batches: number };
  /**
   * The autoencoder when it is not the report's convolutional one, e.g. `'dense 784-500-500-2000-10'`
   * (recorded as the setting `ae.architecture`: such runs are always variants).
   */
  readonly architecture?: string;
}

/**
 * The autoencoder codes of `data.train` and `data.test` under the model `training` describes
 * (its `kind`: the report's conv model or N2D's dense one): from the artifact store when they were
 * computed with the same model, else encoded now (training the model first if it is not cached)
 * and stored for the next notebook. Codes of an interrupted model are used but never stored.
 * @throws RangeError for an unknown `training.kind`.
 * @example
 * const codes = await autoencoderCodes(data, n2dDenseTraining(data.settings)); // codes.architecture: 'dense 784-500-500-2000-10'
 */
export async function autoencoderCodes(
  data: ExperimentData,
  training: AutoencoderTraining,
  options: { store?: ArtifactStore; onProgress?: ProgressCallback } = {},
): Promise<AutoencoderCodes> {
  const autoencoder = autoencoderOf(training);
  const store = options.store ?? new ArtifactStore(data.settings.scale);
  const { key } = autoencoder.cacheLocation(data.train.images, training, data.test.images);
  const trained = interruptedThisSession.get(key) ?? await trainedAutoencoder(data, training, options.onProgress);
  return codesOf(trained, data, autoencoder, store);
}

/**
 * The codes of `data` under a trained (or interrupted) model: from the artifact store
 * (`<codesArtifact>-train`, `-test`, tagged with the model's key) when there, else encoded and
 * stored; codes of an interrupted model are never stored.
 */
function codesOf(trained: TrainedAutoencoder, data: ExperimentData, autoencoder: ExperimentAutoencoder, store: ArtifactStore): AutoencoderCodes {
  const { model, key, interrupted, training } = trained;
  const architecture = autoencoder.architecture(training, data.train.images.cols);
  const made = { modelKey: key, training, ...(architecture === undefined ? {} : { architecture }) };
  if (interrupted) {
    // Codes of a partly trained model are used in this session only, never stored.
    return { train: model.encode(data.train.images), test: model.encode(data.test.images), fromCache: false, interruptedAt: interrupted, ...made };
  }
  const prefix = autoencoder.codesArtifact;
  const cachedTrain = store.loadFloat32(`${prefix}-train`, key);
  const cachedTest = store.loadFloat32(`${prefix}-test`, key);
  if (cachedTrain && cachedTest && cachedTrain.shape[0] === data.train.images.rows && cachedTest.shape[0] === data.test.images.rows) {
    return {
      train: { data: cachedTrain.data, rows: cachedTrain.shape[0]!, cols: cachedTrain.shape[1]! },
      test: { data: cachedTest.data, rows: cachedTest.shape[0]!, cols: cachedTest.shape[1]! },
      fromCache: true,
      ...made,
    };
  }
  const train = model.encode(data.train.images);
  const test = model.encode(data.test.images);
  store.saveFloat32(`${prefix}-train`, key, train.data, [train.rows, train.cols]);
  store.saveFloat32(`${prefix}-test`, key, test.data, [test.rows, test.cols]);
  return { train, test, fromCache: false, ...made };
}
