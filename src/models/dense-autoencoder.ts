import type { LayersModel, Scalar, Tensor } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { FlatAdam } from '../tf/flat-adam.js';
import type { Matrix } from '../util/matrix.js';
import { checkFiniteMatrix, checkInteger, checkMatrix, checkNumber, NotFittedError } from '../util/validate.js';
import {
  buildDenseAutoencoderWith,
  denseArchitectureName,
  resolveDenseArchitecture,
  splitDenseAutoencoderWith,
  type DenseArchitecture,
  type DenseArchitectureOptions,
  type DenseModels,
} from './dense-architecture.js';
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

/** Options of {@link DenseAutoencoder}. Architecture options: see {@link DenseArchitectureOptions}. */
export interface DenseAutoencoderOptions extends DenseArchitectureOptions {
  /** Training epochs. Default `1000` (N2D's pretraining; far more than a 2-core machine trains in an hour). */
  epochs?: number;
  /** Images per training batch. Default `256` (N2D's). */
  batchSize?: number;
  /** Adam learning rate (β1 0.9, β2 0.999, ε 1e-7 as in Keras). Default `0.001`. */
  learningRate?: number;
  /** Seed of the weight initialisation and of the per-epoch shuffles. Default `0`. */
  seed?: number;
  /** Fraction of the images, taken from the end as Keras does, held out for validation when `fit` gets no `validation`. Default `0`. */
  validationSplit?: number;
  /** Stop early when the loss stops improving. Default `null` (train all epochs). */
  earlyStopping?: EarlyStoppingOptions | null;
}

/** {@link DenseAutoencoderOptions} with defaults filled in. */
export interface ResolvedDenseAutoencoderOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly validationSplit: number;
  readonly earlyStopping: Required<EarlyStoppingOptions> | null;
  readonly architecture: DenseArchitecture;
}

/** The defaults: N2D's training settings (Adam 0.001, batch 256, 1000 epochs). */
export const DENSE_AUTOENCODER_DEFAULTS = Object.freeze({
  epochs: 1000,
  batchSize: 256,
  learningRate: 0.001,
  seed: 0,
  validationSplit: 0,
  earlyStopping: null,
});

/** Fills in defaults and validates. @throws RangeError/TypeError naming the bad option. */
export function resolveDenseAutoencoderOptions(options: DenseAutoencoderOptions = {}): ResolvedDenseAutoencoderOptions {
  const o = { ...DENSE_AUTOENCODER_DEFAULTS, ...options };
  checkInteger('epochs', o.epochs, 1);
  checkInteger('batchSize', o.batchSize, 1);
  checkNumber('learningRate', o.learningRate, Number.MIN_VALUE, 10);
  checkNumber('seed', o.seed);
  checkNumber('validationSplit', o.validationSplit, 0, 0.99);
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    validationSplit: o.validationSplit,
    earlyStopping: resolveEarlyStopping(o.earlyStopping),
    architecture: resolveDenseArchitecture(options),
  };
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
export class DenseAutoencoder {
  /** The options, with defaults filled in. */
  readonly options: ResolvedDenseAutoencoderOptions;
  private tf?: TF;
  private models?: DenseModels;
  private optimizer?: FlatAdam;
  private readonly epochs: EpochRecord[] = [];
  private stopped = false;
  private interruption: Interruption | undefined;

  /**
   * Stores the options (validated); nothing is built until {@link fit} or {@link build}.
   * @throws RangeError for an invalid option, naming it with the expected and actual value.
   */
  constructor(options: DenseAutoencoderOptions = {}) {
    this.options = resolveDenseAutoencoderOptions(options);
  }

  /** Builds the model with its seeded initial weights, without training (`fit` does it automatically). */
  async build(): Promise<this> {
    if (this.models) return this;
    const { tf } = await initBackend();
    this.tf = tf;
    this.models = buildDenseAutoencoderWith(tf, this.options.architecture, this.options.seed);
    return this;
  }

  /**
   * Trains on `images` (N × inputSize Matrix, values in 0..1) for `epochs` epochs (or until early
   * stopping or `signal`). Calling `fit` again continues training the same weights.
   * @throws RangeError when images are not N × inputSize, contain values outside 0..1 or NaN, or
   *   when the validation split leaves no images.
   */
  async fit(images: Matrix, fitOptions: AutoencoderFitOptions = {}): Promise<this> {
    const { architecture, validationSplit } = this.options;
    const { train, validation } = splitValidation(images, architecture.inputSize, validationSplit, fitOptions.validation);
    await this.build();
    const tf = this.tf!;
    this.optimizer ??= new FlatAdam(tf, this.options.learningRate, 0.9, 0.999, 1e-7);
    this.stopped = false;
    this.interruption = undefined;
    const { stoppedEarly, interruption } = await trainEpochs({
      tf, model: this.models!.autoencoder, optimizer: this.optimizer,
      trainingLoss: meanSquaredError, evaluationLoss: meanSquaredError,
      sampleShape: [architecture.inputSize], train, validation,
      epochs: this.options.epochs, batchSize: this.options.batchSize, seed: this.options.seed,
      earlyStopping: this.options.earlyStopping, history: this.epochs,
      onProgress: fitOptions.onProgress, signal: fitOptions.signal,
    });
    this.stopped = stoppedEarly;
    this.interruption = interruption;
    return this;
  }

  /** Per-epoch history of all `fit` calls: `{ epoch, loss, valLoss?, seconds }` (loss: MSE per value). */
  get history(): readonly EpochRecord[] { return this.epochs; }
  /** True when the last `fit` stopped early. */
  get stoppedEarly(): boolean { return this.stopped; }
  /** Where the last `fit` was interrupted through its `signal`, or `undefined`. */
  get interruptedAt(): Interruption | undefined { return this.interruption; }
  /** Length of a code (10 by default). @throws NotFittedError before fit/build/load. */
  get codeSize(): number { return this.built().codeSize; }
  /** The image → reconstruction model. @throws NotFittedError before fit/build/load. */
  get autoencoder(): LayersModel { return this.built().autoencoder; }
  /** Image → code, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get encoder(): LayersModel { return this.built().encoder; }
  /** Code → reconstruction, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get decoder(): LayersModel { return this.built().decoder; }
  /** `784-500-500-2000-10`. */
  get architectureName(): string { return denseArchitectureName(this.options.architecture); }

  /**
   * Codes of `images` (N × inputSize, 0..1) as an N × {@link codeSize} Matrix, in batches.
   * @throws NotFittedError before fit/build/load; TypeError/RangeError for bad images (as `fit`).
   */
  encode(images: Matrix): Matrix {
    const { encoder, codeSize } = this.built();
    checkImages('images', images, this.options.architecture.inputSize);
    return runBatched(this.tf!, encoder, images, [this.options.architecture.inputSize], codeSize);
  }

  /** Rows decoded from codes (N × codeSize). @throws NotFittedError; RangeError for codes of the wrong width or non-finite values. */
  decode(codes: Matrix): Matrix {
    const { decoder, codeSize } = this.built();
    checkMatrix('codes', codes, { cols: codeSize, colsWhat: 'the code size', minRows: 1 });
    checkFiniteMatrix('codes', codes);
    return runBatched(this.tf!, decoder, codes, [codeSize], this.options.architecture.inputSize);
  }

  /** Reconstructions of `images` through the whole autoencoder. @throws like {@link encode}. */
  reconstruct(images: Matrix): Matrix {
    const { autoencoder } = this.built();
    const d = this.options.architecture.inputSize;
    checkImages('images', images, d);
    return runBatched(this.tf!, autoencoder, images, [d], d);
  }

  /** Mean squared error per value between `images` and their reconstructions (the training loss). */
  evaluate(images: Matrix): number {
    const { autoencoder } = this.built();
    const d = this.options.architecture.inputSize;
    checkImages('images', images, d);
    return meanLoss(this.tf!, autoencoder, images, [d], meanSquaredError);
  }

  /**
   * Saves the trained autoencoder in the standard TF.js format (model.json + weights.bin),
   * atomically (see `saveModel`); options and history go into model.json's `userDefinedMetadata`.
   */
  async save(dir: string, extraFiles?: Record<string, string | Uint8Array>): Promise<void> {
    const { autoencoder } = this.built();
    await saveModel(autoencoder, dir, {
      userDefinedMetadata: { fmnistCluster: { kind: 'DenseAutoencoder', formatVersion: 1, options: this.options, history: this.epochs } },
      ...(extraFiles ? { extraFiles } : {}),
    });
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
      ae.tf = tf;
      ae.models = { autoencoder: model, ...parts };
    } catch (err) {
      model.dispose();
      throw new ModelFileError(`${dir} holds a model that does not match its recorded DenseAutoencoder options: ${(err as Error).message}`, dir);
    }
    if (meta.history) ae.epochs.push(...meta.history);
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

  private built(): DenseModels {
    if (!this.models) throw new NotFittedError('DenseAutoencoder');
    return this.models;
  }
}
