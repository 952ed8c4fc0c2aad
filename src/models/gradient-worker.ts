/**
 * The worker thread of data-parallel training (see ./data-parallel.ts): a replica of the model on
 * its own TF.js backend. For every request it takes the weights and the half batch from the
 * shared buffers, computes the gradient of the training loss's mean over that half and its value
 * (or, for validation, the value alone), writes them back and signals. No business logic here beyond that loop.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { initBackend } from '../tf/backend.js';
import { trainingLoss as convTrainingLoss } from './autoencoder.js';
import { meanSquaredError } from './dense-autoencoder.js';
import { CONTROL, ERROR_BYTES, weightOffsets, type GradientWorkerData } from './data-parallel.js';
import { summedLoss, type LossFunction } from './training.js';

/** The training loss of each estimator kind (its `trainingLoss`). */
const TRAINING_LOSSES: Readonly<Record<string, LossFunction>> = { ConvAutoencoder: convTrainingLoss, DenseAutoencoder: meanSquaredError };

async function main(): Promise<void> {
  const data = workerData as GradientWorkerData;
  const control = new Int32Array(data.control);
  const weights = new Float32Array(data.weights);
  const gradient = new Float32Array(data.gradient);
  const loss = new Float64Array(data.loss);
  const input = new Float32Array(data.input);
  const errorText = new Uint8Array(data.error);
  const fail = (err: unknown) => {
    const bytes = new TextEncoder().encode((err as Error)?.stack ?? String(err)).subarray(0, ERROR_BYTES);
    errorText.set(bytes);
    Atomics.store(control, CONTROL.failed, Math.max(1, bytes.length));
  };

  let varList: Variable[];
  let apply: (x: Tensor) => Tensor;
  let predict: (x: Tensor) => Tensor;
  let lossFn: LossFunction;
  let tf: Awaited<ReturnType<typeof initBackend>>['tf'];
  try {
    const found = TRAINING_LOSSES[data.kind];
    if (!found) throw new Error(`no training loss known for '${data.kind}' (known: ${Object.keys(TRAINING_LOSSES).join(', ')})`);
    lossFn = found;
    ({ tf } = await initBackend(data.backend));
    const model = await tf.models.modelFromJSON({ modelTopology: data.topology as never });
    varList = model.trainableWeights.map((w) => w.read() as Variable);
    const shapes = varList.map((v) => v.shape.join('x')).join(',');
    const expected = data.weightShapes.map((s) => s.join('x')).join(',');
    if (shapes !== expected) throw new Error(`the replica's weights (${shapes}) do not match the model's (${expected})`);
    apply = (x) => model.apply(x, { training: true }) as Tensor;
    predict = (x) => model.apply(x, { training: false }) as Tensor;
  } catch (err) {
    parentPort!.postMessage({ error: (err as Error).message });
    return;
  }
  parentPort!.postMessage({ ready: true });

  const offsets = weightOffsets(varList.map((v) => v.size));
  const values = data.sampleShape.reduce((a, b) => a * b, 1);
  let seen = 0;
  for (;;) {
    Atomics.wait(control, CONTROL.request, seen);
    if (Atomics.load(control, CONTROL.stop) !== 0) return;
    seen = Atomics.load(control, CONTROL.request);
    try {
      tf.tidy(() => varList.forEach((v, i) => v.assign(tf.tensor(weights.subarray(offsets[i], offsets[i + 1]), v.shape))));
      const rows = Atomics.load(control, CONTROL.rows);
      const x = tf.tensor(input.slice(0, rows * values), [rows, ...data.sampleShape]);
      try {
        if (Atomics.load(control, CONTROL.lossOnly) !== 0) {
          // Validation: the loss alone (the training loss has the evaluation loss's value).
          loss[0] = summedLoss(tf, lossFn, predict, x) / rows;
        } else {
          const { value, grads } = tf.variableGrads(() => lossFn(tf, apply(x), x) as Scalar, varList);
          try {
            varList.forEach((v, i) => gradient.set(grads[v.name]!.dataSync() as Float32Array, offsets[i]));
            loss[0] = value.dataSync()[0]!;
          } finally {
            value.dispose();
            tf.dispose(Object.values(grads));
          }
        }
      } finally {
        x.dispose();
      }
    } catch (err) {
      fail(err);
    }
    Atomics.store(control, CONTROL.done, seen);
    Atomics.notify(control, CONTROL.done);
  }
}

void main();
