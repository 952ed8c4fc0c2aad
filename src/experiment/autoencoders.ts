import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { loadOrTrainModel, modelCacheLocation, modelCacheStatus, type CacheableAutoencoder, type CacheOptions, type CacheStatus, type LoadOrTrainResult, type ModelKind } from '../models/cache.js';
import { MODEL_JSON } from '../models/io.js';
import type { CheckpointInfo } from '../models/checkpoint.js';
import type { AutoencoderEstimator, ResolvedTrainingOptions } from '../models/estimator.js';
import type { Matrix } from '../util/matrix.js';
import type { ScaleSettings } from './scale.js';

/**
 * The autoencoders the notebooks train, each described once: the report's convolutional one
 * (`kind: 'conv'`, src/experiment/report-autoencoder.ts) and N2D's dense one (`kind: 'dense'`,
 * src/experiment/n2d-autoencoder.ts). A training value names its kind, so the steps of
 * src/experiment/pipeline.ts (cached?, train, codes) take one value for either model.
 * A new autoencoder is one file defining an {@link ExperimentAutoencoder} with
 * {@link defineAutoencoder}, listed in `AUTOENCODERS` (src/experiment/pipeline.ts).
 */

/** Hyperparameters of an autoencoder's training (the report's: 50 epochs, batch 128, Adam 0.001, seed 0). */
export interface AutoencoderTraining {
  /** Which autoencoder (a key of `AUTOENCODERS`); absent means the report's convolutional one (`'conv'`). */
  readonly kind?: string;
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  /**
   * The cache key of the model these settings are expected to give (set by
   * `sharedAutoencoderTraining`: the model notebook 03 trained); training on images that give
   * another model is then refused instead of silently training a different one.
   */
  readonly modelKey?: string;
}

/** A trained autoencoder as the experiment layer uses it (ConvAutoencoder, DenseAutoencoder). */
export type TrainedModel = AutoencoderEstimator<ResolvedTrainingOptions>;

/** One autoencoder the notebooks can train and cluster the codes of (see {@link defineAutoencoder}). */
export interface ExperimentAutoencoder<T extends AutoencoderTraining = AutoencoderTraining> {
  /** The `kind` its trainings carry. */
  readonly kind: string;
  /** Prefix of the artifacts holding its codes (`<prefix>-train`, `<prefix>-test`). */
  readonly codesArtifact: string;
  /** Its training at a scale: the settings the notebooks use unless edited. */
  training(settings: ScaleSettings): T;
  /**
   * Recorded as the setting `ae.architecture` of runs on its codes (which makes them variants), e.g.
   * `'dense 784-500-500-2000-10'`; `undefined` for the report's autoencoder.
   */
  architecture(training: T, inputSize: number): string | undefined;
  /**
   * The model cache's key and folder of the model trained with `training` on `images`, validated on
   * `validation` (none: undefined), in `cacheDir` (default: the model cache's folder).
   */
  cacheLocation(images: Matrix, training: T, validation: Matrix | undefined, cacheDir?: string): { readonly key: string; readonly dir: string; readonly runDir: string };
  /** Whether that model is in the model cache (it is verified only when loaded). */
  isCached(images: Matrix, training: T, validation: Matrix | undefined): boolean;
  /** What the model cache holds of that training: the model, a checkpoint part of the way, or nothing (`modelCacheStatus`). */
  status(images: Matrix, training: T, validation: Matrix | undefined, options?: { cacheDir?: string }): Promise<CacheStatus>;
  /** The model from the cache, else trained and cached (see `loadOrTrainModel`). */
  loadOrTrain(images: Matrix, training: T, options: CacheOptions): Promise<LoadOrTrainResult<TrainedModel>>;
  /**
   * The partly trained model of that training's last checkpoint (`buildFromCheckpoint` on its run
   * folder), to look at a long training mid-way.
   * @throws ModelFileError when there is no checkpoint or it is damaged.
   */
  fromCheckpoint(images: Matrix, training: T, validation: Matrix | undefined, options?: { cacheDir?: string }): Promise<{ readonly model: TrainedModel; readonly info: CheckpointInfo }>;
}

/** What {@link defineAutoencoder} needs: the model's cache kind and how a training maps to its options. */
export interface AutoencoderDefinition<T extends AutoencoderTraining, M extends CacheableAutoencoder & TrainedModel, O extends object> {
  readonly kind: string;
  readonly codesArtifact: string;
  /** The model cache's description of the model (key prefix, create, load; src/models/cache.ts). */
  readonly model: ModelKind<M, O>;
  /** The model's options for a training: exactly what its cache key is made of. */
  modelOptions(training: T): O;
  training(settings: ScaleSettings): T;
  architecture(training: T, inputSize: number): string | undefined;
}

/**
 * An {@link ExperimentAutoencoder} from its definition: the cache operations are the model cache's
 * (src/models/cache.ts) on the options `modelOptions` gives.
 * @example
 * export const MY_AUTOENCODER = defineAutoencoder({ kind: 'mine', codesArtifact: 'mine-codes', model: MY_MODEL_KIND, modelOptions: (t) => ({ …t }), training: …, architecture: () => 'mine' });
 */
export function defineAutoencoder<T extends AutoencoderTraining, M extends CacheableAutoencoder & TrainedModel, O extends object>(
  definition: AutoencoderDefinition<T, M, O>,
): ExperimentAutoencoder<T> {
  const { model, modelOptions } = definition;
  const cacheLocation = (images: Matrix, training: T, validation: Matrix | undefined, cacheDir?: string) =>
    modelCacheLocation(model, images, modelOptions(training), { ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) });
  return Object.freeze({
    kind: definition.kind,
    codesArtifact: definition.codesArtifact,
    training: (settings: ScaleSettings) => definition.training(settings),
    architecture: (training: T, inputSize: number) => definition.architecture(training, inputSize),
    cacheLocation,
    isCached: (images: Matrix, training: T, validation: Matrix | undefined) => existsSync(path.join(cacheLocation(images, training, validation).dir, MODEL_JSON)),
    status: (images: Matrix, training: T, validation: Matrix | undefined, options: { cacheDir?: string } = {}) =>
      modelCacheStatus(model, images, { ...modelOptions(training), ...(validation ? { validation } : {}), ...options }),
    loadOrTrain: (images: Matrix, training: T, options: CacheOptions) => loadOrTrainModel(model, images, { ...modelOptions(training), ...options }),
    fromCheckpoint: async (images: Matrix, training: T, validation: Matrix | undefined, options: { cacheDir?: string } = {}) => {
      const created = model.create(modelOptions(training));
      try {
        const info = await created.buildFromCheckpoint(cacheLocation(images, training, validation, options.cacheDir).runDir);
        return { model: created, info };
      } catch (err) {
        created.dispose();
        throw err;
      }
    },
  });
}

/**
 * The settings recorded with a run on an autoencoder's codes, in this order: `ae.epochs`,
 * `ae.batchSize`, `ae.learningRate`, `ae.seed`, then `ae.architecture` (an autoencoder other than
 * the report's) and `ae.interruptedAt` (a partly trained one) when given; both make a run a variant.
 */
export function autoencoderSettings(
  training: AutoencoderTraining,
  model: { readonly architecture?: string; readonly interruptedAt?: { readonly epoch: number; readonly batch: number } } = {},
): Record<string, string | number> {
  return {
    'ae.epochs': training.epochs,
    'ae.batchSize': training.batchSize,
    'ae.learningRate': training.learningRate,
    'ae.seed': training.seed,
    ...(model.architecture ? { 'ae.architecture': model.architecture } : {}),
    ...(model.interruptedAt ? { 'ae.interruptedAt': `epoch ${model.interruptedAt.epoch}, batch ${model.interruptedAt.batch}` } : {}),
  };
}
