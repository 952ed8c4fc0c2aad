import type { LayersModel } from '@tensorflow/tfjs';
import { initBackend, type BackendName, type TF } from '../tf/backend.js';
import { FlatAdam } from '../tf/flat-adam.js';
import { interruptible, InterruptedError } from '../util/interrupt.js';
import type { Matrix } from '../util/matrix.js';
import { checkFiniteMatrix, checkInteger, checkMatrix, checkNumber, NotFittedError } from '../util/validate.js';
import { CompiledStep, compileTrainingStep, trainingEngine, type CompiledLoss } from './compiled-step.js';
import { DataParallelStep, trainingThreads } from './data-parallel.js';
import { ModelFileError, saveModel, type ModelNotice } from './io.js';
import { readCheckpoint, trainingRunId, writeCheckpoint, type Checkpoint, type CheckpointInfo } from './checkpoint.js';
import { sampleGrid, resolveAugmentation, type ShiftAugmentation } from './augmentation.js';
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
  type LossFunction,
  type TrainingPosition,
} from './training.js';

/** The training options of every autoencoder (each states its own defaults). */
export interface TrainingOptions {
  /** Training epochs. */
  epochs?: number;
  /** Samples per training batch. */
  batchSize?: number;
  /** Adam learning rate (β1 0.9, β2 0.999, ε 1e-7 as in Keras). */
  learningRate?: number;
  /** Seed of the weight initialisation and of the per-epoch shuffles. */
  seed?: number;
  /**
   * Fraction of the training samples, taken from the end as Keras does, held out for validation
   * when `fit` gets no `validation` matrix (0: no validation).
   */
  validationSplit?: number;
  /** Stop early when the loss stops improving (`null`: train all epochs). */
  earlyStopping?: EarlyStoppingOptions | null;
  /**
   * Shift augmentation during training: every training image of every batch is translated by
   * (dx, dy), each uniform in [-maxShift, maxShift] whole pixels (`maxShift` an integer 1..4), on its
   * square grid (784 values: 28×28), the pixels it leaves set to 0; input and reconstruction target
   * are the same shifted image. The shifts depend only on (seed, epoch, batch), so checkpointed
   * pieces still give the weights of one uninterrupted run. Validation loss, `evaluate`, `encode`
   * and `reconstruct` never shift. Part of the cache key and of a checkpoint's run when set.
   * Default `null` (off: training, cache keys and checkpoints exactly as without this option).
   * @example new DenseAutoencoder({ epochs: 40, augmentation: { maxShift: 2 } })
   */
  augmentation?: ShiftAugmentation | null;
}

/** {@link TrainingOptions} with defaults filled in. */
export interface ResolvedTrainingOptions {
  readonly epochs: number;
  readonly batchSize: number;
  readonly learningRate: number;
  readonly seed: number;
  readonly validationSplit: number;
  readonly earlyStopping: Required<EarlyStoppingOptions> | null;
  /**
   * The shift augmentation; absent (not `null`) when off, so that options without it resolve,
   * hash into cache keys and checkpoint runs, and save exactly as before the option existed.
   */
  readonly augmentation?: ShiftAugmentation;
}

/**
 * Fills in `defaults` and validates the training options (`augmentation` is off unless given).
 * @throws RangeError/TypeError naming the bad option.
 * @example resolveTrainingOptions({ epochs: 5, augmentation: { maxShift: 2 } }, DENSE_AUTOENCODER_DEFAULTS).augmentation // { maxShift: 2 }
 */
export function resolveTrainingOptions(options: TrainingOptions, defaults: Required<TrainingOptions>): ResolvedTrainingOptions {
  const o = { ...defaults, ...options };
  checkInteger('epochs', o.epochs, 1);
  checkInteger('batchSize', o.batchSize, 1);
  checkNumber('learningRate', o.learningRate, Number.MIN_VALUE, 10);
  checkNumber('seed', o.seed);
  checkNumber('validationSplit', o.validationSplit, 0, 0.99);
  const augmentation = resolveAugmentation(o.augmentation);
  return {
    epochs: o.epochs,
    batchSize: o.batchSize,
    learningRate: o.learningRate,
    seed: o.seed,
    validationSplit: o.validationSplit,
    earlyStopping: resolveEarlyStopping(o.earlyStopping),
    ...(augmentation ? { augmentation } : {}),
  };
}

/** The three views of one set of weights. */
export interface AutoencoderViews {
  readonly autoencoder: LayersModel;
  readonly encoder: LayersModel;
  readonly decoder: LayersModel;
  readonly codeSize: number;
}

/** Adam's ε, as in Keras. */
const ADAM_EPSILON = 1e-7;

/**
 * What the report's conv autoencoder and N2D's dense one share as estimators: the training loop
 * (FlatAdam, shuffles, early stopping, interrupt), batched inference with input checks, the saved
 * file format and disposal. A subclass gives its architecture (`buildModels`, `sampleShape`), its
 * losses and its `load`.
 */
export abstract class AutoencoderEstimator<O extends ResolvedTrainingOptions> {
  /** The options, with defaults filled in. */
  readonly options: O;
  protected tf?: TF;
  protected models?: AutoencoderViews;
  protected readonly epochs: EpochRecord[] = [];
  private optimizer?: FlatAdam;
  private stopped = false;
  private interruption: Interruption | undefined;
  private threadsUsed: 1 | 2 | undefined;
  private engineUsed: { engine: 'graph' | 'eager'; reason?: string } | undefined;

  protected constructor(options: O) {
    this.options = options;
    // Refused here, not at the first fit: a model of non-square samples cannot shift them.
    if (options.augmentation) sampleGrid(this.sampleShape());
  }

  /** The class name, used in errors and recorded in saved files. */
  protected abstract get kind(): string;
  /** The shape of one sample as the model takes it (e.g. `[28, 28, 1]` or `[784]`). */
  protected abstract sampleShape(): number[];
  /** The untrained models, seeded from the options. */
  protected abstract buildModels(tf: TF): AutoencoderViews;
  /** The loss `fit` minimises. */
  protected abstract get trainingLoss(): LossFunction;
  /** The loss `evaluate` and the validation figures report (the same value as the training loss). */
  protected abstract get evaluationLoss(): LossFunction;
  /** The training loss as a compiled graph writes it (see `CompiledStep`). */
  protected abstract get compiledLoss(): CompiledLoss;

  /**
   * Builds the model with its seeded initial weights, without training (done by `fit`
   * automatically). Useful to encode with untrained weights, e.g. for timing.
   */
  async build(): Promise<this> {
    if (this.models) return this;
    const { tf } = await initBackend();
    this.tf = tf;
    this.models = this.buildModels(tf);
    return this;
  }

  /**
   * Builds the model with the weights of the training checkpoint in `dir` (a run in progress, e.g.
   * N2D's 1,000-epoch protocol mid-way), to encode or evaluate a partly trained model; its
   * `history` is the checkpoint's. Training goes on through `fit`'s `checkpoint` option, not from
   * here. A checkpoint replaced while it is read (a training writing its next one) is read again.
   * @returns the checkpoint's info (position, history, when it was saved).
   * @throws ModelFileError when `dir` holds no checkpoint, it is damaged, it is another kind of
   *   model's, or its weights do not fit this model's options.
   * @example const info = await new DenseAutoencoder(options).buildFromCheckpoint(runDir); // info.position.epoch - 1 epochs done
   */
  async buildFromCheckpoint(dir: string): Promise<CheckpointInfo> {
    let saved: Checkpoint | undefined;
    for (let attempt = 1; ; attempt++) {
      try {
        saved = await readCheckpoint(dir);
        break;
      } catch (err) {
        if (!(err instanceof ModelFileError) || attempt === 3) throw err;
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
    if (!saved) throw new ModelFileError(`${dir} holds no training checkpoint (checkpoint.json); a run writes one every few epochs into its run folder.`, dir);
    if (saved.kind !== this.kind) throw new ModelFileError(`${dir} holds the checkpoint of a ${saved.kind}, not of a ${this.kind}.`, dir);
    await this.build();
    const model = this.built().autoencoder;
    const names = model.weights.map((w) => w.originalName);
    if (names.join() !== saved.weights.map((w) => w.name).join() || saved.weights.some((w, i) => w.shape.join() !== model.weights[i]!.shape.join())) {
      throw new ModelFileError(`The training checkpoint in ${dir} holds weights that do not fit this ${this.kind}'s options (${saved.weights.map((w) => w.shape.join('×')).join(', ')}).`, dir);
    }
    const tensors = saved.weights.map((w) => this.tf!.tensor(w.data, [...w.shape]));
    try {
      model.setWeights(tensors);
    } finally {
      this.tf!.dispose(tensors);
    }
    this.epochs.splice(0, this.epochs.length, ...saved.history);
    const { weights: _w, m: _m, v: _v, ...info } = saved;
    return info;
  }

  /**
   * Trains on `images` (N × values-per-sample Matrix, values in 0..1) for `epochs` epochs (or until
   * early stopping or `signal`). Calling `fit` again continues training the same weights with the
   * same optimizer.
   * @returns this; the per-epoch losses are in {@link history}.
   * @throws RangeError when images are badly shaped, contain values outside 0..1 or NaN, or when
   *   there are no training images left after the validation split.
   * @throws InterruptedError when the kernel's interrupt (■, SIGINT) stopped training at the end
   *   of a batch and no `signal` was given (with one, see {@link interruptedAt}); the model keeps
   *   the weights reached.
   */
  async fit(images: Matrix, fitOptions: AutoencoderFitOptions = {}): Promise<this> {
    // ■ (interrupt: src/util/interrupt.ts) stops training at the end of a batch, on every engine.
    return interruptible((interrupt) => this.fitUntilInterrupted(images, fitOptions, interrupt));
  }

  private async fitUntilInterrupted(images: Matrix, fitOptions: AutoencoderFitOptions, interrupt: AbortSignal): Promise<this> {
    const { train, validation } = splitValidation(images, this.values(), this.options.validationSplit, fitOptions.validation);
    await this.build();
    const tf = this.tf!;
    // tf.train.adam's update on all weights at once: far fewer ops per step (see FlatAdam).
    this.optimizer ??= new FlatAdam(tf, this.options.learningRate, 0.9, 0.999, ADAM_EPSILON);
    this.stopped = false;
    this.interruption = undefined;
    const backend = tf.getBackend() as BackendName;
    if (fitOptions.threads !== undefined && fitOptions.threads !== 1 && fitOptions.threads !== 2) {
      throw new RangeError(`threads must be 1 or 2, got ${String(fitOptions.threads)}.`);
    }
    // TensorFlow runs each op on every core already (and tfjs-node does not load in worker threads).
    const threads = backend === 'tensorflow' ? 1 : fitOptions.threads ?? trainingThreads(backend);
    const engine = trainingEngine(backend, fitOptions.engine);
    const model = this.models!.autoencoder;
    // Before the steps are set up, so that they start from the checkpoint's weights.
    const resumable = fitOptions.checkpoint ? await this.resumable(fitOptions, train, validation, backend, engine) : undefined;
    let batchStep: DataParallelStep | CompiledStep | undefined;
    if (engine === 'graph') {
      // A graph TensorFlow refuses (another TensorFlow build, say) must not stop training: it runs eagerly, and says why.
      const compiled = await compileTrainingStep(tf, model, this.sampleShape(), this.compiledLoss, this.optimizer)
        .catch((err: Error) => ({ reason: `TensorFlow did not load the compiled step: ${err.message.split('\n')[0]}` }));
      this.engineUsed = 'step' in compiled ? { engine: 'graph' } : { engine: 'eager', reason: compiled.reason };
      batchStep = 'step' in compiled ? compiled.step : undefined;
    } else {
      this.engineUsed = { engine: 'eager' };
      if (threads === 2 && train.rows > 1) {
        batchStep = await DataParallelStep.start(tf, backend, this.kind, model, this.sampleShape(), this.options.batchSize);
      }
    }
    this.threadsUsed = batchStep instanceof DataParallelStep ? 2 : 1;
    const epochsBefore = this.epochs.length;
    try {
      const { stoppedEarly, interruption } = await trainEpochs({
        tf, model, optimizer: this.optimizer,
        trainingLoss: this.trainingLoss, evaluationLoss: this.evaluationLoss,
        sampleShape: this.sampleShape(), train, validation,
        epochs: resumable ? Math.max(0, this.options.epochs - this.epochs.length) : this.options.epochs,
        batchSize: this.options.batchSize, seed: this.options.seed,
        ...(this.options.augmentation ? { augmentation: this.options.augmentation } : {}),
        earlyStopping: this.options.earlyStopping, history: this.epochs,
        onProgress: fitOptions.onProgress, signal: fitOptions.signal ? AbortSignal.any([fitOptions.signal, interrupt]) : interrupt, batchStep,
        ...(resumable ? { resume: resumable.resume, checkpoint: resumable.hook } : {}),
      });
      this.stopped = stoppedEarly;
      this.interruption = interruption;
      // ■ without a caller's signal: the cell ends here, with one line (a caller with a signal reports it).
      if (interruption && !fitOptions.signal) {
        throw new InterruptedError(`training, epoch ${interruption.epoch}/${resumable ? this.options.epochs : epochsBefore + this.options.epochs}, batch ${interruption.batch}/${interruption.batches}`,
          'the model keeps the weights reached so far (its history lists the epochs done); call fit again to train on');
      }
    } finally {
      if (batchStep instanceof DataParallelStep) await batchStep.close();
      else batchStep?.dispose();
    }
    return this;
  }

  /**
   * Sets up a checkpointed `fit`: puts back the state of a checkpoint of the same run found in
   * `checkpoint.dir` (for an estimator that has not trained yet, when the checkpoint is not past
   * `epochs`), and returns where the first epoch starts and the hook that writes checkpoints.
   */
  private async resumable(fitOptions: AutoencoderFitOptions, train: Matrix, validation: Matrix | undefined, backend: string, engine: string): Promise<{
    resume: TrainingPosition | undefined; hook: { every: number; save(at: TrainingPosition): Promise<void> };
  }> {
    const { dir, every = 10 } = fitOptions.checkpoint!;
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`checkpoint.dir must be a folder path (a non-empty string), got ${dir === '' ? 'an empty string' : typeof dir}.`);
    checkInteger('checkpoint.every', every, 1);
    if (this.options.earlyStopping) {
      throw new RangeError('checkpoint cannot be combined with earlyStopping (its best-so-far state is not checkpointed): pass earlyStopping: null, or no checkpoint.');
    }
    const tf = this.tf!;
    const model = this.models!.autoencoder;
    const optimizer = this.optimizer!;
    const run = trainingRunId(this.kind, this.options, train, validation);
    const target = this.options.epochs;
    const progress = (phase: 'resume' | 'checkpoint', at: TrainingPosition, message: string): void => {
      const batches = Math.ceil(train.rows / this.options.batchSize);
      const loss = at.seen > 0 ? at.lossSum / at.seen : this.epochs.at(-1)?.loss ?? Number.NaN;
      fitOptions.onProgress?.({
        phase, message, epoch: at.epoch, epochs: target, batch: at.batch, batches, loss, batchLoss: loss,
        epochSeconds: at.seconds, elapsedSeconds: 0, etaSeconds: Number.NaN, imagesPerSecond: 0,
      });
    };
    let resume: TrainingPosition | undefined;
    const saved = this.epochs.length === 0 ? await readCheckpoint(dir) : undefined;
    if (saved && saved.run !== run) {
      throw new ModelFileError(
        `${dir} holds the checkpoint of another training run (a ${saved.kind} with other options or data); refusing to replace it. ` +
          'Choose another checkpoint folder for this run, or delete that checkpoint.json.',
        dir,
      );
    }
    if (saved && !(saved.position.epoch <= target || (saved.position.epoch === target + 1 && saved.position.batch === 0))) {
      progress('resume', { epoch: 1, batch: 0, lossSum: 0, seen: 0, seconds: 0 },
        `the checkpoint in ${dir} is past the ${target} epochs asked for (epoch ${saved.position.epoch}): training from the start; the checkpoint is kept`);
    } else if (saved) {
      const names = model.weights.map((w) => w.originalName);
      const recorded = saved.weights.map((w) => w.name);
      if (names.join() !== recorded.join() || saved.weights.some((w, i) => w.shape.join() !== model.weights[i]!.shape.join())) {
        throw new ModelFileError(`The training checkpoint in ${dir} holds weights (${recorded.join(', ')}) that do not fit this ${this.kind}; delete its checkpoint.json to train from the start.`, dir);
      }
      const tensors = saved.weights.map((w) => tf.tensor(w.data, [...w.shape]));
      try {
        model.setWeights(tensors);
      } finally {
        tf.dispose(tensors);
      }
      optimizer.importState({ m: saved.m, v: saved.v, accBeta1: saved.optimizer.accBeta1, accBeta2: saved.optimizer.accBeta2 });
      this.epochs.push(...saved.history);
      resume = saved.position.batch > 0 ? saved.position : undefined;
      const where = saved.position.batch > 0 ? `, batch ${saved.position.batch + 1}` : '';
      const what = saved.position.epoch > target ? `all ${target} epochs are done: nothing left to train` : `resuming at epoch ${saved.position.epoch}${where} of ${target}`;
      const elsewhere = saved.backend !== backend || saved.engine !== engine ? ` (it was written on ${saved.backend}/${saved.engine}, this run is on ${backend}/${engine}: it continues, but not bit for bit)` : '';
      progress('resume', saved.position, `${what} from the checkpoint of ${saved.savedAt} in ${dir}${elsewhere}`);
    }
    const hook = {
      every,
      save: async (at: TrainingPosition): Promise<void> => {
        const state = optimizer.exportState();
        const weights = model.weights.map((w) => {
          const value = w.read();
          return { name: w.originalName, shape: [...w.shape] as number[], data: Float32Array.from(value.dataSync() as Float32Array) };
        });
        const written = await writeCheckpoint(dir, {
          run, kind: this.kind, epochs: target, position: at, history: this.epochs.slice(0, at.epoch - 1),
          optimizer: { accBeta1: state.accBeta1, accBeta2: state.accBeta2 }, seed: this.options.seed,
          backend, engine, savedAt: new Date().toISOString(), weights, m: state.m, v: state.v,
        });
        const when = at.batch > 0 ? `in epoch ${at.epoch} after batch ${at.batch}` : `after epoch ${at.epoch - 1}`;
        if (written) progress('checkpoint', at, `checkpoint ${when} of ${target} saved in ${dir}`);
      },
    };
    return { resume, hook };
  }

  /** Threads the last `fit` trained on (2: data-parallel with a worker thread), undefined before any `fit`. */
  get trainingThreads(): 1 | 2 | undefined {
    return this.threadsUsed;
  }

  /**
   * How the last `fit` ran its steps: `graph` (one compiled TensorFlow graph per step, see
   * `CompiledStep`) or `eager` (TF.js ops; with `reason` when a graph was asked for but the model
   * cannot be compiled); undefined before any `fit`.
   */
  get trainingEngine(): { readonly engine: 'graph' | 'eager'; readonly reason?: string } | undefined {
    return this.engineUsed;
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

  /** Length of a code. @throws NotFittedError before fit/build/load. */
  get codeSize(): number {
    return this.built().codeSize;
  }

  /** The trained sample → reconstruction model. @throws NotFittedError before fit/build/load. */
  get autoencoder(): LayersModel { return this.built().autoencoder; }
  /** Sample → code, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get encoder(): LayersModel { return this.built().encoder; }
  /** Code → reconstruction, sharing the autoencoder's weights. @throws NotFittedError before fit/build/load. */
  get decoder(): LayersModel { return this.built().decoder; }

  /**
   * Codes of `images` (N × values-per-sample, 0..1) as an N × {@link codeSize} Matrix; computed
   * in batches, no tensors left behind. Input is checked like `fit`'s: 0..255 pixels or NaN are refused.
   * @throws NotFittedError before fit/build/load; TypeError for a non-Matrix (or Float64Array
   *   data); RangeError for badly shaped images or values outside 0..1.
   */
  encode(images: Matrix): Matrix {
    const { encoder, codeSize } = this.built();
    checkImages('images', images, this.values());
    return runBatched(this.tf!, encoder, images, this.sampleShape(), codeSize);
  }

  /**
   * Samples decoded from codes (N × codeSize).
   * @throws NotFittedError before fit/build/load; RangeError for codes of the wrong width or non-finite values.
   */
  decode(codes: Matrix): Matrix {
    const { decoder, codeSize } = this.built();
    checkMatrix('codes', codes, { cols: codeSize, colsWhat: 'the code size', minRows: 1 });
    checkFiniteMatrix('codes', codes);
    return runBatched(this.tf!, decoder, codes, [codeSize], this.values());
  }

  /** Reconstructions of `images` through the whole autoencoder. @throws like {@link encode}. */
  reconstruct(images: Matrix): Matrix {
    const { autoencoder } = this.built();
    checkImages('images', images, this.values());
    return runBatched(this.tf!, autoencoder, images, this.sampleShape(), this.values());
  }

  /** The evaluation loss between `images` and their reconstructions (`valLoss` when given the validation data). */
  evaluate(images: Matrix): number {
    const { autoencoder } = this.built();
    checkImages('images', images, this.values());
    return meanLoss(this.tf!, autoencoder, images, this.sampleShape(), this.evaluationLoss);
  }

  /**
   * Saves the trained autoencoder as a plain folder in the standard TF.js format (model.json +
   * a content-addressed weight file, loadable by tfjs-node's `file://` loader), crash-safely (see
   * `saveModel`); the kind, options and history go into model.json's `userDefinedMetadata`
   * (`fmnistCluster`), beside any `metadata` given (e.g. the model cache's record).
   * @returns what was done about leftovers of an earlier interrupted save of this folder.
   * @throws NotFittedError before fit/build/load; ModelFileError / Error as `saveModel`.
   * @example await ae.save('models/my-ae'); const again = await ConvAutoencoder.load('models/my-ae');
   */
  async save(dir: string, options: { metadata?: Record<string, unknown>; onNotice?: (notice: ModelNotice) => void } = {}): Promise<{ notices: ModelNotice[] }> {
    const { autoencoder } = this.built();
    const { notices } = await saveModel(autoencoder, dir, {
      userDefinedMetadata: { ...(options.metadata ?? {}), fmnistCluster: { kind: this.kind, formatVersion: 1, options: this.options, history: this.epochs } },
      ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    });
    return { notices };
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

  /** Takes loaded weights and their history (for a subclass's `load`). */
  protected adopt(tf: TF, models: AutoencoderViews, history: readonly EpochRecord[] | undefined): void {
    this.tf = tf;
    this.models = models;
    if (history) this.epochs.push(...history);
  }

  protected built(): AutoencoderViews {
    if (!this.models) throw new NotFittedError(this.kind);
    return this.models;
  }

  /** Values per sample. */
  private values(): number {
    return this.sampleShape().reduce((a, b) => a * b, 1);
  }
}
