import type { LayersModel, Scalar, Tensor } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { FlatAdam } from '../tf/flat-adam.js';
import type { Matrix } from '../util/matrix.js';
import { checkFiniteMatrix, checkInteger, checkMatrix, checkNumber, NotFittedError } from '../util/validate.js';
import {
  buildAutoencoderWith,
  resolveArchitecture,
  splitAutoencoderWith,
  type Architecture,
  type ArchitectureOptions,
} from './architecture.js';
import { loadModelWith, ModelFileError, readModelArtifacts, saveModel, type ReadModelOptions } from './io.js';
import {
  checkImages,
  meanLoss,
  resolveEarlyStopping,
  runBatched,
  splitValidation,
  trainEpochs,
  type AutoencoderFitOptions,
  type EarlyStoppingOptions,
  type EpochRecord,
  type Interruption,
} from './training.js';

/** Options of {@link ConvAutoencoder}. Architecture options: see {@link ArchitectureOptions}. */
export interface ConvAutoencoderOptions extends ArchitectureOptions {
  /** Training epochs. Default `50` (the report's setting). */
  epochs?: number;
  /** Images per training batch. Default `128`. */
  batchSize?: number;
  /** Adam learning rate (β1 0.9, β2 0.999, ε 1e-7 as in Keras). Default `0.001`. */
  learningRate?: number;
  /** Seed of the weight initialisation and of the per-epoch shuffles. Default `0`. */
  seed?: number;
  /**
   * Fraction of the training images, taken from the end as Keras does, held out for validation
   * when `fit` gets no `validation` matrix. Default `0` (no validation).
   */
  validationSplit?: number;
  /** Stop early when the loss stops improving. Default `null` (train all epochs). */
  earlyStopping?: EarlyStoppingOptions | null;
}

/** {@link ConvAutoencoderOptions} with defaults filled in. */
export interface ResolvedAutoencoderOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly validationSplit: number;
  readonly earlyStopping: Required<EarlyStoppingOptions> | null;
  readonly architecture: Architecture;
}

/** The defaults: the report's training settings. */
export const AUTOENCODER_DEFAULTS = Object.freeze({
  epochs: 50,
  batchSize: 128,
  learningRate: 0.001,
  seed: 0,
  validationSplit: 0,
  earlyStopping: null,
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
export class ConvAutoencoder {
  /** The options, with defaults filled in. */
  readonly options: ResolvedAutoencoderOptions;
  private tf?: TF;
  private models?: { autoencoder: LayersModel; encoder: LayersModel; decoder: LayersModel; codeSize: number };
  private optimizer?: FlatAdam;
  private readonly epochs: EpochRecord[] = [];
  private stopped = false;
  private interruption: Interruption | undefined;

  /**
   * Stores the options (validated); nothing is built until {@link fit} or {@link build}.
   * @throws RangeError for an invalid option, naming it with the expected and actual value.
   */
  constructor(options: ConvAutoencoderOptions = {}) {
    this.options = resolveAutoencoderOptions(options);
  }

  /**
   * Builds the model with its seeded initial weights, without training (done by `fit`
   * automatically). Useful to encode with untrained weights, e.g. for timing.
   */
  async build(): Promise<this> {
    if (this.models) return this;
    const { tf } = await initBackend();
    this.tf = tf;
    const built = buildAutoencoderWith(tf, { ...this.options.architecture, seed: this.options.seed });
    this.models = built;
    return this;
  }

  /**
   * Trains on `images` (N × 784 Matrix with values in 0..1) for `epochs` epochs (or until early
   * stopping). Calling `fit` again continues training the same weights with the same optimizer.
   * @returns this; the per-epoch losses are in {@link history}.
   * @throws RangeError when images are not N × (h·w·c), contain values outside 0..1 or NaN, or
   *   when there are no training images left after the validation split.
   */
  async fit(images: Matrix, fitOptions: AutoencoderFitOptions = {}): Promise<this> {
    const { architecture, validationSplit } = this.options;
    const { train, validation } = splitValidation(images, this.pixels(), validationSplit, fitOptions.validation);
    await this.build();
    const tf = this.tf!;
    // tf.train.adam's update on all weights at once: far fewer ops per step (see FlatAdam).
    this.optimizer ??= new FlatAdam(tf, this.options.learningRate, 0.9, 0.999, EPSILON);
    this.stopped = false;
    this.interruption = undefined;
    const { stoppedEarly, interruption } = await trainEpochs({
      tf, model: this.models!.autoencoder, optimizer: this.optimizer,
      trainingLoss, evaluationLoss: binaryCrossEntropy,
      sampleShape: [...architecture.inputShape], train, validation,
      epochs: this.options.epochs, batchSize: this.options.batchSize, seed: this.options.seed,
      earlyStopping: this.options.earlyStopping, history: this.epochs,
      onProgress: fitOptions.onProgress, signal: fitOptions.signal,
    });
    this.stopped = stoppedEarly;
    this.interruption = interruption;
    return this;
  }

  /** Per-epoch history of all `fit` calls: `{ epoch, loss, valLoss?, seconds }`. */
  get history(): readonly EpochRecord[] {
    return this.epochs;
  }

  /** True when the last `fit` stopped early. */
  get stoppedEarly(): boolean {
    return this.stopped;
  }

  /**
   * Where the last `fit` was interrupted through its `signal` (epoch, batch within it), or
   * `undefined` when it ran to the end. An interrupted model keeps the weights it had reached.
   */
  get interruptedAt(): Interruption | undefined {
    return this.interruption;
  }

  /** Length of a code (128 for the report's model). @throws NotFittedError before fit/build/load. */
  get codeSize(): number {
    return this.built().codeSize;
  }

  /** The trained image → reconstruction model. @throws NotFittedError before fit/build/load. */
  get autoencoder(): LayersModel { return this.built().autoencoder; }
  /** Image → code, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get encoder(): LayersModel { return this.built().encoder; }
  /** Code → reconstruction, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get decoder(): LayersModel { return this.built().decoder; }

  /**
   * Codes of `images` (N × 784, 0..1) as an N × {@link codeSize} Matrix; computed in batches,
   * no tensors left behind. Input is checked like `fit`'s: 0..255 pixels or NaN are refused.
   * @throws NotFittedError before fit/build/load; TypeError for a non-Matrix (or Float64Array
   *   data); RangeError for badly shaped images or values outside 0..1.
   */
  encode(images: Matrix): Matrix {
    const { encoder, codeSize } = this.built();
    checkImages('images', images, this.pixels());
    return runBatched(this.tf!, encoder, images, [...this.options.architecture.inputShape], codeSize);
  }

  /**
   * Images (N × 784) decoded from codes (N × codeSize).
   * @throws NotFittedError before fit/build/load; RangeError for codes of the wrong width.
   */
  decode(codes: Matrix): Matrix {
    const { decoder, codeSize } = this.built();
    checkMatrix('codes', codes, { cols: codeSize, colsWhat: 'the code size', minRows: 1 });
    checkFiniteMatrix('codes', codes);
    return runBatched(this.tf!, decoder, codes, [codeSize], this.pixels());
  }

  /**
   * Reconstructions of `images` (N × 784, 0..1) through the whole autoencoder.
   * @throws like {@link encode}.
   */
  reconstruct(images: Matrix): Matrix {
    const { autoencoder } = this.built();
    checkImages('images', images, this.pixels());
    return runBatched(this.tf!, autoencoder, images, [...this.options.architecture.inputShape], this.pixels());
  }

  /**
   * Mean binary cross-entropy per pixel between `images` and their reconstructions (the
   * training loss; `valLoss` when given the validation data).
   */
  evaluate(images: Matrix): number {
    this.built();
    checkImages('images', images, this.pixels());
    return meanLoss(this.tf!, this.built().autoencoder, images, [...this.options.architecture.inputShape], binaryCrossEntropy);
  }

  /**
   * Saves the trained autoencoder in the standard TF.js format (model.json + weights.bin,
   * loadable by tfjs-node's `file://` loader), atomically; options and history go into
   * model.json's `userDefinedMetadata`.
   */
  async save(dir: string, extraFiles?: Record<string, string | Uint8Array>): Promise<void> {
    const { autoencoder } = this.built();
    await saveModel(autoencoder, dir, {
      userDefinedMetadata: { fmnistCluster: { kind: 'ConvAutoencoder', formatVersion: 1, options: this.options, history: this.epochs } },
      ...(extraFiles ? { extraFiles } : {}),
    });
  }

  /**
   * Loads an autoencoder saved by {@link save} (or any layers model of this shape saved by
   * TF.js/tfjs-node; its options are then the defaults with the input shape read from the model).
   * The optimizer state is not saved: `fit` on a loaded model starts a fresh Adam (the batch
   * order continues where the saved history ended).
   * Leftovers of an interrupted save are recovered first (reported through `options.onNotice`).
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
    const { encoder, decoder, codeSize } = parts;
    ae.tf = tf;
    ae.models = { autoencoder: model, encoder, decoder, codeSize };
    if (meta?.history) ae.epochs.push(...meta.history);
    return ae;
  }

  /** Frees the weights and optimizer state; the instance cannot be used afterwards. */
  dispose(): void {
    if (this.models) {
      for (const w of this.models.autoencoder.weights) w.dispose();
      this.models = undefined;
    }
    this.optimizer?.dispose();
    this.optimizer = undefined;
  }

  private built(): NonNullable<ConvAutoencoder['models']> {
    if (!this.models) throw new NotFittedError('ConvAutoencoder');
    return this.models;
  }

  private pixels(): number {
    const [h, w, c] = this.options.architecture.inputShape;
    return h * w * c;
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
  const o = { ...AUTOENCODER_DEFAULTS, ...options };
  checkInteger('epochs', o.epochs, 1);
  checkInteger('batchSize', o.batchSize, 1);
  checkNumber('learningRate', o.learningRate, Number.MIN_VALUE, 10);
  checkNumber('seed', o.seed);
  checkNumber('validationSplit', o.validationSplit, 0, 0.99);
  const earlyStopping = resolveEarlyStopping(o.earlyStopping);
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    validationSplit: o.validationSplit,
    earlyStopping,
    architecture: resolveArchitecture(options),
  };
}
