/**
 * N2D's dense autoencoder (src/models/dense-*.ts): architecture, training on real images,
 * determinism, save/load, cache, bad input, and a cross-check of the forward pass, the MSE loss
 * and its gradients against PyTorch (test/fixtures/dense_ae.json, made by
 * test/fixtures/make_dense_ae_fixtures.py).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Tensor, Variable } from '@tensorflow/tfjs';
import { loadFashionMnist, stratifiedSubset } from '../../src/data/index.js';
import {
  architectureTable,
  buildDenseAutoencoderWith,
  ConvAutoencoder,
  DenseAutoencoder,
  isDenseModelCached,
  loadOrTrainDense,
  meanSquaredError,
  ModelFileError,
  resolveDenseArchitecture,
  type TrainingProgress,
} from '../../src/models/index.js';
import { initBackend } from '../../src/tf/backend.js';
import type { Matrix } from '../../src/util/matrix.js';
import { NotFittedError } from '../../src/util/validate.js';
import { tempDir } from '../helpers/tmp.js';
import { head, maxAbsDiff, smallData } from './helpers.js';

interface Fixture {
  paramCount: number;
  small: {
    inputSize: number; hiddenSizes: number[]; codeSize: number; rows: number;
    weights: { kernel: number[]; bias: number[]; shape: [number, number] }[];
    x: number[]; codes: number[]; reconstruction: number[]; mse: number;
    gradients: { kernel: number[]; bias: number[] }[];
  };
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'dense_ae.json'), 'utf8')) as Fixture;

let realData: Promise<{ train: Matrix; val: Matrix }> | undefined;
/** 2,000 real training images and 500 test images (stratified). */
function twoThousand(): Promise<{ train: Matrix; val: Matrix }> {
  realData ??= (async () => {
    const { train, test } = await loadFashionMnist({ verify: false });
    return { train: stratifiedSubset(train, 2000, 3).images, val: stratifiedSubset(test, 500, 4).images };
  })();
  return realData;
}

test("the default architecture is N2D's d-500-500-2000-10: layer names, shapes, 3,330,794 parameters (as PyTorch counts)", async () => {
  const { tf } = await initBackend();
  const { autoencoder, encoder, decoder, codeSize } = buildDenseAutoencoderWith(tf, resolveDenseArchitecture(), 0);
  assert.equal(autoencoder.countParams(), fixture.paramCount);
  assert.equal(fixture.paramCount, 3330794);
  assert.equal(codeSize, 10);
  assert.deepEqual(architectureTable(autoencoder).map((r) => [r.name, r.outputShape[0], r.params]), [
    ['encoder_0', 500, 392500], ['encoder_1', 500, 250500], ['encoder_2', 2000, 1002000], ['encoder_3', 10, 20010],
    ['decoder_3', 2000, 22000], ['decoder_2', 500, 1000500], ['decoder_1', 500, 250500], ['decoder_0', 784, 392784],
  ]);
  const activations = autoencoder.layers.slice(1).map((l) => (l.getConfig() as { activation: string }).activation);
  assert.deepEqual(activations, ['relu', 'relu', 'relu', 'linear', 'relu', 'relu', 'relu', 'linear']);
  assert.equal(encoder.countParams() + decoder.countParams(), fixture.paramCount, 'encoder and decoder share the layers');
  autoencoder.weights.forEach((w) => w.dispose());
});

test('forward pass, MSE loss and its gradients match PyTorch with the same weights on random inputs', async () => {
  const { tf } = await initBackend();
  const s = fixture.small;
  const { autoencoder, encoder } = buildDenseAutoencoderWith(tf, resolveDenseArchitecture(s), 0);
  autoencoder.setWeights(s.weights.flatMap((w) => [tf.tensor2d(w.kernel, w.shape), tf.tensor1d(w.bias)]));
  const x = tf.tensor2d(s.x, [s.rows, s.inputSize]);
  const codes = tf.tidy(() => encoder.apply(x) as Tensor);
  const recon = tf.tidy(() => autoencoder.apply(x) as Tensor);
  assert.ok(maxAbsDiff(codes.dataSync(), s.codes) < 1e-5, `codes differ by ${maxAbsDiff(codes.dataSync(), s.codes)}`);
  assert.ok(maxAbsDiff(recon.dataSync(), s.reconstruction) < 1e-5, `reconstructions differ by ${maxAbsDiff(recon.dataSync(), s.reconstruction)}`);
  const vars = autoencoder.trainableWeights.map((w) => w.read() as Variable);
  const { value, grads } = tf.variableGrads(() => meanSquaredError(tf, autoencoder.apply(x, { training: true }) as Tensor, x), vars);
  assert.ok(Math.abs(value.dataSync()[0]! - s.mse) < 1e-6 * Math.max(1, s.mse), `mse ${value.dataSync()[0]} vs PyTorch ${s.mse}`);
  const expected = s.gradients.flatMap((g) => [g.kernel, g.bias]);
  vars.forEach((v, i) => {
    const got = grads[v.name]!.dataSync();
    const scale = Math.max(...expected[i]!.map(Math.abs), 1e-6);
    assert.ok(maxAbsDiff(got, expected[i]!) <= 1e-4 * scale, `gradient of ${v.name} differs by ${maxAbsDiff(got, expected[i]!)} (scale ${scale})`);
  });
  tf.dispose([x, codes, recon, value, ...Object.values(grads)]);
  autoencoder.weights.forEach((w) => w.dispose());
});

test('training 2 epochs on 2,000 real images lowers the loss; codes are N × 10; progress and history are sane', async () => {
  const { tf } = await initBackend();
  const { train, val } = await twoThousand();
  const events: TrainingProgress[] = [];
  const ae = new DenseAutoencoder({ epochs: 2, seed: 1 });
  const before = tf.memory().numTensors;
  await ae.fit(train, { validation: val, onProgress: (p) => events.push(p) });
  const h = ae.history;
  assert.deepEqual(h.map((r) => r.epoch), [1, 2]);
  assert.ok(h[1]!.loss < h[0]!.loss, `training loss should fall: ${h.map((r) => r.loss)}`);
  assert.ok(h[1]!.valLoss! < h[0]!.valLoss!, `validation loss should fall: ${h.map((r) => r.valLoss)}`);
  for (const r of h) assert.ok(r.loss > 0 && r.loss < 0.2 && r.valLoss! > 0 && r.valLoss! < 0.2, JSON.stringify(r));
  assert.ok(Math.abs(ae.evaluate(val) - h[1]!.valLoss!) < 1e-6, 'valLoss is the MSE on the validation data');
  assert.equal(events.filter((e) => e.phase === 'batch').length, 2 * 8, '2,000 / 256 → 8 batches per epoch');
  assert.equal(events.filter((e) => e.phase === 'epoch').length, 2);
  const codes = ae.encode(val);
  assert.ok(codes.data instanceof Float32Array);
  assert.deepEqual([codes.rows, codes.cols, codes.data.length], [500, 10, 5000]);
  assert.ok(codes.data.every(Number.isFinite));
  const recon = ae.reconstruct(head(val, 3));
  assert.deepEqual([recon.rows, recon.cols], [3, 784]);
  const decoded = ae.decode(head(codes, 3));
  assert.ok(maxAbsDiff(decoded.data, recon.data) < 1e-4, 'decode(encode(x)) = reconstruct(x)');
  // the optimizer's two moment vectors and its constants are the only tensors kept besides the weights
  assert.ok(tf.memory().numTensors - before <= 16 + 2 + 6, `tensors kept: ${tf.memory().numTensors - before}`);
  assert.equal(ae.architectureName, '784-500-500-2000-10');
  ae.dispose();
});

test('the same seed trains to the same codes; another seed does not', async () => {
  await initBackend();
  const { train, val } = await smallData();
  const codesFor = async (seed: number) => {
    const ae = await new DenseAutoencoder({ epochs: 1, seed, hiddenSizes: [64, 32] }).fit(train);
    const c = ae.encode(head(val, 50));
    ae.dispose();
    return c.data;
  };
  const a = await codesFor(5);
  assert.deepEqual(await codesFor(5), a);
  assert.ok(maxAbsDiff(await codesFor(6), a) > 1e-3);
});

test('save → load gives identical codes, options and history; a conv model folder is refused with a clear message', async () => {
  await initBackend();
  const { train, val } = await smallData();
  const dir = path.join(tempDir(), 'dense');
  const ae = await new DenseAutoencoder({ epochs: 1, seed: 2, hiddenSizes: [32, 16], codeSize: 4 }).fit(train, { validation: head(val, 64) });
  await ae.save(dir);
  const back = await DenseAutoencoder.load(dir);
  assert.deepEqual(back.options, ae.options);
  assert.deepEqual(back.history, ae.history);
  assert.equal(back.codeSize, 4);
  assert.deepEqual(back.encode(val).data, ae.encode(val).data);
  assert.deepEqual(back.reconstruct(head(val, 5)).data, ae.reconstruct(head(val, 5)).data);
  // training continues after a load
  await back.fit(head(train, 64));
  assert.equal(back.history.length, 2);

  const convDir = path.join(tempDir(), 'conv');
  const conv = await new ConvAutoencoder({ epochs: 1 }).build();
  await conv.save(convDir);
  await assert.rejects(DenseAutoencoder.load(convDir), (e: Error) => e instanceof ModelFileError && /kind 'ConvAutoencoder'.*ConvAutoencoder\.load/.test(e.message));
  for (const m of [ae, back, conv]) m.dispose();
});

test('loadOrTrainDense trains once, then returns the cached model (key dense-ae-…, covering every option)', async () => {
  const cacheDir = tempDir();
  const { train, val } = await smallData();
  const data = head(train, 128);
  const options = { epochs: 1, batchSize: 64, seed: 4, hiddenSizes: [16], codeSize: 3, cacheDir, validation: head(val, 32) };
  assert.equal(isDenseModelCached(data, options), false);
  const first = await loadOrTrainDense(data, options);
  assert.equal(first.fromCache, false);
  assert.match(first.key, /^dense-ae-[0-9a-f]{20}$/);
  assert.equal(first.meta!.material.model, 'DenseAutoencoder');
  assert.equal(isDenseModelCached(data, options), true);
  const second = await loadOrTrainDense(data, options);
  assert.equal(second.fromCache, true);
  assert.ok(second.model instanceof DenseAutoencoder);
  assert.deepEqual(second.model.encode(val).data, first.model.encode(val).data);
  const other = await loadOrTrainDense(data, { ...options, hiddenSizes: [17] });
  assert.notEqual(other.key, first.key);
  for (const r of [first, second, other]) r.model.dispose();
});

test('fit with an aborted signal stops after the batch; bad input and options are rejected with clear messages', async () => {
  await initBackend();
  const { train, val } = await smallData();
  const controller = new AbortController();
  const ae = new DenseAutoencoder({ epochs: 2, batchSize: 64, hiddenSizes: [16] });
  await ae.fit(head(train, 300), { signal: controller.signal, onProgress: (p) => { if (p.batch === 1) controller.abort(); } });
  assert.deepEqual(ae.interruptedAt, { epoch: 1, batch: 1, batches: 5 });
  assert.equal(ae.history.length, 1);
  ae.dispose();

  assert.throws(() => new DenseAutoencoder({ epochs: 0 }), /epochs must be an integer >= 1, got 0/);
  assert.throws(() => new DenseAutoencoder({ hiddenSizes: [500, 0] }), /hiddenSizes\[1\] must be an integer >= 1, got 0/);
  assert.throws(() => new DenseAutoencoder({ codeSize: 2.5 }), /codeSize must be an integer >= 1, got 2.5/);
  assert.throws(() => new DenseAutoencoder({ learningRate: -1 }), /learningRate/);
  assert.throws(() => new DenseAutoencoder({ validationSplit: 1 }), /validationSplit/);
  const fresh = new DenseAutoencoder({ epochs: 1 });
  assert.throws(() => fresh.encode(head(val, 1)), NotFittedError);
  assert.throws(() => fresh.codeSize, NotFittedError);
  await assert.rejects(fresh.fit({ data: new Float32Array(10 * 100), rows: 10, cols: 100 }), /images must have 784 columns .* got 10 × 100/);
  const bright = new Float32Array(784).fill(255);
  await assert.rejects(fresh.fit({ data: bright, rows: 1, cols: 784 }), /value 255 at row 0, column 0; pixels must be in 0\.\.1 \(these look like 0\.\.255/);
  const nan = new Float32Array(784); nan[5] = NaN;
  await assert.rejects(fresh.fit({ data: nan, rows: 1, cols: 784 }), /value NaN at row 0, column 5/);
  await assert.rejects(new DenseAutoencoder({ validationSplit: 0.5 }).fit(head(train, 1)), /leaves 1 for training and 0 for validation/);
  await fresh.build();
  assert.throws(() => fresh.encode({ data: bright, rows: 1, cols: 784 }), /pixels must be in 0\.\.1/);
  assert.throws(() => fresh.decode({ data: new Float32Array(8), rows: 1, cols: 8 }), /codes must have 10 columns \(the code size\), got 1 × 8/);
  assert.throws(() => fresh.encode([[0.5]] as unknown as Matrix), TypeError);
  fresh.dispose();
});
