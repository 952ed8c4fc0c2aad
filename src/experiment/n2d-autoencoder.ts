import { DEFAULT_DENSE_ARCHITECTURE, denseArchitectureName, resolveDenseArchitecture } from '../models/dense-architecture.js';
import { DENSE_AUTOENCODER_DEFAULTS, type DenseAutoencoderOptions } from '../models/dense-autoencoder.js';
import { DENSE_AUTOENCODER_KIND } from '../models/cache.js';
import { resolveAugmentation, type ShiftAugmentation } from '../models/augmentation.js';
import { defineAutoencoder, type AutoencoderTraining } from './autoencoders.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/**
 * Training of N2D's dense autoencoder: {@link AutoencoderTraining} with `kind: 'dense'`, its layer
 * widths and, optionally, shift augmentation during pre-training.
 * @example const shifted: DenseAutoencoderTraining = { ...n2dDenseTraining(settings), augmentation: { maxShift: 2 } };
 */
export interface DenseAutoencoderTraining extends AutoencoderTraining {
  readonly kind: 'dense';
  readonly hiddenSizes: readonly number[];
  readonly codeSize: number;
  /**
   * Shift each training image by up to `maxShift` (1..4) pixels along x and y (the model's
   * `augmentation` option). Absent (the default): no augmentation, and the cache key is the one
   * of a training without this field. Runs on the codes then record it in `ae.architecture`.
   */
  readonly augmentation?: ShiftAugmentation;
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
 * N2D's dense autoencoder training at a scale: `DENSE_AUTOENCODER_DEFAULTS` (batch 256, Adam 0.001,
 * seed 0) and `DEFAULT_DENSE_ARCHITECTURE` (d-500-500-2000-10; src/models), with
 * {@link DENSE_AUTOENCODER_FULL_EPOCHS} epochs at `full` and the scale's epochs (2) at `smoke`.
 * @example
 * n2dDenseTraining(scaleSettings('smoke')) // { kind: 'dense', epochs: 2, batchSize: 256, learningRate: 0.001, seed: 0, hiddenSizes: [500, 500, 2000], codeSize: 10 }
 */
export function n2dDenseTraining(settings: ScaleSettings = scaleSettings()): DenseAutoencoderTraining {
  const { batchSize, learningRate, seed } = DENSE_AUTOENCODER_DEFAULTS;
  return {
    kind: 'dense',
    epochs: settings.scale === 'full' ? DENSE_AUTOENCODER_FULL_EPOCHS : settings.epochs,
    batchSize,
    learningRate,
    seed,
    hiddenSizes: [...DEFAULT_DENSE_ARCHITECTURE.hiddenSizes],
    codeSize: DEFAULT_DENSE_ARCHITECTURE.codeSize,
  };
}

/**
 * How runs on this model's codes are labelled (`ae.architecture`, a setting that always makes a
 * run a variant): `dense 784-500-500-2000-10`, and with augmentation `dense 784-500-500-2000-10,
 * shifts ±2 px`, so runs on codes of an augmented training are a variant apart from the plain one.
 * @throws RangeError for a bad `augmentation.maxShift` (as the model's option).
 * @example denseArchitectureLabel({ ...n2dDenseTraining(), augmentation: { maxShift: 2 } }) // 'dense 784-500-500-2000-10, shifts ±2 px'
 */
export function denseArchitectureLabel(training: Pick<DenseAutoencoderTraining, 'hiddenSizes' | 'codeSize' | 'augmentation'>, inputSize = 784): string {
  const name = `dense ${denseArchitectureName(resolveDenseArchitecture({ inputSize, hiddenSizes: training.hiddenSizes, codeSize: training.codeSize }))}`;
  const augmentation = resolveAugmentation(training.augmentation);
  return augmentation ? `${name}, shifts ±${augmentation.maxShift} px` : name;
}

/**
 * N2D's dense autoencoder (`DenseAutoencoder`, cache keys `dense-ae-…`, codes in the artifacts
 * `dense-codes-train` / `dense-codes-test`). Runs on its codes record `ae.architecture`, so they are
 * variants of every named setting.
 */
export const N2D_DENSE_AUTOENCODER = defineAutoencoder({
  kind: 'dense',
  codesArtifact: 'dense-codes',
  model: DENSE_AUTOENCODER_KIND,
  modelOptions: (t: DenseAutoencoderTraining): DenseAutoencoderOptions => ({
    epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, seed: t.seed, hiddenSizes: t.hiddenSizes, codeSize: t.codeSize,
    // Only when set: the options (and so the cache keys) of trainings without it are unchanged.
    ...(t.augmentation ? { augmentation: t.augmentation } : {}),
  }),
  training: n2dDenseTraining,
  architecture: (t: DenseAutoencoderTraining, inputSize: number) => denseArchitectureLabel(t, inputSize),
});
