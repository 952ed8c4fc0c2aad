import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import {
  buildDenseAutoencoderWith,
  denseArchitectureName,
  resolveDenseArchitecture,
  splitDenseAutoencoderWith,
  type DenseArchitecture,
  type DenseArchitectureOptions,
} from './dense-architecture.js';
import { loadModelWith, ModelFileError, readModelArtifacts, type ReadModelOptions } from './io.js';
import type { CompiledLoss } from './compiled-step.js';
import type { EpochRecord, LossFunction } from './training.js';
import { AutoencoderEstimator, resolveTrainingOptions, type AutoencoderViews, type ResolvedTrainingOptions, type TrainingOptions } from './estimator.js';

/**
 * Options of {@link DenseAutoencoder}: the training options (defaults
 * {@link DENSE_AUTOENCODER_DEFAULTS}: N2D's batch 256 and Adam 0.001; 1000 epochs, far more than a
 * 2-core machine trains in an hour) and the architecture options ({@link DenseArchitectureOptions}).
 */
export interface DenseAutoencoderOptions extends DenseArchitectureOptions, TrainingOptions {}

/** {@link DenseAutoencoderOptions} with defaults filled in. */
export interface ResolvedDenseAutoencoderOptions extends ResolvedTrainingOptions {
  readonly architecture: DenseArchitecture;
}

/** The defaults: N2D's training settings (Adam 0.001, batch 256, 1000 epochs). */
export const DENSE_AUTOENCODER_DEFAULTS: Readonly<Required<TrainingOptions>> = Object.freeze({
  epochs: 1000,
  batchSize: 256,
  learningRate: 0.001,
  seed: 0,
  validationSplit: 0,
  earlyStopping: null,
  augmentation: null,
});

/** Fills in defaults and validates. @throws RangeError/TypeError naming the bad option. */
export function resolveDenseAutoencoderOptions(options: DenseAutoencoderOptions = {}): ResolvedDenseAutoencoderOptions {
  return { ...resolveTrainingOptions(options, DENSE_AUTOENCODER_DEFAULTS), architecture: resolveDenseArchitecture(options) };
}

/** Mean squared error over every value (Keras' `mse` averaged over the batch): N2D's loss. */
export function meanSquaredError(tf: TF, p: Tensor, y: Tensor): Scalar {
  return tf.mean(tf.squaredDifference(p, y)) as Scalar;
}

/**
 * N2D's dense autoencoder as an estimator: `fit` trains it with Adam on the mean squared error
 * between images and reconstructions; `encode` gives the 10-value codes N2D clusters (through
 * UMAP and a Gaussian mixture). Same training loop, optimizer, progress, interrupt and file
 * format as {@link ConvAutoencoder}; seeded the same way.
 *
 * @example
 * const ae = new DenseAutoencoder({ epochs: 40, seed: 0 });
 * await ae.fit(train.images, { validation: test.images, onProgress: progressPrinter() });
 * const codes = ae.encode(test.images); // Matrix 10000 × 10
 */
export class DenseAutoencoder extends AutoencoderEstimator<ResolvedDenseAutoencoderOptions> {
  /**
   * Stores the options (validated); nothing is built until {@link fit} or {@link build}.
   * @throws RangeError for an invalid option, naming it with the expected and actual value.
   */
  constructor(options: DenseAutoencoderOptions = {}) {
    super(resolveDenseAutoencoderOptions(options));
  }

  /** `784-500-500-2000-10`. */
  get architectureName(): string { return denseArchitectureName(this.options.architecture); }

  protected get kind(): string { return 'DenseAutoencoder'; }
  /** Mean squared error per value (N2D's loss), for training and evaluation. */
  protected get trainingLoss(): LossFunction { return meanSquaredError; }
  protected get evaluationLoss(): LossFunction { return meanSquaredError; }
  protected get compiledLoss(): CompiledLoss { return 'meanSquaredError'; }

  protected sampleShape(): number[] {
    return [this.options.architecture.inputSize];
  }

  protected buildModels(tf: TF): AutoencoderViews {
    return buildDenseAutoencoderWith(tf, this.options.architecture, this.options.seed);
  }

  /**
   * Loads a dense autoencoder saved by {@link save}. The optimizer state is not saved: `fit` on a
   * loaded model starts a fresh Adam (the batch order continues where the saved history ended).
   * @throws ModelFileError for missing, corrupt or damaged files, or a folder holding another kind of model.
   */
  static async load(dir: string, options: ReadModelOptions = {}): Promise<DenseAutoencoder> {
    const { tf } = await initBackend();
    const { artifacts, userDefinedMetadata } = await readModelArtifacts(dir, options);
    const meta = userDefinedMetadata?.['fmnistCluster'] as { kind?: string; options?: ResolvedDenseAutoencoderOptions; history?: EpochRecord[] } | undefined;
    if (meta?.kind !== 'DenseAutoencoder' || !meta.options) {
      throw new ModelFileError(
        `${dir} does not hold a DenseAutoencoder saved by this package (its model.json records kind '${String(meta?.kind ?? 'none')}'). ` +
          (meta?.kind === 'ConvAutoencoder' ? 'Load it with ConvAutoencoder.load(dir).' : 'Load it with loadModel(dir) instead.'),
        dir,
      );
    }
    const model = await loadModelWith(tf, artifacts, dir);
    let ae: DenseAutoencoder;
    try {
      const saved = meta.options;
      ae = new DenseAutoencoder({ ...saved, ...saved.architecture, earlyStopping: saved.earlyStopping });
      const parts = splitDenseAutoencoderWith(tf, model);
      const built = [model.inputs[0]!.shape[1], ...model.layers.filter((l) => l.name.startsWith('encoder_')).map((l) => (l.outputShape as number[])[1])];
      const recorded = [ae.options.architecture.inputSize, ...ae.options.architecture.hiddenSizes, ae.options.architecture.codeSize];
      if (built.join('-') !== recorded.join('-')) {
        throw new Error(`its layers are ${built.join('-')}, its options say ${recorded.join('-')}.`);
      }
      ae.adopt(tf, { autoencoder: model, ...parts }, meta.history);
    } catch (err) {
      model.dispose();
      throw new ModelFileError(`${dir} holds a model that does not match its recorded DenseAutoencoder options: ${(err as Error).message}`, dir);
    }
    return ae;
  }

}
