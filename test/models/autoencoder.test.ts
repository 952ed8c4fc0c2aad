import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConvAutoencoder, type TrainingProgress } from '../../src/models/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { NotFittedError } from '../../src/util/validate.js';
import { head, maxAbsDiff, smallData } from './helpers.js';

test('training on a small real subset lowers the loss; progress, history and tensor counts are sane', async () => {
  const { tf } = await initBackend();
  const { train, val } = await smallData();
  const events: TrainingProgress[] = [];
  const tensorsAtEpochEnd: number[] = [];
  const ae = new ConvAutoencoder({ epochs: 3, batchSize: 64, seed: 1 });
  const before = tf.memory().numTensors;
  await ae.fit(train, {
    validation: val,
    onProgress: (p) => {
      events.push(p);
      if (p.phase === 'epoch') tensorsAtEpochEnd.push(tf.memory().numTensors);
    },
  });
  const h = ae.history;
  assert.equal(h.length, 3);
  assert.deepEqual(h.map((r) => r.epoch), [1, 2, 3]);
  for (const r of h) {
    assert.ok(r.loss > 0 && r.loss < 1, `loss ${r.loss}`);
    assert.ok(r.valLoss! > 0 && r.valLoss! < 1, `valLoss ${r.valLoss}`);
    assert.ok(r.seconds > 0);
  }
  assert.ok(h[2]!.loss < h[0]!.loss, `training loss should fall: ${h.map((r) => r.loss)}`);
  assert.ok(h[2]!.valLoss! < h[0]!.valLoss!, `validation loss should fall: ${h.map((r) => r.valLoss)}`);
  // valLoss is the loss on the validation data with the final weights
  assert.ok(Math.abs(ae.evaluate(val) - h[2]!.valLoss!) < 1e-6);

  // progress: 8 batches (512 / 64) + 1 epoch event per epoch, counters consistent
  assert.equal(events.length, 3 * (8 + 1));
  const batchEvents = events.filter((e) => e.phase === 'batch');
  assert.deepEqual(batchEvents.slice(0, 8).map((e) => e.batch), [1, 2, 3, 4, 5, 6, 7, 8]);
  for (const e of events) {
    assert.equal(e.epochs, 3);
    assert.equal(e.batches, 8);
    assert.ok(Number.isFinite(e.loss) && e.loss > 0 && Number.isFinite(e.batchLoss));
    assert.ok(e.etaSeconds >= 0 && Number.isFinite(e.etaSeconds));
    assert.ok(e.elapsedSeconds >= e.epochSeconds - 1e-9);
    assert.ok(e.imagesPerSecond > 0);
  }
  const epochEvents = events.filter((e) => e.phase === 'epoch');
  assert.deepEqual(epochEvents.map((e) => e.valLoss), h.map((r) => r.valLoss));
  assert.deepEqual(epochEvents.map((e) => e.loss), h.map((r) => r.loss));
  assert.equal(epochEvents.at(-1)!.etaSeconds, 0);
  // the epoch loss is the size-weighted mean of the batch losses (all batches full here)
  const epoch1 = batchEvents.slice(0, 8).reduce((a, e) => a + e.batchLoss, 0) / 8;
  assert.ok(Math.abs(epoch1 - h[0]!.loss) < 1e-9);

  // no tensor leak across epochs (weights + Adam slots only)
  assert.equal(new Set(tensorsAtEpochEnd).size, 1, `tensors per epoch: ${tensorsAtEpochEnd}`);
  const perModel = tensorsAtEpochEnd[0]! - before;
  // 14 weights + 2 × 14 Adam moments + Adam's 2 beta powers ... and nothing that grows
  assert.ok(perModel <= 14 * 3 + 4, `tensors held by a fitted model: ${perModel}`);

  // continue training: history extends, counts still flat
  await ae.fit(train, { validation: val });
  assert.equal(ae.history.length, 6);
  assert.equal(ae.history[5]!.epoch, 6);
  assert.equal(tf.memory().numTensors, tensorsAtEpochEnd[0]);

  // encode / decode / reconstruct: shapes, no leaks, consistency
  const n0 = tf.memory().numTensors;
  const codes = ae.encode(val);
  assert.equal(codes.rows, 256);
  assert.equal(codes.cols, 128);
  assert.equal(codes.data.length, 256 * 128);
  assert.ok(codes.data.every((v) => v >= 0 && Number.isFinite(v)), 'codes are relu outputs');
  assert.ok(codes.data.some((v) => v > 0));
  const again = ae.encode(val);
  assert.deepEqual(again.data, codes.data);
  const rec = ae.reconstruct(val);
  assert.equal(rec.rows, 256);
  assert.equal(rec.cols, 784);
  assert.ok(rec.data.every((v) => v >= 0 && v <= 1));
  const dec = ae.decode(codes);
  assert.ok(maxAbsDiff(dec.data, rec.data) < 1e-5);
  // encoding in one batch or row by row gives the same codes
  const one = ae.encode(head(val, 1));
  assert.ok(maxAbsDiff(one.data, codes.data.subarray(0, 128)) < 1e-5);
  assert.equal(tf.memory().numTensors, n0, 'encode/decode/reconstruct leave no tensors');

  ae.dispose();
  assert.equal(tf.memory().numTensors, before, 'dispose frees weights and optimizer state');
});

test('the same seed trains to the same weights; another seed does not', async () => {
  const { train } = await smallData();
  const data = head(train, 128);
  const run = async (seed: number) => {
    const ae = new ConvAutoencoder({ epochs: 1, batchSize: 32, seed });
    await ae.build();
    const init = ae.autoencoder.getWeights()[0]!.dataSync().slice();
    await ae.fit(data);
    const out = { init, trained: ae.autoencoder.getWeights().map((t) => Array.from(t.dataSync())), loss: ae.history[0]!.loss };
    ae.dispose();
    return out;
  };
  const a = await run(5);
  const b = await run(5);
  const c = await run(6);
  assert.deepEqual(a.init, b.init);
  assert.deepEqual(a.trained, b.trained);
  assert.equal(a.loss, b.loss);
  assert.notDeepEqual(a.init, c.init);
});

test('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
  const { train, val } = await smallData();
  // minDelta larger than any possible improvement: epoch 1 is the best, epoch 2 does not improve
  const ae = new ConvAutoencoder({ epochs: 5, batchSize: 64, seed: 2, earlyStopping: { patience: 1, minDelta: 10 } });
  await ae.fit(head(train, 256), { validation: val });
  assert.equal(ae.history.length, 2);
  assert.equal(ae.stoppedEarly, true);
  assert.ok(Math.abs(ae.evaluate(val) - ae.history[0]!.valLoss!) < 1e-6, 'weights of epoch 1 restored');
  ae.dispose();
});

test('validationSplit holds out the last images', async () => {
  const { train } = await smallData();
  const ae = new ConvAutoencoder({ epochs: 1, batchSize: 64, validationSplit: 0.25 });
  const events: TrainingProgress[] = [];
  await ae.fit(head(train, 256), { onProgress: (p) => events.push(p) });
  assert.equal(events[0]!.batches, 3); // 192 training images / 64
  const lastRows = { data: train.data.subarray(192 * 784, 256 * 784), rows: 64, cols: 784 };
  assert.ok(Math.abs(ae.evaluate(lastRows) - ae.history[0]!.valLoss!) < 1e-6);
  ae.dispose();
});

test('bad input and options are rejected with clear messages; methods need a model', async () => {
  assert.throws(() => new ConvAutoencoder({ epochs: 0 }), /epochs must be an integer >= 1, got 0/);
  assert.throws(() => new ConvAutoencoder({ batchSize: 2.5 }), /batchSize/);
  assert.throws(() => new ConvAutoencoder({ learningRate: -1 }), /learningRate/);
  assert.throws(() => new ConvAutoencoder({ earlyStopping: { patience: 0 } }), /earlyStopping.patience/);
  const ae = new ConvAutoencoder({ epochs: 1 });
  const img = { data: new Float32Array(784), rows: 1, cols: 784 };
  assert.throws(() => ae.encode(img), NotFittedError);
  assert.throws(() => ae.codeSize, NotFittedError);
  await assert.rejects(ae.fit({ data: new Float32Array(10 * 100), rows: 10, cols: 100 }), /images must have 784 columns .* got 10 × 100/);
  const bright = new Float32Array(784).fill(255);
  await assert.rejects(ae.fit({ data: bright, rows: 1, cols: 784 }), /value 255 at row 0, column 0; pixels must be in 0\.\.1/);
  const nan = new Float32Array(784); nan[5] = NaN;
  await assert.rejects(ae.fit({ data: nan, rows: 1, cols: 784 }), /value NaN at row 0, column 5/);
  await ae.build();
  assert.throws(() => ae.decode({ data: new Float32Array(64), rows: 1, cols: 64 }), /codes must have 128 columns \(the code size\), got 1 × 64/);
  // the encoder checks its input like fit: 0..255 pixels and NaN are refused, not encoded
  assert.throws(() => ae.encode({ data: bright, rows: 1, cols: 784 }), /value 255 at row 0, column 0; pixels must be in 0\.\.1 \(these look like 0\.\.255 values/);
  assert.throws(() => ae.reconstruct({ data: nan, rows: 1, cols: 784 }), /value NaN at row 0, column 5/);
  ae.dispose();
});

test('the training loss and its hand-written gradient match a float64 reference on random inputs', async () => {
  const { tf } = await initBackend();
  const { binaryCrossEntropy, trainingLoss } = await import('../../src/models/index.js');
  const shape: [number, number, number, number] = [3, 5, 7, 1];
  const z = tf.randomUniform(shape, -8, 8, 'float32', 21);
  const y = tf.randomUniform(shape, 0, 1, 'float32', 22);
  const zs = z.dataSync();
  const ys = y.dataSync();
  const n = zs.length;
  // reference: loss = mean(-(y log s + (1-y) log(1-s))), d loss / d z = (s - y) / n, s = sigmoid(z)
  let ref = 0;
  const refGrad = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = 1 / (1 + Math.exp(-zs[i]!));
    ref -= (ys[i]! * Math.log(s) + (1 - ys[i]!) * Math.log(1 - s)) / n;
    refGrad[i] = (s - ys[i]!) / n;
  }
  const { value, grads } = tf.tidy(() => {
    const f = (q: import('@tensorflow/tfjs').Tensor) => trainingLoss(tf, tf.sigmoid(q), y);
    const g = tf.valueAndGrad(f)(z);
    return { value: g.value, grads: g.grad };
  });
  const plain = tf.tidy(() => binaryCrossEntropy(tf, tf.sigmoid(z), y));
  assert.ok(Math.abs(value.dataSync()[0]! - ref) < 1e-5 * ref);
  assert.ok(Math.abs(plain.dataSync()[0]! - ref) < 1e-5 * ref);
  const g = grads.dataSync();
  for (let i = 0; i < n; i++) {
    assert.ok(Math.abs(g[i]! - refGrad[i]!) <= 2e-3 * Math.abs(refGrad[i]!) + 1e-9, `gradient ${i}: ${g[i]} vs ${refGrad[i]}`);
  }
  tf.dispose([z, y, value, grads, plain]);
});
