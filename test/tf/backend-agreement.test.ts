// The report's autoencoder on every backend that loads here (tfjs-node's tensorflow, wasm, cpu), in
// one process (tfjs-node re-exports the same @tensorflow/tfjs, so the engine is shared): the same
// loss and gradients for a training step on real images, models saved by one backend load in
// another with the same codes, tfjs-node's file:// format and ours interoperate both ways, and an
// epoch leaves no tensors behind. Without tfjs-node (no native build) tensorflow is skipped.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { NamedTensorMap, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { buildAutoencoderWith } from '../../src/models/architecture.js';
import { ConvAutoencoder, trainingLoss } from '../../src/models/autoencoder.js';
import { loadModel } from '../../src/models/io.js';
import type { Matrix } from '../../src/util/matrix.js';
import { head, maxAbsDiff, smallData } from '../models/helpers.js';
import { maxRelError } from './reference.js';

let tf: TF;
let backends: BackendName[];
let active: BackendName;
let images: Matrix;
let few: Matrix;
const dirs: string[] = [];

before(async () => {
  ({ tf, backends } = await loadAllBackends());
  active = tf.getBackend() as BackendName;
  images = head((await smallData()).train, 24);
  // The pure-JS cpu backend's Conv2DBackpropFilter takes ≈1 s per image of this model: train on few.
  few = head(images, 6);
});

function tempDir(): string {
  const d = mkdtempSync(path.join(tmpdir(), 'fmnist-agree-'));
  dirs.push(d);
  return d;
}

process.on('exit', () => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** Loss and gradients of one training step of the report's model (seed 0) on 6 real images. */
async function trainingStepOn(backend: BackendName): Promise<{ loss: number; grads: Float32Array[] }> {
  assert.equal(await tf.setBackend(backend), true);
  const { autoencoder } = buildAutoencoderWith(tf, { seed: 0 });
  const x = tf.tensor4d(few.data, [few.rows, 28, 28, 1]);
  const vars = autoencoder.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs').Variable);
  const { value, grads } = tf.variableGrads(() => trainingLoss(tf, autoencoder.apply(x, { training: true }) as Tensor, x), vars);
  const out = vars.map((v) => (grads as NamedTensorMap)[v.name]!.dataSync() as Float32Array);
  const loss = value.dataSync()[0]!;
  tf.dispose([value, x, ...Object.values(grads)]);
  autoencoder.weights.forEach((w) => w.dispose());
  return { loss, grads: out };
}

test('a training step of the report model gives the same loss and gradients on every backend', async () => {
  assert.ok(backends.includes('wasm') && backends.includes('cpu'), `backends here: ${backends.join(', ')}`);
  const ref = await trainingStepOn('cpu');
  assert.equal(ref.grads.length, 14); // 7 kernels + 7 biases
  for (const b of backends.filter((name) => name !== 'cpu')) {
    const r = await trainingStepOn(b);
    assert.ok(Math.abs(r.loss - ref.loss) <= 1e-5 * ref.loss, `loss on ${b} ${r.loss} vs cpu ${ref.loss}`);
    r.grads.forEach((g, i) => {
      const e = maxRelError(g, ref.grads[i]!);
      assert.ok(e < 1e-3, `gradient ${i} on ${b}: relative error ${e} against cpu`);
    });
  }
  await tf.setBackend(active);
});

test('a model saved on one backend loads on another and gives the same codes (1e-5)', async () => {
  // Trained weights (not just the initialisation), trained once on the fastest backend.
  await tf.setBackend(backends[0]!);
  const trained = new ConvAutoencoder({ epochs: 1, batchSize: 8, seed: 3 });
  await trained.fit(images);
  const origin = path.join(tempDir(), 'trained');
  await trained.save(origin);
  trained.dispose();
  for (const from of backends) {
    await tf.setBackend(from);
    const ae = await ConvAutoencoder.load(origin); // weights now live on `from`
    const dir = path.join(tempDir(), `from-${from}`);
    await ae.save(dir);
    const codes = ae.encode(images).data;
    for (const to of backends.filter((b) => b !== from)) {
      await tf.setBackend(to);
      const loaded = await ConvAutoencoder.load(dir);
      const diff = maxAbsDiff(loaded.encode(images).data, codes);
      assert.ok(diff <= 1e-5, `codes of a model saved on ${from}, loaded on ${to}: max difference ${diff}`);
      assert.deepEqual(loaded.history, ae.history);
      loaded.dispose();
    }
    ae.dispose();
  }
  await tf.setBackend(active);
});

test("tfjs-node's file:// handler and our format read each other's models", async (t) => {
  if (!backends.includes('tensorflow')) {
    t.skip('tfjs-node does not load here (bash scripts/setup-tfjs-node.sh builds it)');
    return;
  }
  await tf.setBackend('tensorflow');
  const { autoencoder } = buildAutoencoderWith(tf, { seed: 5 });
  const x = tf.tensor4d(images.data, [images.rows, 28, 28, 1]) as Tensor4D;
  const expected = (autoencoder.predict(x) as Tensor);
  const want = expected.dataSync().slice();
  expected.dispose();

  // tfjs-node writes, we read (on every backend); its folder records no checksums, so it is trusted explicitly.
  const nodeDir = path.join(tempDir(), 'tfjs-node');
  await autoencoder.save(`file://${nodeDir}`);
  for (const b of backends) {
    await tf.setBackend(b);
    const m = await loadModel(nodeDir, { trustUnverified: true });
    const y = m.predict(x) as Tensor;
    assert.ok(maxAbsDiff(y.dataSync(), want) <= 1e-5, `file:// model read by loadModel on ${b}`);
    y.dispose();
    m.dispose();
    // ConvAutoencoder.load takes it too (defaults for the options, the shape from the model).
    const ae = await ConvAutoencoder.load(nodeDir, { trustUnverified: true });
    assert.equal(ae.codeSize, 128);
    ae.dispose();
  }

  // We write, tfjs-node's file:// loader reads.
  await tf.setBackend('tensorflow');
  const ours = new ConvAutoencoder({ seed: 5 });
  await ours.build();
  const ourDir = path.join(tempDir(), 'ours');
  await ours.save(ourDir);
  const m = await tf.loadLayersModel(`file://${path.join(ourDir, 'model.json')}`);
  const y = m.predict(x) as Tensor;
  assert.ok(maxAbsDiff(y.dataSync(), want) <= 1e-6, 'our files read by tf.loadLayersModel(file://)');
  assert.deepEqual(m.getWeights().map((w) => w.shape), autoencoder.getWeights().map((w) => w.shape));
  y.dispose();
  m.dispose();
  ours.dispose();
  x.dispose();
  autoencoder.weights.forEach((w) => w.dispose());
  await tf.setBackend(active);
});

test('an epoch of training and encoding leaves no tensors behind on any backend', async () => {
  for (const b of backends) {
    await tf.setBackend(b);
    const before = tf.memory().numTensors;
    const ae = new ConvAutoencoder({ epochs: 1, batchSize: 4, seed: 1 });
    await ae.fit(few, { validation: head(images, 8) });
    const afterFirst = tf.memory().numTensors;
    await ae.fit(few, { validation: head(images, 8) }); // a second epoch: optimizer state exists already, nothing may grow
    ae.encode(images);
    ae.reconstruct(head(images, 8));
    assert.equal(tf.memory().numTensors, afterFirst, `tensors kept by a second epoch on ${b}`);
    ae.dispose();
    assert.equal(tf.memory().numTensors, before, `tensors left after dispose on ${b}`);
  }
  await tf.setBackend(active);
});
