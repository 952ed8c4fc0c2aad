import { loadFashionMnist, type LoadOptions } from '../data/dataset.js';
import { stratifiedSubset } from '../data/split.js';
import type { LabeledImages } from '../data/classes.js';
import { isDenseModelCached, isModelCached, loadOrTrain, loadOrTrainDense, type LoadOrTrainResult } from '../models/cache.js';
import { denseArchitectureName, resolveDenseArchitecture } from '../models/dense-architecture.js';
import type { DenseAutoencoder } from '../models/dense-autoencoder.js';
import type { ProgressCallback } from '../models/progress.js';
import { withInterruptSignal } from '../util/interrupt.js';
import type { Matrix } from '../util/matrix.js';
import { ArtifactStore } from './artifacts.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/**
 * The steps several notebooks share, so each notebook stays a thin sequence of calls:
 * the data at the chosen scale, the trained autoencoder (from the model cache when present),
 * and its codes (from the artifact store when present).
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

/** Hyperparameters of the autoencoder's training (the report's: 50 epochs, batch 128, adam 0.001). */
export interface AutoencoderTraining {
  epochs: number;
  batchSize: number;
  learningRate: number;
  seed: number;
}

/** The report's training settings at the given scale (its epochs come from the scale). */
export function reportAutoencoderTraining(settings: ScaleSettings = scaleSettings()): AutoencoderTraining {
  return { epochs: settings.epochs, batchSize: 128, learningRate: 0.001, seed: 0 };
}

/** Whether the autoencoder for these data and settings is in the model cache (so no training runs). */
export function isAutoencoderCached(data: ExperimentData, training: AutoencoderTraining): boolean {
  return isModelCached(data.train.images, { ...training, validation: data.test.images });
}

/**
 * The autoencoder trained on `data.train` and validated on `data.test`: loaded from the model
 * cache when an entry with the same architecture, hyperparameters, seed and data exists, else
 * trained (printing progress through `onProgress`) and cached.
 *
 * Interrupting the kernel (SIGINT, JupyterLab's ■) during training stops at the end of the
 * current batch: the result then has `interrupted` set, the model keeps the weights reached, and
 * nothing is cached; `onInterrupt` is told (default: a line through `onProgress`'s console).
 */
export async function trainedAutoencoder(
  data: ExperimentData,
  training: AutoencoderTraining,
  onProgress?: ProgressCallback,
  onInterrupt: (message: string) => void = (m) => console.log(m),
): Promise<LoadOrTrainResult> {
  const result = await withInterruptSignal((signal) =>
    loadOrTrain(data.train.images, { ...training, validation: data.test.images, onProgress, onInvalidCache: 'retrain', signal }));
  reportInterruption(result, training, onInterrupt);
  return result;
}

function reportInterruption(result: { readonly interrupted?: { epoch: number; batch: number; batches: number } }, training: { epochs: number }, onInterrupt: (message: string) => void): void {
  if (!result.interrupted) return;
  const { epoch, batch, batches } = result.interrupted;
  onInterrupt(
    `Training interrupted at epoch ${epoch}/${training.epochs}, batch ${batch}/${batches}: the model keeps the weights reached so far ` +
      `and was NOT cached. Results computed from it are recorded as variants ('autoencoder interrupted at …'). Rerun the cell to train it fully.`,
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
 * The autoencoder codes of `data.train` and `data.test`: from the artifact store when they
 * were computed with the same model, else encoded now (training the model first if it is not
 * cached) and stored for the next notebook.
 */
export async function autoencoderCodes(
  data: ExperimentData,
  training: AutoencoderTraining,
  options: { store?: ArtifactStore; onProgress?: ProgressCallback } = {},
): Promise<AutoencoderCodes> {
  const store = options.store ?? new ArtifactStore(data.settings.scale);
  const result = await trainedAutoencoder(data, training, options.onProgress);
  return codesOf(result, data, training, store, 'codes');
}

/**
 * The codes of `data` under a trained (or interrupted) model: from the artifact store
 * (`<prefix>-train`, `<prefix>-test`, tagged with the model's key) when there, else encoded and
 * stored; codes of an interrupted model are never stored.
 */
function codesOf(
  result: { readonly model: { encode(x: Matrix): Matrix }; readonly key: string; readonly interrupted?: AutoencoderCodes['interruptedAt'] },
  data: ExperimentData,
  training: AutoencoderTraining,
  store: ArtifactStore,
  prefix: string,
  architecture?: string,
): AutoencoderCodes {
  const { model, key, interrupted } = result;
  const arch = architecture === undefined ? {} : { architecture };
  if (interrupted) {
    // Codes of a partly trained model are used in this session only, never stored.
    return { train: model.encode(data.train.images), test: model.encode(data.test.images), modelKey: key, fromCache: false, training, interruptedAt: interrupted, ...arch };
  }
  const cachedTrain = store.loadFloat32(`${prefix}-train`, key);
  const cachedTest = store.loadFloat32(`${prefix}-test`, key);
  if (cachedTrain && cachedTest && cachedTrain.shape[0] === data.train.images.rows && cachedTest.shape[0] === data.test.images.rows) {
    return {
      train: { data: cachedTrain.data, rows: cachedTrain.shape[0]!, cols: cachedTrain.shape[1]! },
      test: { data: cachedTest.data, rows: cachedTest.shape[0]!, cols: cachedTest.shape[1]! },
      modelKey: key,
      fromCache: true,
      training,
      ...arch,
    };
  }
  const train = model.encode(data.train.images);
  const test = model.encode(data.test.images);
  store.saveFloat32(`${prefix}-train`, key, train.data, [train.rows, train.cols]);
  store.saveFloat32(`${prefix}-test`, key, test.data, [test.rows, test.cols]);
  return { train, test, modelKey: key, fromCache: false, training, ...arch };
}

/** Training of N2D's dense autoencoder: {@link AutoencoderTraining} plus its layer widths. */
export interface DenseAutoencoderTraining extends AutoencoderTraining {
  hiddenSizes: number[];
  codeSize: number;
}

/**
 * Epochs of the dense autoencoder at the full scale: what fitted in about 35 minutes on the 2-core
 * development machine (≈ 35 s per epoch of 60,000 images on the tensorflow backend). N2D
 * pretrains for 1,000 epochs; this is a variant with far less training.
 */
export const DENSE_AUTOENCODER_FULL_EPOCHS = 60;

/**
 * Rough milliseconds per 1,000 images per epoch of the dense autoencoder on the tensorflow backend:
 * 600 eagerly on a loaded 2-core AVX2 machine (2026-12-01); the compiled training step is 1.7×
 * faster (240 → 143 on an AVX-512 one, 2026-12-07).
 */
export const DENSE_TRAINING_MS_PER_1K_IMAGES: Readonly<Record<string, number>> = Object.freeze({ tensorflow: 350 });

/**
 * N2D's dense autoencoder training at a scale: d-500-500-2000-10, Adam 0.001, batch 256, seed 0;
 * {@link DENSE_AUTOENCODER_FULL_EPOCHS} epochs at `full`, the scale's epochs (2) at `smoke`.
 */
export function n2dDenseTraining(settings: ScaleSettings = scaleSettings()): DenseAutoencoderTraining {
  return {
    epochs: settings.scale === 'full' ? DENSE_AUTOENCODER_FULL_EPOCHS : settings.epochs,
    batchSize: 256,
    learningRate: 0.001,
    seed: 0,
    hiddenSizes: [500, 500, 2000],
    codeSize: 10,
  };
}

/** `dense 784-500-500-2000-10`: how codes of this model are labelled (`ae.architecture`). */
export function denseArchitectureLabel(training: DenseAutoencoderTraining, inputSize = 784): string {
  return `dense ${denseArchitectureName(resolveDenseArchitecture({ inputSize, hiddenSizes: training.hiddenSizes, codeSize: training.codeSize }))}`;
}

/** Whether the dense autoencoder for these data and settings is in the model cache. */
export function isDenseAutoencoderCached(data: ExperimentData, training: DenseAutoencoderTraining): boolean {
  return isDenseModelCached(data.train.images, { ...training, validation: data.test.images });
}

/**
 * {@link trainedAutoencoder} for N2D's dense autoencoder: from the model cache, else trained on
 * `data.train` (validated on `data.test`) and cached; ■ stops at the end of a batch.
 */
export async function trainedDenseAutoencoder(
  data: ExperimentData,
  training: DenseAutoencoderTraining,
  onProgress?: ProgressCallback,
  onInterrupt: (message: string) => void = (m) => console.log(m),
): Promise<LoadOrTrainResult<DenseAutoencoder>> {
  const result = await withInterruptSignal((signal) =>
    loadOrTrainDense(data.train.images, { ...training, validation: data.test.images, onProgress, onInvalidCache: 'retrain', signal }));
  reportInterruption(result, training, onInterrupt);
  return result;
}

/**
 * {@link autoencoderCodes} for N2D's dense autoencoder (stored as `dense-codes-train` /
 * `dense-codes-test`, beside the conv model's codes); the codes carry `architecture`, so runs on
 * them are recorded as variants.
 */
export async function denseAutoencoderCodes(
  data: ExperimentData,
  training: DenseAutoencoderTraining,
  options: { store?: ArtifactStore; onProgress?: ProgressCallback } = {},
): Promise<AutoencoderCodes> {
  const store = options.store ?? new ArtifactStore(data.settings.scale);
  const result = await trainedDenseAutoencoder(data, training, options.onProgress);
  return codesOf(result, data, training, store, 'dense-codes', denseArchitectureLabel(training, data.train.images.cols));
}
