import { loadFashionMnist, type LoadOptions } from '../data/dataset.js';
import { stratifiedSubset } from '../data/split.js';
import type { LabeledImages } from '../data/classes.js';
import { isModelCached, loadOrTrain, type LoadOrTrainResult } from '../models/cache.js';
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
  if (result.interrupted) {
    const { epoch, batch, batches } = result.interrupted;
    onInterrupt(
      `Training interrupted at epoch ${epoch}/${training.epochs}, batch ${batch}/${batches}: the model keeps the weights reached so far ` +
        `and was NOT cached. Results computed from it are recorded as variants ('autoencoder interrupted at …'). Rerun the cell to train it fully.`,
    );
  }
  return result;
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
  const { model, key, interrupted } = await trainedAutoencoder(data, training, options.onProgress);
  if (interrupted) {
    // Codes of a partly trained model are used in this session only, never stored.
    return { train: await model.encode(data.train.images), test: await model.encode(data.test.images), modelKey: key, fromCache: false, training, interruptedAt: interrupted };
  }
  const cachedTrain = store.loadFloat32('codes-train', key);
  const cachedTest = store.loadFloat32('codes-test', key);
  if (cachedTrain && cachedTest && cachedTrain.shape[0] === data.train.images.rows && cachedTest.shape[0] === data.test.images.rows) {
    return {
      train: { data: cachedTrain.data, rows: cachedTrain.shape[0]!, cols: cachedTrain.shape[1]! },
      test: { data: cachedTest.data, rows: cachedTest.shape[0]!, cols: cachedTest.shape[1]! },
      modelKey: key,
      fromCache: true,
      training,
    };
  }
  const train = await model.encode(data.train.images);
  const test = await model.encode(data.test.images);
  store.saveFloat32('codes-train', key, train.data, [train.rows, train.cols]);
  store.saveFloat32('codes-test', key, test.data, [test.rows, test.cols]);
  return { train, test, modelKey: key, fromCache: false, training };
}
