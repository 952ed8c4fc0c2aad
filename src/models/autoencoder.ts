import type { Scalar, Tensor } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import {
  buildAutoencoderWith,
  resolveArchitecture,
  splitAutoencoderWith,
  type Architecture,
  type ArchitectureOptions,
} from './architecture.js';
import { loadModelWith, ModelFileError, readModelArtifacts, type ReadModelOptions } from './io.js';
import type { CompiledLoss } from './compiled-step.js';
import type { EpochRecord, LossFunction } from './training.js';
import { AutoencoderEstimator, resolveTrainingOptions, type AutoencoderViews, type ResolvedTrainingOptions, type TrainingOptions } from './estimator.js';

/**
 * Options of {@link ConvAutoencoder}: the training options (defaults {@link AUTOENCODER_DEFAULTS}:
 * the report's 50 epochs, batch 128, Adam 0.001, seed 0, no validation split, no early stopping,
 * no augmentation)
 * and the architecture options ({@link ArchitectureOptions}).
 */
export interface ConvAutoencoderOptions extends ArchitectureOptions, TrainingOptions {}

/** {@link ConvAutoencoderOptions} with defaults filled in. */
export interface ResolvedAutoencoderOptions extends ResolvedTrainingOptions {
  readonly architecture: Architecture;
}

/** The defaults: the report's training settings. */
export const AUTOENCODER_DEFAULTS: Readonly<Required<TrainingOptions>> = Object.freeze({
  epochs: 50,
  batchSize: 128,
  learningRate: 0.001,
  seed: 0,
  validationSplit: 0,
  earlyStopping: null,
  augmentation: null,
});

/** Clip for log(p) in the loss, as Keras' `epsilon()`. */
const EPSILON = 1e-7;

/**
 * The report's convolutional autoencoder as an estimator: `fit` trains it with Adam on the
 * binary cross-entropy between images and reconstructions; `encode` gives the 128-value codes
 * used for clustering. Seeded: the same seed gives the same initial weights and the same batch
 * order on every run (and the same trained weights on the same backend).
 *
 * @example
 * const ae = new ConvAutoencoder({ epochs: 50, seed: 0 });
 * await ae.fit(train.images, { validation: test.images, onProgress: progressPrinter() });
 * const codes = await ae.encode(test.images); // Matrix 10000 × 128
 * console.log(ae.history.at(-1)); // { epoch: 50, loss: 0.27…, valLoss: 0.27…, seconds: … }
 */
export class ConvAutoencoder extends AutoencoderEstimator<ResolvedAutoencoderOptions> {
  /**
   * Stores the options (validated); nothing is built until {@link fit} or {@link build}.
   * @throws RangeError for an invalid option, naming it with the expected and actual value.
   */
  constructor(options: ConvAutoencoderOptions = {}) {
    super(resolveAutoencoderOptions(options));
  }

  protected get kind(): string { return 'ConvAutoencoder'; }
  protected get trainingLoss(): LossFunction { return trainingLoss; }
  /** Mean binary cross-entropy per pixel (the report's loss). */
  protected get evaluationLoss(): LossFunction { return binaryCrossEntropy; }
  protected get compiledLoss(): CompiledLoss { return 'binaryCrossEntropy'; }

  protected sampleShape(): number[] {
    return [...this.options.architecture.inputShape];
  }

  protected buildModels(tf: TF): AutoencoderViews {
    return buildAutoencoderWith(tf, { ...this.options.architecture, seed: this.options.seed });
  }

  /**
   * Loads an autoencoder saved by {@link save} (or any layers model of this shape saved by
   * TF.js/tfjs-node; its options are then the defaults with the input shape read from the model).
   * The optimizer state is not saved: `fit` on a loaded model starts a fresh Adam (the batch
   * order continues where the saved history ended).
   * Every load verifies the files against the SHA-256s recorded when they were saved (`options.trustUnverified` for files written by other tools).
   * @throws ModelFileError for missing, corrupt or damaged files (checksum, NaN weights).
   */
  static async load(dir: string, options: ReadModelOptions = {}): Promise<ConvAutoencoder> {
    const { tf } = await initBackend();
    const { artifacts, userDefinedMetadata } = await readModelArtifacts(dir, options);
    const model = await loadModelWith(tf, artifacts, dir);
    const meta = (userDefinedMetadata?.['fmnistCluster'] ?? undefined) as
      | { options?: ResolvedAutoencoderOptions; history?: EpochRecord[] }
      | undefined;
    const saved = meta?.options;
    const inShape = (model.inputs[0]!.shape.slice(1) as number[]);
    let ae: ConvAutoencoder;
    let parts: ReturnType<typeof splitAutoencoderWith>;
    try {
      ae = new ConvAutoencoder(
        saved
          ? { ...saved, ...saved.architecture, earlyStopping: saved.earlyStopping }
          : { inputShape: [inShape[0]!, inShape[1]!, inShape[2]!] as const },
      );
      parts = splitAutoencoderWith(tf, model);
    } catch (err) {
      model.dispose();
      throw new ModelFileError(
        `${dir} holds a TF.js model that is not a ConvAutoencoder of this package (input shape ${JSON.stringify(model.inputs[0]!.shape)}): ` +
          `${(err as Error).message} Load it with loadModel(dir) instead, or point to the autoencoder's folder.`,
        dir,
      );
    }
    ae.adopt(tf, { autoencoder: model, ...parts }, meta?.history);
    return ae;
  }

}

/**
 * Mean binary cross-entropy per pixel, `-mean(y·log p + (1−y)·log(1−p))` with p clipped to
 * [1e-7, 1 − 1e-7] as Keras does.
 */
export function binaryCrossEntropy(tf: TF, p: Tensor, y: Tensor): Scalar {
  const pc = tf.clipByValue(p, EPSILON, 1 - EPSILON);
  const logP = tf.log(pc);
  const log1mP = tf.log(tf.sub(1, pc));
  // y·log p + (1−y)·log(1−p) = y·(log p − log(1−p)) + log(1−p)
  return tf.neg(tf.mean(tf.add(tf.mul(y, tf.sub(logP, log1mP)), log1mP))) as Scalar;
}

const bceCache = new WeakMap<TF, (p: Tensor, y: Tensor) => Scalar>();

/**
 * The training loss: {@link binaryCrossEntropy} with a hand-written gradient, `(p − y) / max(p(1−p), 1e-7) / n`,
 * instead of differentiating through clip and both logs (a third of the ops of the autodiff
 * gradient). Inside the clip range it is the exact derivative; where the sigmoid saturates the
 * following sigmoid gradient multiplies it by p(1−p) ≈ 0, as with the clipped loss.
 */
export function trainingLoss(tf: TF, p: Tensor, y: Tensor): Scalar {
  let f = bceCache.get(tf);
  if (!f) {
    f = tf.customGrad(((pred: Tensor, target: Tensor, save: (t: Tensor[]) => void) => {
      save([pred, target]);
      return {
        value: binaryCrossEntropy(tf, pred, target),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [sp, sy] = saved as [Tensor, Tensor];
          const denom = tf.maximum(tf.mul(sp, tf.sub(1, sp)), EPSILON);
          const dp = tf.mul(tf.div(tf.sub(sp, sy), denom), tf.div(dy, sp.size));
          return [dp, tf.zerosLike(sy)];
        },
      };
    }) as unknown as Parameters<TF['customGrad']>[0]) as unknown as (p: Tensor, y: Tensor) => Scalar;
    bceCache.set(tf, f);
  }
  return f(p, y);
}

/** Fills in defaults and validates. */
export function resolveAutoencoderOptions(options: ConvAutoencoderOptions): ResolvedAutoencoderOptions {
  return { ...resolveTrainingOptions(options, AUTOENCODER_DEFAULTS), architecture: resolveArchitecture(options) };
}
