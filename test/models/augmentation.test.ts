/**
 * Shift augmentation during autoencoder training (`augmentation: { maxShift }`): the shift itself
 * against hand-computed translations, the seeded shifts, split training equal to uninterrupted
 * training with it (every engine), that it changes training but never the validation loss, and
 * that without it options, cache keys, checkpoint runs and saved files are exactly as before it existed.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { batchShifts, sampleGrid, MAX_SHIFT, resolveAugmentation, shiftImages } from '../../src/models/augmentation.js';
import { DenseAutoencoder, resolveDenseAutoencoderOptions } from '../../src/models/dense-autoencoder.js';
import { ConvAutoencoder } from '../../src/models/autoencoder.js';
import { DENSE_AUTOENCODER_KIND, modelCacheLocation } from '../../src/models/cache.js';
import { readCheckpointInfo, trainingRunId } from '../../src/models/checkpoint.js';
import type { Matrix } from '../../src/util/matrix.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData, weightsOf } from './helpers.js';
import { assertSplitRunsEqualWhole, onEachTrainingEngine } from './split-training.js';

let tf: TF;
let backends: BackendName[];
let data: Matrix;
let val: Matrix;
const PLAIN = { hiddenSizes: [32, 16], codeSize: 4, batchSize: 50, epochs: 4, seed: 11, learningRate: 0.003 } as const;
const SHIFTED = { ...PLAIN, augmentation: { maxShift: 2 } } as const;

before(async () => {
  ({ tf, backends } = await loadAllBackends());
  const small = await smallData();
  data = head(small.train, 230); // 5 batches, the last one short
  val = head(small.val, 40);
});

/** The straightforward per-pixel translation the fast one must equal: out(x, y) = in(x − dx, y − dy), else 0. */
function referenceShift(image: Float32Array, width: number, height: number, dx: number, dy: number): Float32Array {
  const out = new Float32Array(image.length);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const sx = x - dx, sy = y - dy;
      out[y * width + x] = sx >= 0 && sx < width && sy >= 0 && sy < height ? image[sy * width + sx]! : 0;
    }
  }
  return out;
}

test('shiftImages: a known image moved by (+1, −2) is the hand-computed translation, zeros filled in; (0, 0) leaves an image as it is', () => {
  // 4 wide, 5 high: value 1 + x + 10·y
  const image = Float32Array.from({ length: 20 }, (_, i) => 1 + (i % 4) + 10 * Math.floor(i / 4));
  const batch = new Float32Array(40);
  batch.set(image, 0);
  batch.set(image, 20);
  shiftImages(batch, 2, { height: 5, width: 4, channels: 1 }, [1, -2, 0, 0]);
  assert.deepEqual([...batch.subarray(0, 20)], [
    0, 21, 22, 23,
    0, 31, 32, 33,
    0, 41, 42, 43,
    0, 0, 0, 0,
    0, 0, 0, 0,
  ]);
  assert.deepEqual([...batch.subarray(20)], [...image], 'the second image had shift (0, 0)');

  // two channels, innermost: a pixel's channels move together
  const rgb = Float32Array.of(1, -1, 2, -2, 3, -3, 4, -4); // 2×2 pixels × 2 channels
  shiftImages(rgb, 1, { height: 2, width: 2, channels: 2 }, [-1, 1]);
  assert.deepEqual([...rgb], [0, 0, 0, 0, 2, -2, 0, 0]);

  // a 28×28 Fashion-MNIST image, every shift of ±4 and beyond the image
  const real = Float32Array.from({ length: 784 }, (_, i) => ((i * 7919) % 255) / 255);
  for (const [dx, dy] of [[1, -2], [-4, 4], [3, 0], [-2, 0], [2, 3], [0, -1], [0, 4], [-1, -1], [28, 0], [-30, 5]] as const) {
    const one = real.slice();
    shiftImages(one, 1, sampleGrid([784]), [dx, dy]);
    assert.deepEqual(one, referenceShift(real, 28, 28, dx, dy), `shift (${dx}, ${dy})`);
  }
});

test('sampleGrid: 784 values are 28×28; a non-square pixel count is refused', () => {
  assert.deepEqual(sampleGrid([784]), { height: 28, width: 28, channels: 1 });
  assert.deepEqual(sampleGrid([28, 28, 1]), { height: 28, width: 28, channels: 1 });
  assert.throws(() => sampleGrid([780]), (e: Error) => e instanceof RangeError && /780 values, not a square number of pixels/.test(e.message) && /augmentation: null/.test(e.message));
  assert.throws(() => new DenseAutoencoder({ inputSize: 780, augmentation: { maxShift: 1 } }), /not a square number of pixels/);
  assert.doesNotThrow(() => new DenseAutoencoder({ inputSize: 780 }), 'without augmentation any input size trains');
});

test('augmentation.maxShift must be an integer 1..4: 0, 5, 1.5, NaN are refused naming the option, expected and actual', () => {
  for (const bad of [0, 5, 1.5, Number.NaN, -1]) {
    assert.throws(() => resolveAugmentation({ maxShift: bad }), (e: Error) =>
      e instanceof RangeError && e.message.startsWith(`augmentation.maxShift must be an integer in 1..${MAX_SHIFT}, got ${bad}.`), String(bad));
    assert.throws(() => new DenseAutoencoder({ augmentation: { maxShift: bad } }), RangeError);
    assert.throws(() => new ConvAutoencoder({ augmentation: { maxShift: bad } }), RangeError);
  }
  assert.throws(() => resolveAugmentation({ maxShift: '2' as unknown as number }), /augmentation.maxShift must be a number, got string/);
  assert.throws(() => resolveAugmentation(2 as unknown as { maxShift: number }), (e: Error) => e instanceof TypeError && /augmentation must be \{ maxShift: 1..4 \} or null/.test(e.message));
  assert.deepEqual(resolveAugmentation({ maxShift: 4 }), { maxShift: 4 });
  assert.equal(resolveAugmentation(null), undefined);
});

test('batchShifts: within ±maxShift, not all zero, every value used; a function of (seed, epoch, batch) only', () => {
  const s = batchShifts(7, 3, 5, 256, 2);
  assert.equal(s.length, 512);
  assert.ok(s.every((v) => v >= -2 && v <= 2));
  assert.deepEqual(new Set(s), new Set([-2, -1, 0, 1, 2]));
  assert.ok(s.some((v) => v !== 0));
  assert.deepEqual(batchShifts(7, 3, 5, 256, 2), s, 'same (seed, epoch, batch): same shifts');
  assert.notDeepEqual(batchShifts(7, 4, 5, 256, 2), s, 'another epoch');
  assert.notDeepEqual(batchShifts(7, 3, 6, 256, 2), s, 'another batch');
  assert.notDeepEqual(batchShifts(8, 3, 5, 256, 2), s, 'another seed');
  assert.deepEqual(batchShifts(7, 3, 5, 100, 2), s.subarray(0, 200), 'a short last batch takes the first shifts');
  const one = batchShifts(7, 3, 5, 256, 1);
  assert.deepEqual(new Set(one), new Set([-1, 0, 1]));
});

test('without augmentation, options, cache keys and checkpoint runs are those of before the option (pinned)', () => {
  // A fixed small matrix and N2D's protocol training settings (1,000 epochs, batch 256, Adam 0.001, seed 0, 784-500-500-2000-10);
  // the values were computed on the code before the option existed (commit 8837654).
  const rows = 3, cols = 784;
  const fixed = { data: Float32Array.from({ length: rows * cols }, (_, i) => ((i * 37) % 256) / 255), rows, cols };
  const protocol = { epochs: 1000, batchSize: 256, learningRate: 0.001, seed: 0, hiddenSizes: [500, 500, 2000], codeSize: 10 };
  for (const off of [protocol, { ...protocol, augmentation: null }, { ...protocol, augmentation: undefined }]) {
    const { key, runDir } = modelCacheLocation(DENSE_AUTOENCODER_KIND, fixed, off, { cacheDir: '/nonexistent' });
    assert.equal(key, 'dense-ae-0ee1610331542950f94a');
    assert.equal(path.basename(runDir), 'dense-ae-run-ae81ff2ab833e18723b7');
    const resolved = resolveDenseAutoencoderOptions(off);
    assert.equal('augmentation' in resolved, false, 'off leaves no augmentation key in the resolved options');
    assert.equal(trainingRunId('DenseAutoencoder', resolved, fixed, undefined), '16cc8ab571c68715cfac100406697d9b32f44d4a780c82b8803563e20961f3e5');
  }
  assert.equal(modelCacheLocation(DENSE_AUTOENCODER_KIND, fixed, { ...protocol, epochs: 3 }).key, 'dense-ae-9f33665a7ff6383522c8', 'smoke scale (3 epochs)');

  const on = modelCacheLocation(DENSE_AUTOENCODER_KIND, fixed, { ...protocol, augmentation: { maxShift: 2 } });
  const other = modelCacheLocation(DENSE_AUTOENCODER_KIND, fixed, { ...protocol, augmentation: { maxShift: 1 } });
  assert.notEqual(on.key, 'dense-ae-0ee1610331542950f94a');
  assert.notEqual(path.basename(on.runDir), 'dense-ae-run-ae81ff2ab833e18723b7', 'an augmented run never continues a plain checkpoint');
  assert.notEqual(on.key, other.key);
  assert.deepEqual((on.material.training as { augmentation?: unknown }).augmentation, { maxShift: 2 });
});

test('with augmentation, a run interrupted mid-epoch and resumed, or extended from fewer epochs, gives the weights of one uninterrupted run, bit for bit; and differs from the plain run', async () => {
  await onEachTrainingEngine(tf, backends, async (engine) => {
    const runs = await assertSplitRunsEqualWhole(SHIFTED, data, val, engine);
    const plain = await new DenseAutoencoder(PLAIN).fit(data, { validation: val, ...engine.fit });
    assert.notDeepEqual(weightsOf(plain), weightsOf(runs.whole), `${engine.name}: augmentation reached the step`);
    assert.notEqual(plain.history[0]!.loss, runs.whole.history[0]!.loss, engine.name);
    for (const ae of [plain, ...Object.values(runs)]) ae.dispose();
  });
});

test('the validation loss is taken on the images as they are, never shifted', async () => {
  const ae = await new DenseAutoencoder({ ...SHIFTED, epochs: 2 }).fit(data, { validation: val, threads: 1 });
  const valLoss = ae.history.at(-1)!.valLoss!;
  const unshifted = ae.evaluate(val);
  const moved = val.data.slice();
  shiftImages(moved, val.rows, sampleGrid([784]), batchShifts(0, 1, 0, val.rows, 2));
  const shifted = ae.evaluate({ data: moved, rows: val.rows, cols: val.cols });
  assert.ok(Math.abs(valLoss - unshifted) <= 1e-6 * unshifted, `valLoss ${valLoss} vs evaluate ${unshifted}`);
  assert.ok(Math.abs(shifted - unshifted) > Math.max(1e-4, 100 * Math.abs(valLoss - unshifted)), `shifting the validation images changes the loss (${shifted} vs ${unshifted})`);
  ae.dispose();
});

test('a checkpoint of a plain run is refused by an augmented fit (and the other way round), never mixed', async () => {
  const dir = path.join(tempDir(), 'cp');
  (await new DenseAutoencoder({ ...PLAIN, epochs: 1 }).fit(data, { checkpoint: { dir } })).dispose();
  const plainRun = (await readCheckpointInfo(dir))!.run;
  await assert.rejects(new DenseAutoencoder({ ...SHIFTED, epochs: 2 }).fit(data, { checkpoint: { dir } }),
    /holds the checkpoint of another training run \(a DenseAutoencoder with other options or data\); refusing to replace it/);
  assert.equal((await readCheckpointInfo(dir))!.run, plainRun, 'the plain checkpoint is kept');
  const dir2 = path.join(tempDir(), 'cp2');
  (await new DenseAutoencoder({ ...SHIFTED, epochs: 1 }).fit(data, { checkpoint: { dir: dir2 } })).dispose();
  await assert.rejects(new DenseAutoencoder({ ...PLAIN, epochs: 2 }).fit(data, { checkpoint: { dir: dir2 } }), /holds the checkpoint of another training run/);
  await assert.rejects(new DenseAutoencoder({ ...SHIFTED, epochs: 2, augmentation: { maxShift: 1 } }).fit(data, { checkpoint: { dir: dir2 } }), /holds the checkpoint of another training run/);
});

test('save/load keeps the option; a plain model saves no augmentation field', async () => {
  const ae = await new DenseAutoencoder({ ...SHIFTED, epochs: 1 }).fit(head(data, 100));
  const dir = path.join(tempDir(), 'shifted');
  await ae.save(dir);
  const loaded = await DenseAutoencoder.load(dir);
  assert.deepEqual(loaded.options.augmentation, { maxShift: 2 });
  assert.deepEqual(loaded.options, ae.options);
  assert.deepEqual(weightsOf(loaded), weightsOf(ae));

  const plain = await new DenseAutoencoder({ ...PLAIN, epochs: 1 }).fit(head(data, 100));
  const plainDir = path.join(tempDir(), 'plain');
  await plain.save(plainDir);
  const saved = JSON.parse(readFileSync(path.join(plainDir, 'model.json'), 'utf8')).userDefinedMetadata.fmnistCluster.options;
  assert.deepEqual(Object.keys(saved).sort(), ['architecture', 'batchSize', 'earlyStopping', 'epochs', 'learningRate', 'seed', 'validationSplit']);
  assert.equal('augmentation' in (await DenseAutoencoder.load(plainDir)).options, false);

  // the convolutional autoencoder shares the loop: its option is kept too, and shifts change its training
  const conv = { epochs: 1, batchSize: 32, seed: 3, encoderFilters: [4, 4], codeChannels: 2 } as const;
  const shiftedConv = await new ConvAutoencoder({ ...conv, augmentation: { maxShift: 1 } }).fit(head(data, 64), { threads: 1 });
  const plainConv = await new ConvAutoencoder(conv).fit(head(data, 64), { threads: 1 });
  assert.notDeepEqual(weightsOf(shiftedConv), weightsOf(plainConv));
  const convDir = path.join(tempDir(), 'conv');
  await shiftedConv.save(convDir);
  assert.deepEqual((await ConvAutoencoder.load(convDir)).options.augmentation, { maxShift: 1 });
  for (const m of [ae, loaded, plain, shiftedConv, plainConv]) m.dispose();
});
