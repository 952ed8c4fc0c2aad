/**
 * Interrupting training (JupyterLab's ■ sends SIGINT to the kernel) stops at the end of the
 * current batch, keeps the weights reached, and leaves the model cache untouched.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { existsSync, readdirSync } from 'node:fs';
import { loadOrTrain, ConvAutoencoder, isModelCached } from '../../src/models/index.js';
import { autoencoderCodes, trainedAutoencoder, type ExperimentData } from '../../src/experiment/pipeline.js';
import { SCALES } from '../../src/experiment/scale.js';
import { initBackend } from '../../src/tf/backend.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData } from './helpers.js';

test('fit with an AbortController aborted after the first batch stops after that batch; the history keeps the partial epoch', async () => {
  await initBackend();
  const { train, val } = await smallData();
  const images = head(train, 300);
  const controller = new AbortController();
  const batches: number[] = [];
  const ae = new ConvAutoencoder({ epochs: 2, batchSize: 64, seed: 3 });
  await ae.fit(images, {
    validation: head(val, 64),
    signal: controller.signal,
    onProgress: (p) => {
      if (p.phase === 'batch') batches.push(p.batch);
      if (p.phase === 'batch' && p.batch === 1) controller.abort();
    },
  });
  assert.deepEqual(batches, [1], 'no batch after the abort');
  assert.deepEqual(ae.interruptedAt, { epoch: 1, batch: 1, batches: 5 });
  assert.equal(ae.history.length, 1);
  assert.equal(ae.history[0]!.epoch, 1);
  assert.ok(ae.history[0]!.loss > 0 && ae.history[0]!.loss < 1, `partial epoch loss ${ae.history[0]!.loss}`);
  assert.equal(ae.history[0]!.valLoss, undefined, 'no validation of a partial epoch');
  const codes = ae.encode(head(val, 10));
  assert.equal(codes.rows, 10, 'the interrupted model keeps its weights and encodes');
  assert.ok(codes.data.every(Number.isFinite));
  // A later fit without a signal runs to the end and clears the interruption.
  await ae.fit(head(images, 64));
  assert.equal(ae.interruptedAt, undefined);
  ae.dispose();
});

test('loadOrTrain with an aborted signal returns the partial model and leaves the cache without an entry', async () => {
  await initBackend();
  const cacheDir = tempDir();
  const { train, val } = await smallData();
  const images = head(train, 128);
  const options = { epochs: 1, batchSize: 64, seed: 5, cacheDir, validation: head(val, 64) };
  const controller = new AbortController();
  controller.abort();
  const r = await loadOrTrain(images, { ...options, signal: controller.signal });
  assert.deepEqual(r.interrupted, { epoch: 1, batch: 1, batches: 2 });
  assert.equal(r.fromCache, false);
  assert.equal(r.meta, undefined);
  assert.ok(!existsSync(r.dir), 'no cache entry under the full settings\' key');
  // only the run's checkpoint, from which the next call continues
  assert.deepEqual(readdirSync(cacheDir), [path.basename(r.checkpointDir!)]);
  assert.equal(isModelCached(images, options), false);
  r.model.dispose();
  // The next run continues from the checkpoint and caches.
  const again = await loadOrTrain(images, options);
  assert.equal(again.fromCache, false);
  assert.equal(again.resumedAt, 1);
  assert.equal(again.interrupted, undefined);
  assert.equal(isModelCached(images, options), true);
  again.model.dispose();
});

test('trainedAutoencoder: SIGINT during training stops at the batch end, says so, caches no model, and the next cells use the weights reached', async () => {
  await initBackend();
  const { train, val } = await smallData();
  const cacheRoot = tempDir();
  const saved = process.env.FMNIST_CACHE_DIR;
  process.env.FMNIST_CACHE_DIR = cacheRoot;
  try {
    const labels = (n: number) => new Uint8Array(n);
    const data: ExperimentData = { train: { images: head(train, 192), labels: labels(192) }, test: { images: head(val, 64), labels: labels(64) }, settings: SCALES.smoke };
    const messages: string[] = [];
    let batchesSeen = 0;
    const r = await trainedAutoencoder(data, { epochs: 2, batchSize: 64, learningRate: 0.001, seed: 0 },
      (p) => { if (p.phase === 'batch' && ++batchesSeen === 2) process.kill(process.pid, 'SIGINT'); },
      (m) => messages.push(m));
    assert.deepEqual(r.interrupted, { epoch: 1, batch: 2, batches: 3 });
    assert.equal(batchesSeen, 2);
    assert.equal(messages.length, 1);
    assert.match(messages[0]!, /^Training interrupted at epoch 1\/2, batch 2\/3: the model keeps the weights reached so far, which the next cells use .*A checkpoint was saved: rerun this cell to continue/);
    assert.ok(!existsSync(r.dir));
    // The cells after it (Run All) go on with the weights reached: no training, codes marked as interrupted.
    let trainedAgain = false;
    const codes = await autoencoderCodes(data, { epochs: 2, batchSize: 64, learningRate: 0.001, seed: 0 }, { onProgress: () => { trainedAgain = true; } });
    assert.equal(trainedAgain, false);
    assert.deepEqual(codes.interruptedAt, { epoch: 1, batch: 2, batches: 3 });
    assert.equal(codes.test.rows, 64);
    r.model.dispose();
  } finally {
    if (saved === undefined) delete process.env.FMNIST_CACHE_DIR;
    else process.env.FMNIST_CACHE_DIR = saved;
  }
});
