import type { LayersModel, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { FlatAdam } from '../tf/flat-adam.js';
import type { Matrix } from '../util/matrix.js';
import { createRandom, permutation } from '../util/random.js';
import { checkFiniteMatrix, checkInteger, checkMatrix, checkNumber, NotFittedError } from '../util/validate.js';
import {
  buildAutoencoderWith,
  resolveArchitecture,
  splitAutoencoderWith,
  type Architecture,
  type ArchitectureOptions,
} from './architecture.js';
import { loadModelWith, ModelFileError, readModelArtifacts, saveModel, type ReadModelOptions } from './io.js';
import type { ProgressCallback } from './progress.js';

/** Early stopping: stop when the monitored loss has not improved for `patience` epochs. */
export interface EarlyStoppingOptions {
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest decrease that counts as an improvement. Default `0`. */
  minDelta?: number;
  /** `valLoss` (default when there is validation data) or `loss`. */
  monitor?: 'valLoss' | 'loss';
  /** Put back the weights of the best epoch when stopping or at the end. Default `true`. */
  restoreBestWeights?: boolean;
}

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

/** One epoch of training history. */
export interface EpochRecord {
  /** 1-based epoch. */
  readonly epoch: number;
  /** Mean training binary cross-entropy per pixel over the epoch's batches. */
  readonly loss: number;
  /** Binary cross-entropy per pixel on the validation data (absent without validation). */
  readonly valLoss?: number;
  /** Wall time of the epoch (training + validation). */
  readonly seconds: number;
}

/** Options of {@link ConvAutoencoder.fit}. */
export interface AutoencoderFitOptions {
  /** Validation images (N×784, 0..1), e.g. the test split. Overrides `validationSplit`. */
  validation?: Matrix;
  /** Called after every batch and every epoch; see {@link progressPrinter} for a ready-made one. */
  onProgress?: ProgressCallback;
  /**
   * Stops training at the end of the current batch when aborted (e.g. by the kernel's interrupt,
   * see `withInterruptSignal`): `fit` then returns normally with the weights so far and
   * {@link ConvAutoencoder.interruptedAt} set.
   */
  signal?: AbortSignal;
}

/** Clip for log(p) in the loss, as Keras' `epsilon()`. */
const EPSILON = 1e-7;
/** Images per forward pass in encode/decode/reconstruct/validation. */
const INFERENCE_BATCH = 1000;

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
  private interruption: { epoch: number; batch: number; batches: number } | undefined;

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
    const { architecture, epochs, batchSize, validationSplit } = this.options;
    const pixels = architecture.inputShape[0] * architecture.inputShape[1] * architecture.inputShape[2];
    checkImages('images', images, pixels);
    let train = images;
    let validation = fitOptions.validation;
    if (validation !== undefined) {
      checkImages('validation', validation, pixels);
    } else if (validationSplit > 0) {
      const nVal = Math.floor(images.rows * validationSplit);
      const nTrain = images.rows - nVal;
      if (nVal < 1 || nTrain < 1) {
        throw new RangeError(
          `validationSplit = ${validationSplit} of ${images.rows} images leaves ${nTrain} for training and ${nVal} for validation; both need at least one.`,
        );
      }
      train = { data: images.data.subarray(0, nTrain * pixels), rows: nTrain, cols: pixels };
      validation = { data: images.data.subarray(nTrain * pixels), rows: nVal, cols: pixels };
    }
    await this.build();
    const tf = this.tf!;
    const { autoencoder } = this.models!;
    // tf.train.adam's update on all weights at once: far fewer ops per step (see FlatAdam).
    this.optimizer ??= new FlatAdam(tf, this.options.learningRate, 0.9, 0.999, EPSILON);
    // Each epoch's order depends only on (seed, epoch), so training resumed after load() sees
    // the same batches as uninterrupted training.
    const shuffleBase = createRandom(this.options.seed).fork().int(2 ** 31);
    const optimizer = this.optimizer;
    const varList = autoencoder.trainableWeights.map((w) => w.read() as Variable);
    const [h, w, c] = architecture.inputShape;
    const n = train.rows;
    const batches = Math.ceil(n / batchSize);
    const es = this.options.earlyStopping;
    const monitor = es ? (es.monitor === 'valLoss' && validation === undefined ? 'loss' : es.monitor) : 'loss';
    let bestWeights: Tensor[] | undefined;
    let bestEpoch = 0;
    let best: number | undefined;
    let wait = 0;
    this.stopped = false;
    this.interruption = undefined;
    const signal = fitOptions.signal;

    const fitStart = performance.now();
    let batchesDone = 0;
    const firstEpoch = this.epochs.length + 1;
    const lastEpoch = this.epochs.length + epochs;
    try {
      for (let epoch = firstEpoch; epoch <= lastEpoch; epoch++) {
        const epochStart = performance.now();
        const order = permutation(n, createRandom((shuffleBase ^ Math.imul(epoch, 0x9e3779b9)) | 0));
        let lossSum = 0;
        let seen = 0;
        for (let b = 0; b < batches; b++) {
          const start = b * batchSize;
          const size = Math.min(batchSize, n - start);
          const buf = new Float32Array(size * pixels);
          for (let k = 0; k < size; k++) {
            const i = order[start + k]!;
            buf.set(train.data.subarray(i * pixels, (i + 1) * pixels), k * pixels);
          }
          const x = tf.tensor4d(buf, [size, h, w, c]);
          let cost: Scalar | null = null;
          let batchLoss: number;
          try {
            cost = optimizer.minimize(() => trainingLoss(tf, autoencoder.apply(x, { training: true }) as Tensor, x), true, varList);
            batchLoss = (await cost!.data())[0]!;
          } finally {
            x.dispose();
            cost?.dispose();
          }
          if (!Number.isFinite(batchLoss)) {
            throw new Error(`Training diverged: the loss of epoch ${epoch}, batch ${b + 1} is ${batchLoss}. Try a smaller learningRate.`);
          }
          lossSum += batchLoss * size;
          seen += size;
          batchesDone++;
          if (fitOptions.onProgress) {
            const now = performance.now();
            const perBatch = (now - fitStart) / 1000 / batchesDone;
            fitOptions.onProgress({
              phase: 'batch', epoch, epochs: lastEpoch, batch: b + 1, batches, loss: lossSum / seen, batchLoss,
              epochSeconds: (now - epochStart) / 1000, elapsedSeconds: (now - fitStart) / 1000,
              etaSeconds: perBatch * ((lastEpoch - epoch) * batches + (batches - b - 1)),
              imagesPerSecond: seen / ((now - epochStart) / 1000),
            });
          }
          if (signal) {
            // Let a pending SIGINT handler run (signals are delivered between macrotasks).
            await new Promise<void>((resolve) => setImmediate(resolve));
            if (signal.aborted) {
              this.interruption = { epoch, batch: b + 1, batches };
              break;
            }
          }
        }
        if (this.interruption) {
          // A partial epoch is recorded so the history shows how far training got.
          this.epochs.push({ epoch, loss: lossSum / seen, seconds: (performance.now() - epochStart) / 1000 });
          break;
        }
        const valLoss = validation ? this.lossOn(validation) : undefined;
        const seconds = (performance.now() - epochStart) / 1000;
        const record: EpochRecord = valLoss === undefined ? { epoch, loss: lossSum / seen, seconds } : { epoch, loss: lossSum / seen, valLoss, seconds };
        this.epochs.push(record);

        let stop = false;
        if (es) {
          const current = monitor === 'valLoss' ? valLoss! : record.loss;
          if (best === undefined || best - current > es.minDelta) {
            best = current;
            bestEpoch = epoch;
            wait = 0;
            if (es.restoreBestWeights) {
              bestWeights?.forEach((t) => t.dispose());
              bestWeights = autoencoder.getWeights().map((t) => t.clone());
            }
          } else if (++wait >= es.patience) {
            stop = true;
          }
        }
        if (fitOptions.onProgress) {
          const now = performance.now();
          const perBatch = (now - fitStart) / 1000 / batchesDone;
          fitOptions.onProgress({
            phase: 'epoch', epoch, epochs: lastEpoch, batch: batches, batches, loss: record.loss, batchLoss: record.loss,
            ...(valLoss === undefined ? {} : { valLoss }),
            epochSeconds: seconds, elapsedSeconds: (now - fitStart) / 1000,
            etaSeconds: stop ? 0 : perBatch * (lastEpoch - epoch) * batches,
            imagesPerSecond: n / seconds,
          });
        }
        if (stop) { this.stopped = true; break; }
      }
      if (bestWeights && bestEpoch !== this.epochs.length) autoencoder.setWeights(bestWeights);
    } finally {
      bestWeights?.forEach((t) => t.dispose());
    }
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
  get interruptedAt(): { readonly epoch: number; readonly batch: number; readonly batches: number } | undefined {
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
    return this.runBatched(encoder, images, [...this.options.architecture.inputShape], codeSize);
  }

  /**
   * Images (N × 784) decoded from codes (N × codeSize).
   * @throws NotFittedError before fit/build/load; RangeError for codes of the wrong width.
   */
  decode(codes: Matrix): Matrix {
    const { decoder, codeSize } = this.built();
    checkMatrix('codes', codes, { cols: codeSize, colsWhat: 'the code size', minRows: 1 });
    checkFiniteMatrix('codes', codes);
    return this.runBatched(decoder, codes, [codeSize], this.pixels());
  }

  /**
   * Reconstructions of `images` (N × 784, 0..1) through the whole autoencoder.
   * @throws like {@link encode}.
   */
  reconstruct(images: Matrix): Matrix {
    const { autoencoder } = this.built();
    checkImages('images', images, this.pixels());
    return this.runBatched(autoencoder, images, [...this.options.architecture.inputShape], this.pixels());
  }

  /**
   * Mean binary cross-entropy per pixel between `images` and their reconstructions (the
   * training loss; `valLoss` when given the validation data).
   */
  evaluate(images: Matrix): number {
    this.built();
    checkImages('images', images, this.pixels());
    return this.lossOn(images);
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

  private runBatched(model: LayersModel, input: Matrix, inShape: number[], outCols: number): Matrix {
    const tf = this.tf!;
    const out = new Float32Array(input.rows * outCols);
    for (let start = 0; start < input.rows; start += INFERENCE_BATCH) {
      const size = Math.min(INFERENCE_BATCH, input.rows - start);
      const y = tf.tidy(() => {
        const x = tf.tensor(input.data.slice(start * input.cols, (start + size) * input.cols), [size, ...inShape]);
        return model.apply(x, { training: false }) as Tensor;
      });
      try {
        out.set(y.dataSync() as Float32Array, start * outCols);
      } finally {
        y.dispose();
      }
    }
    return { data: out, rows: input.rows, cols: outCols };
  }

  private lossOn(images: Matrix): number {
    const tf = this.tf!;
    const { autoencoder } = this.models!;
    const [h, w, c] = this.options.architecture.inputShape;
    let sum = 0;
    for (let start = 0; start < images.rows; start += INFERENCE_BATCH) {
      const size = Math.min(INFERENCE_BATCH, images.rows - start);
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(images.data.slice(start * images.cols, (start + size) * images.cols), [size, h, w, c]);
        return binaryCrossEntropy(tf, autoencoder.apply(x, { training: false }) as Tensor, x);
      });
      try {
        sum += loss.dataSync()[0]! * size;
      } finally {
        loss.dispose();
      }
    }
    return sum / images.rows;
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
  let earlyStopping: Required<EarlyStoppingOptions> | null = null;
  if (o.earlyStopping) {
    const e = o.earlyStopping;
    checkInteger('earlyStopping.patience', e.patience, 1);
    const minDelta = e.minDelta ?? 0;
    checkNumber('earlyStopping.minDelta', minDelta, 0);
    const monitor = e.monitor ?? 'valLoss';
    if (monitor !== 'valLoss' && monitor !== 'loss') {
      throw new RangeError(`earlyStopping.monitor must be 'valLoss' or 'loss', got '${String(monitor)}'.`);
    }
    earlyStopping = { patience: e.patience, minDelta, monitor, restoreBestWeights: e.restoreBestWeights ?? true };
  }
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

/**
 * Checks an image matrix, the same way for every entry point (fit, validation, evaluate, encode,
 * reconstruct): a Matrix ({@link checkMatrix}) with `pixels` columns and at least one row; with
 * `strict` (the default), every value finite and in [0, 1] (the model was trained on 0..1 pixels;
 * binary cross-entropy needs targets in 0..1).
 */
function checkImages(name: string, x: Matrix, pixels: number, strict = true): void {
  checkMatrix(name, x, { cols: pixels, colsWhat: 'one image per row', minRows: 1 });
  if (!strict) return;
  const d = x.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    if (!(v >= 0 && v <= 1)) {
      throw new RangeError(
        `${name} has value ${v} at row ${Math.floor(i / pixels)}, column ${i % pixels}; pixels must be in 0..1 ` +
          (v > 1 && v <= 255 ? '(these look like 0..255 values: divide by 255, as loadFashionMnist does).' : '(divide 0..255 values by 255, as loadFashionMnist does; NaN/Infinity are not pixels).'),
      );
    }
  }
}
