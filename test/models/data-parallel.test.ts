// Data-parallel training (a worker thread computes half of each batch's gradient). It serves the
// single-threaded backends, so the step is checked on wasm whatever the default backend is; this file
// also runs on wasm as a whole (test/tf/models-on-backends.test.ts), where every fit of test/models
// trains on two threads by default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Variable } from '@tensorflow/tfjs';
import { initBackend, loadAllBackends } from '../../src/tf/backend.js';
import { FlatAdam } from '../../src/tf/flat-adam.js';
import { binaryCrossEntropy, ConvAutoencoder, trainingLoss } from '../../src/models/autoencoder.js';
import { DenseAutoencoder } from '../../src/models/dense-autoencoder.js';
import { DataParallelStep, TRAIN_THREADS_ENV, trainingThreads } from '../../src/models/data-parallel.js';
import { head, maxAbsDiff, smallData } from './helpers.js';

test('trainingThreads: two on the single-threaded backends with two cores, one on tensorflow; the variable overrides', () => {
  assert.equal(trainingThreads('wasm', {}, 2), 2);
  assert.equal(trainingThreads('cpu', {}, 8), 2);
  assert.equal(trainingThreads('wasm', {}, 1), 1);
  assert.equal(trainingThreads('tensorflow', {}, 2), 1);
  assert.equal(trainingThreads('wasm', { [TRAIN_THREADS_ENV]: '1' }, 2), 1);
  assert.equal(trainingThreads('wasm', { [TRAIN_THREADS_ENV]: '2' }, 1), 2);
  assert.equal(trainingThreads('tensorflow', { [TRAIN_THREADS_ENV]: '2' }, 2), 1);
  assert.throws(() => trainingThreads('wasm', { [TRAIN_THREADS_ENV]: '4' }, 2), /FMNIST_TRAIN_THREADS must be 1 or 2, got '4'/);
});

test('one data-parallel step on wasm gives the weights of the one-thread step (float32 rounding apart)', async () => {
  const { tf, backends } = await loadAllBackends();
  const previous = tf.getBackend();
  assert.ok(backends.includes('wasm'), 'wasm loads here');
  await tf.setBackend('wasm');
  const { train } = await smallData();
  const batch = head(train, 128).data.slice();
  const a = await new ConvAutoencoder({ seed: 3 }).build();
  const b = await new ConvAutoencoder({ seed: 3 }).build();
  const varsOf = (ae: ConvAutoencoder) => ae.autoencoder.trainableWeights.map((w) => w.read() as Variable);
  const optA = new FlatAdam(tf, 1e-3, 0.9, 0.999, 1e-7);
  const optB = new FlatAdam(tf, 1e-3, 0.9, 0.999, 1e-7);
  const parallel = await DataParallelStep.start(tf, 'wasm', 'ConvAutoencoder', b.autoencoder, [28, 28, 1], 128);
  try {
    for (let step = 0; step < 3; step++) {
      const x = tf.tensor(batch, [128, 28, 28, 1]);
      const cost = optA.minimize(() => trainingLoss(tf, a.autoencoder.apply(x, { training: true }) as never, x), true, varsOf(a))!;
      const lossA = cost.dataSync()[0]!;
      tf.dispose([x, cost]);
      const lossB = parallel.step(b.autoencoder, optB, varsOf(b), trainingLoss, [28, 28, 1], batch, 128);
      assert.ok(Math.abs(lossA - lossB) < 5e-5, `step ${step}: loss ${lossA} (one thread) vs ${lossB} (two)`);
    }
    const wa = varsOf(a).map((v) => v.dataSync());
    const wb = varsOf(b).map((v) => v.dataSync());
    for (let i = 0; i < wa.length; i++) {
      // Three Adam steps move each weight by up to 3e-3; the two gradients differ by float32 rounding
      // (the loss is a float32 mean over 100k pixels: its summation error alone is about 1e-5).
      assert.ok(maxAbsDiff(wa[i]!, wb[i]!) < 2e-5, `weight ${i}: max difference ${maxAbsDiff(wa[i]!, wb[i]!)}`);
    }
    // An odd batch: the worker takes the smaller half.
    const loss = parallel.step(b.autoencoder, optB, varsOf(b), trainingLoss, [28, 28, 1], batch.subarray(0, 7 * 784), 7);
    assert.ok(Number.isFinite(loss) && loss > 0);
  } finally {
    await parallel.close();
    a.dispose();
    b.dispose();
    optA.dispose();
    optB.dispose();
    await tf.setBackend(previous);
  }
});

test('the validation loss on two threads is the eager one and both are accurate (chunks split between the threads, odd sizes)', async () => {
  const { tf } = await loadAllBackends();
  const previous = tf.getBackend();
  await tf.setBackend('wasm');
  const { train, val } = await smallData();
  // 1,279 images (the training subset twice, then the validation one): a chunk of 1,000, then one
  // of 279, each split in two halves (the second one odd).
  const all = new Float32Array(1279 * 784);
  all.set(train.data);
  all.set(train.data, train.data.length);
  all.set(val.data.subarray(0, all.length - 2 * train.data.length), 2 * train.data.length);
  const images = { data: all, rows: 1279, cols: 784 };
  const ae = await new ConvAutoencoder({ seed: 4 }).build();
  const parallel = await DataParallelStep.start(tf, 'wasm', 'ConvAutoencoder', ae.autoencoder, [28, 28, 1], 128);
  try {
    const varList = ae.autoencoder.trainableWeights.map((w) => w.read() as Variable);
    const before = tf.memory().numTensors;
    const eager = ae.evaluate(images);
    const twoThreads = parallel.meanLoss(varList, images, [28, 28, 1], binaryCrossEntropy, ae.autoencoder);
    assert.equal(tf.memory().numTensors, before, 'no tensors left behind');
    assert.ok(Math.abs(eager - twoThreads) < 1e-6, `eager ${eager} vs two threads ${twoThreads}`);
    // Both are accurate: wasm's Mean adds in float32 one by one, which over 1,000 images' pixels
    // came out 0.003 low; the reference averages 10-image losses in float64.
    let reference = 0;
    for (let i = 0; i < images.rows; i += 10) {
      const n = Math.min(10, images.rows - i);
      reference += ae.evaluate({ data: images.data.subarray(i * 784, (i + n) * 784), rows: n, cols: 784 }) * n;
    }
    reference /= images.rows;
    assert.ok(Math.abs(eager - reference) < 2e-5, `eager ${eager} vs float64 reference ${reference}`);
  } finally {
    await parallel.close();
    ae.dispose();
    await tf.setBackend(previous);
  }
});

test('fit with threads 2 trains like threads 1 on wasm and says so; tensorflow always trains on one', async () => {
  const { tf, backends } = await loadAllBackends();
  const previous = tf.getBackend();
  const { train, val } = await smallData();
  const fitWith = async (threads: 1 | 2) => {
    const ae = new DenseAutoencoder({ epochs: 2, batchSize: 64, seed: 5, hiddenSizes: [64, 32], codeSize: 4 });
    await ae.fit(head(train, 384), { validation: head(val, 128), threads });
    const h = ae.history.map((e) => [e.loss, e.valLoss!]);
    const used = ae.trainingThreads;
    ae.dispose();
    return { h, used };
  };
  if (backends.includes('tensorflow')) {
    await tf.setBackend('tensorflow');
    assert.equal((await fitWith(2)).used, 1);
  }
  await tf.setBackend('wasm');
  let one: Awaited<ReturnType<typeof fitWith>>;
  let two: Awaited<ReturnType<typeof fitWith>>;
  try {
    one = await fitWith(1);
    two = await fitWith(2);
  } finally {
    await tf.setBackend(previous);
  }
  assert.equal(one.used, 1);
  assert.equal(two.used, 2);
  for (let e = 0; e < 2; e++) {
    assert.ok(Math.abs(one.h[e]![0]! - two.h[e]![0]!) < 1e-4, `epoch ${e + 1} loss ${one.h[e]![0]} vs ${two.h[e]![0]}`);
    assert.ok(Math.abs(one.h[e]![1]! - two.h[e]![1]!) < 1e-4, `epoch ${e + 1} val loss ${one.h[e]![1]} vs ${two.h[e]![1]}`);
  }
});

test('a worker that cannot start says why and how to train on one thread', async () => {
  const { tf } = await initBackend();
  const ae = await new ConvAutoencoder({ seed: 1 }).build();
  try {
    await assert.rejects(
      DataParallelStep.start(tf, 'wasm', 'NoSuchAutoencoder', ae.autoencoder, [28, 28, 1], 128),
      /could not start: no training loss known for 'NoSuchAutoencoder'.*FMNIST_TRAIN_THREADS=1/,
    );
  } finally {
    ae.dispose();
  }
});
