import { availableParallelism } from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { LayersModel, Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import type { BackendName, TF } from '../tf/backend.js';
import { flatGradient, type FlatAdam } from '../tf/flat-adam.js';
import type { Matrix } from '../util/matrix.js';
import { INFERENCE_BATCH, summedLoss, type BatchStep, type LossFunction } from './training.js';

/**
 * Data-parallel training on two cores for the single-threaded backends (wasm, cpu): TF.js's wasm
 * backend runs one thread in Node, so a training step uses one core of two. Each batch is split
 * in two; this thread computes the gradient of one half while a worker thread (its own TF.js and
 * wasm backend, a replica of the model) computes the other's, with the same weights. The two
 * gradients of half-batch means are averaged, weighted by the halves' sizes — the gradient of the
 * whole batch's mean, up to float32 rounding — and one Adam step is applied here. Weights, the
 * half batch and the gradient pass through SharedArrayBuffers, synchronised with `Atomics`
 * (4,385 weights for the report's model: the exchange costs microseconds against a step of tens
 * of milliseconds). The tensorflow backend needs none of this: TensorFlow's own thread pool uses
 * every core.
 */

/** Environment variable: training threads (`1` turns data-parallel training off, `2` forces it on wasm/cpu). */
export const TRAIN_THREADS_ENV = 'FMNIST_TRAIN_THREADS';

/**
 * Threads a `fit` uses on `backend`: 1 on tensorflow (TensorFlow parallelises each op itself),
 * else 2 when the machine has two cores or more. `$FMNIST_TRAIN_THREADS` (1 or 2) overrides.
 * @throws RangeError for another value of the variable.
 */
export function trainingThreads(backend: BackendName, env: NodeJS.ProcessEnv = process.env, cores = availableParallelism()): 1 | 2 {
  const raw = env[TRAIN_THREADS_ENV]?.trim();
  if (raw !== undefined && raw !== '') {
    if (raw !== '1' && raw !== '2') throw new RangeError(`${TRAIN_THREADS_ENV} must be 1 or 2, got '${raw}'.`);
    return raw === '2' && backend !== 'tensorflow' ? 2 : 1;
  }
  return backend !== 'tensorflow' && cores >= 2 ? 2 : 1;
}

/** Slots of the control array shared with the worker. */
export const CONTROL = { request: 0, done: 1, rows: 2, failed: 3, stop: 4, lossOnly: 5 } as const;

/** What the worker is started with (`workerData`). */
export interface GradientWorkerData {
  readonly backend: BackendName;
  /** The estimator's kind, which names its training loss (see the worker's table). */
  readonly kind: string;
  /** `model.toJSON(null, false)`: the layers, from which the worker builds its replica. */
  readonly topology: unknown;
  /** Shapes of the trainable weights, in the order of `model.trainableWeights`. */
  readonly weightShapes: readonly (readonly number[])[];
  readonly sampleShape: readonly number[];
  readonly control: SharedArrayBuffer;
  readonly weights: SharedArrayBuffer;
  readonly gradient: SharedArrayBuffer;
  readonly loss: SharedArrayBuffer;
  readonly input: SharedArrayBuffer;
  /** UTF-8 text of the worker's last error (the main thread is blocked in `Atomics.wait` and cannot receive messages then). */
  readonly error: SharedArrayBuffer;
}

/** Where each weight starts in the flat weight/gradient buffers (and where the last ends): prefix sums of the sizes. */
export function weightOffsets(sizes: readonly number[]): number[] {
  const offsets = [0];
  for (const size of sizes) offsets.push(offsets[offsets.length - 1]! + size);
  return offsets;
}

/** Bytes for the worker's error text. */
export const ERROR_BYTES = 4096;

/**
 * The worker: gradient-worker.js beside the compiled module; when this module runs from source
 * (the tests, through tsx), gradient-worker.ts with tsx's require hook, which workers do not inherit.
 */
function startWorker(workerData: GradientWorkerData): Worker {
  if (path.extname(__filename) !== '.ts') return new Worker(path.join(__dirname, 'gradient-worker.js'), { workerData });
  const entry = JSON.stringify(path.join(__dirname, 'gradient-worker.ts'));
  return new Worker(`require('tsx/cjs'); require(${entry});`, { eval: true, workerData });
}

/** How long a step may wait for the worker before it is declared stuck. */
const STEP_TIMEOUT_MS = 120_000;

/**
 * The two-thread gradient step of one model. `start` launches the worker; `step` replaces
 * `optimizer.minimize` for one batch; `close` stops the worker.
 */
export class DataParallelStep implements BatchStep {
  private readonly control: Int32Array;
  private readonly weights: Float32Array;
  private readonly gradient: Float32Array;
  private readonly loss: Float64Array;
  private readonly input: Float32Array;
  private readonly errorText: Uint8Array;
  private readonly offsets: number[];
  private request = 0;
  private workerError: string | undefined;

  private constructor(
    private readonly tf: TF,
    private readonly worker: Worker,
    buffers: Pick<GradientWorkerData, 'control' | 'weights' | 'gradient' | 'loss' | 'input' | 'error'>,
    private readonly sampleValues: number,
    weightSizes: readonly number[],
  ) {
    this.control = new Int32Array(buffers.control);
    this.weights = new Float32Array(buffers.weights);
    this.gradient = new Float32Array(buffers.gradient);
    this.loss = new Float64Array(buffers.loss);
    this.input = new Float32Array(buffers.input);
    this.errorText = new Uint8Array(buffers.error);
    this.offsets = weightOffsets(weightSizes);
    worker.on('error', (e) => { this.workerError = e.stack ?? e.message; });
  }

  /**
   * Starts the worker with a replica of `model` (weights are sent with every step) and waits
   * until its backend is up.
   * @param maxBatch the largest batch `step` will get (sizes the shared input buffer).
   * @throws Error when the worker cannot start (its message says why).
   */
  static async start(tf: TF, backend: BackendName, kind: string, model: LayersModel, sampleShape: readonly number[], maxBatch: number): Promise<DataParallelStep> {
    const weightShapes = model.trainableWeights.map((w) => w.shape.map((d) => d!));
    const weightSizes = weightShapes.map((s) => s.reduce((a, b) => a * b, 1));
    const total = weightSizes.reduce((a, b) => a + b, 0);
    const sampleValues = sampleShape.reduce((a, b) => a * b, 1);
    const buffers = {
      control: new SharedArrayBuffer(8 * Int32Array.BYTES_PER_ELEMENT),
      weights: new SharedArrayBuffer(total * 4),
      gradient: new SharedArrayBuffer(total * 4),
      loss: new SharedArrayBuffer(8),
      // Half a training batch, or half a validation chunk (see meanLoss).
      input: new SharedArrayBuffer(Math.max(Math.ceil(maxBatch / 2), INFERENCE_BATCH / 2) * sampleValues * 4),
      error: new SharedArrayBuffer(ERROR_BYTES),
    };
    const workerData: GradientWorkerData = { backend, kind, topology: model.toJSON(null, false), weightShapes, sampleShape, ...buffers };
    const worker = startWorker(workerData);
    await new Promise<void>((resolve, reject) => {
      const onMessage = (m: { ready?: boolean; error?: string }) => {
        worker.off('error', onError);
        worker.off('message', onMessage);
        if (m.ready) resolve();
        else reject(new Error(`The training worker could not start: ${m.error ?? 'no reason given'}. Set ${TRAIN_THREADS_ENV}=1 to train on one thread.`));
      };
      const onError = (e: Error) => {
        worker.off('message', onMessage);
        reject(new Error(`The training worker could not start: ${e.message}. Set ${TRAIN_THREADS_ENV}=1 to train on one thread.`));
      };
      worker.on('message', onMessage);
      worker.once('error', onError);
    });
    return new DataParallelStep(tf, worker, buffers, sampleValues, weightSizes);
  }

  /**
   * One Adam step on `batch` (`size` samples, row-major): the worker takes the second half, this
   * thread the first; the gradients of the two half-means are averaged by size and applied.
   * @returns the batch's mean loss (the halves' losses averaged the same way).
   * @throws Error when the worker failed or did not answer within two minutes.
   */
  step(model: LayersModel, optimizer: FlatAdam, varList: Variable[], trainingLoss: LossFunction, sampleShape: readonly number[], batch: Float32Array, size: number): number {
    const tf = this.tf;
    const remote = Math.floor(size / 2);
    const local = size - remote;
    const v = this.sampleValues;
    if (remote > 0) {
      this.shareWeights(varList);
      this.ask(batch.subarray(local * v, size * v), remote, false);
    }
    const x = tf.tensor(batch.subarray(0, local * v), [local, ...sampleShape]);
    let localLoss: number;
    let grads: ReturnType<TF['variableGrads']>['grads'] | undefined;
    try {
      const r = tf.variableGrads(() => trainingLoss(tf, model.apply(x, { training: true }) as Tensor, x) as Scalar, varList);
      grads = r.grads;
      localLoss = r.value.dataSync()[0]!;
      r.value.dispose();
    } finally {
      x.dispose();
    }
    try {
      if (remote === 0) {
        optimizer.applyGradients(varList, grads);
        return localLoss;
      }
      this.awaitWorker();
      const flat = tf.tidy(() => {
        const mine = flatGradient(tf, varList, grads!);
        const theirs = tf.tensor1d(this.gradient);
        return tf.add(tf.mul(mine, local / size), tf.mul(theirs, remote / size));
      });
      try {
        optimizer.applyFlatGradient(varList, flat);
      } finally {
        flat.dispose();
      }
      return (localLoss * local + this.loss[0]! * remote) / size;
    } finally {
      tf.dispose(Object.values(grads));
    }
  }

  /**
   * The validation loss on two threads: `images` in chunks of {@link INFERENCE_BATCH}, the worker
   * taking the second half of each while this thread computes the first (the eager validation
   * of one thread would otherwise leave a core idle for ≈ 5% of a wasm epoch).
   * @throws Error when the worker failed or did not answer within two minutes.
   */
  meanLoss(varList: readonly Variable[], images: Matrix, sampleShape: readonly number[], loss: LossFunction, model: LayersModel): number {
    const tf = this.tf;
    const v = this.sampleValues;
    this.shareWeights(varList);
    let sum = 0;
    for (let start = 0; start < images.rows; start += INFERENCE_BATCH) {
      const size = Math.min(INFERENCE_BATCH, images.rows - start);
      const remote = Math.floor(size / 2);
      const local = size - remote;
      const chunk = images.data.subarray(start * v, (start + size) * v);
      if (remote > 0) this.ask(chunk.subarray(local * v), remote, true);
      const x = tf.tensor(chunk.slice(0, local * v), [local, ...sampleShape]);
      try {
        sum += summedLoss(tf, loss, (t) => model.apply(t, { training: false }) as Tensor, x);
      } finally {
        x.dispose();
      }
      if (remote > 0) {
        this.awaitWorker();
        sum += this.loss[0]! * remote;
      }
    }
    return sum / images.rows;
  }

  /** Stops the worker (idempotent). */
  async close(): Promise<void> {
    Atomics.store(this.control, CONTROL.stop, 1);
    Atomics.notify(this.control, CONTROL.request);
    await this.worker.terminate();
  }

  /** Copies the current weights where the worker reads them. */
  private shareWeights(varList: readonly Variable[]): void {
    varList.forEach((w, i) => this.weights.set(w.dataSync() as Float32Array, this.offsets[i]!));
  }

  /** Hands `rows` samples to the worker: for the gradient and loss of their mean, or (`lossOnly`) the loss alone. */
  private ask(samples: Float32Array, rows: number, lossOnly: boolean): void {
    this.input.set(samples);
    Atomics.store(this.control, CONTROL.rows, rows);
    Atomics.store(this.control, CONTROL.lossOnly, lossOnly ? 1 : 0);
    this.request++;
    Atomics.store(this.control, CONTROL.request, this.request);
    Atomics.notify(this.control, CONTROL.request);
  }

  private awaitWorker(): void {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    while (Atomics.load(this.control, CONTROL.done) !== this.request) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`The training worker did not answer within ${STEP_TIMEOUT_MS / 1000} s. Set ${TRAIN_THREADS_ENV}=1 to train on one thread.`);
      Atomics.wait(this.control, CONTROL.done, Atomics.load(this.control, CONTROL.done), Math.min(left, 1000));
    }
    if (Atomics.load(this.control, CONTROL.failed) !== 0) {
      const length = Atomics.load(this.control, CONTROL.failed);
      const text = new TextDecoder().decode(this.errorText.slice(0, Math.min(length, ERROR_BYTES)));
      throw new Error(`The training worker failed: ${text || this.workerError || 'no message'}. Set ${TRAIN_THREADS_ENV}=1 to train on one thread.`);
    }
  }
}
