/**
 * Resumable training: a run split into pieces — interrupted mid-epoch, or asked for more epochs
 * after a shorter one — ends with the same weights and history losses, bit for bit, as one
 * uninterrupted run on the same backend: the compiled TensorFlow step on tensorflow, eager ops on
 * wasm (one thread and two). And through the model cache: interrupted, then continued; cached,
 * then extended.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { DenseAutoencoder } from '../../src/models/dense-autoencoder.js';
import { loadOrTrainDense, modelCacheStatus, DENSE_AUTOENCODER_KIND } from '../../src/models/cache.js';
import { readCheckpointInfo } from '../../src/models/checkpoint.js';
import { progressPrinter, type TrainingProgress } from '../../src/models/progress.js';
import type { Matrix } from '../../src/util/matrix.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData, weightsOf } from './helpers.js';
import { assertSplitRunsEqualWhole, lossesOf, onEachTrainingEngine } from './split-training.js';

let tf: TF;
let backends: BackendName[];
let data: Matrix;
let val: Matrix;
const OPTIONS = { hiddenSizes: [32, 16], codeSize: 4, batchSize: 50, epochs: 4, seed: 11, learningRate: 0.003 } as const;

before(async () => {
  ({ tf, backends } = await loadAllBackends());
  const small = await smallData();
  data = head(small.train, 230); // 5 batches, the last one short
  val = head(small.val, 40);
});

test('a run interrupted mid-epoch and resumed, or extended from fewer epochs, gives the weights of one uninterrupted run, bit for bit', async () => {
  await onEachTrainingEngine(tf, backends, async (engine) => {
    const runs = await assertSplitRunsEqualWhole(OPTIONS, data, val, engine);
    // checkpointing alone does not change the run
    const checkpointed = await new DenseAutoencoder(OPTIONS).fit(data, { validation: val, ...engine.fit, checkpoint: { dir: path.join(tempDir(), 'cp'), every: 1 } });
    assert.deepEqual(weightsOf(checkpointed), weightsOf(runs.whole), `${engine.name}: checkpointing changed the run`);
    for (const ae of [checkpointed, ...Object.values(runs)]) ae.dispose();
  });
});

test('an abort at the end of an epoch (its progress event: how a time budget stops) stops at that boundary, with a checkpoint there', async () => {
  const whole = await new DenseAutoencoder(OPTIONS).fit(data, { validation: val });
  const dir = path.join(tempDir(), 'run');
  const controller = new AbortController();
  const first = await new DenseAutoencoder(OPTIONS).fit(data, {
    validation: val, signal: controller.signal, checkpoint: { dir, every: 3 },
    onProgress: (p) => { if (p.phase === 'epoch' && p.epoch === 2) controller.abort(); },
  });
  assert.deepEqual(first.interruptedAt, { epoch: 2, batch: 5, batches: 5 });
  assert.deepEqual(first.history.map((h) => [h.epoch, h.valLoss !== undefined]), [[1, true], [2, true]], 'epoch 2 is complete, validated');
  const info = await readCheckpointInfo(dir);
  assert.deepEqual(info && [info.position.epoch, info.position.batch, info.history.length], [3, 0, 2]);
  const events: TrainingProgress[] = [];
  const second = await new DenseAutoencoder(OPTIONS).fit(data, { validation: val, checkpoint: { dir, every: 3 }, onProgress: (p) => events.push(p) });
  assert.match(events[0]!.message ?? '', /^resuming at epoch 3 of 4 /);
  assert.deepEqual(weightsOf(second), weightsOf(whole));
  assert.deepEqual(lossesOf(second), lossesOf(whole));
  for (const ae of [whole, first, second]) ae.dispose();
});

test('progressPrinter prints resume and checkpoint messages on their own line', () => {
  const out: string[] = [];
  const print = progressPrinter({ stream: { write: (x: string) => out.push(x) }, tty: true, prefix: 'ae ' });
  const base = { epoch: 3, epochs: 4, batch: 0, batches: 5, loss: 0.1, batchLoss: 0.1, epochSeconds: 0, elapsedSeconds: 0, etaSeconds: 0, imagesPerSecond: 0 };
  print({ ...base, phase: 'resume', message: 'resuming at epoch 3 of 4 from the checkpoint of x in y' });
  print({ ...base, phase: 'checkpoint', message: 'checkpoint after epoch 3 of 4 saved in y' });
  assert.deepEqual(out, ['ae resuming at epoch 3 of 4 from the checkpoint of x in y\n', 'ae checkpoint after epoch 3 of 4 saved in y\n']);
});

test('checkpoints are refused with early stopping, and a folder holding another run\'s checkpoint is never overwritten', async () => {
  const dir = path.join(tempDir(), 'cp');
  await assert.rejects(new DenseAutoencoder({ ...OPTIONS, earlyStopping: { patience: 2 } }).fit(data, { checkpoint: { dir } }),
    /checkpoint cannot be combined with earlyStopping/);
  await assert.rejects(new DenseAutoencoder(OPTIONS).fit(data, { checkpoint: { dir, every: 0 } }), RangeError);
  (await new DenseAutoencoder({ ...OPTIONS, epochs: 1 }).fit(data, { checkpoint: { dir } })).dispose();
  const before = readdirSync(dir).sort();
  await assert.rejects(new DenseAutoencoder({ ...OPTIONS, epochs: 1, seed: 12 }).fit(data, { checkpoint: { dir } }),
    /holds the checkpoint of another training run \(a DenseAutoencoder with other options or data\); refusing to replace it/);
  assert.deepEqual(readdirSync(dir).sort(), before);
});

test('loadOrTrainDense: interrupted, then continued from its checkpoint; cached, then extended to more epochs', async () => {
  const cacheDir = tempDir();
  const opts = { ...OPTIONS, cacheDir, validation: val, checkpointEvery: 1 };
  const reference = await loadOrTrainDense(data, { ...opts, cacheDir: tempDir() });
  const expected = weightsOf(reference.model);

  const status0 = await modelCacheStatus(DENSE_AUTOENCODER_KIND, data, opts);
  assert.equal(status0.summary, 'not trained yet: 4 epochs to train');
  const controller = new AbortController();
  const cut = await loadOrTrainDense(data, {
    ...opts, signal: controller.signal, onProgress: (p) => { if (p.phase === 'batch' && p.epoch === 3 && p.batch === 1) controller.abort(); },
  });
  assert.ok(cut.interrupted && cut.checkpointDir);
  const status1 = await modelCacheStatus(DENSE_AUTOENCODER_KIND, data, opts);
  assert.equal(status1.cached, false);
  assert.match(status1.summary, /^checkpoint in epoch 3 \(after batch 1\) of 4: 2 epochs to go/);
  assert.equal(status1.epochsDone, 2);
  const messages: string[] = [];
  const resumed = await loadOrTrainDense(data, { ...opts, onProgress: (p) => { if (p.message) messages.push(p.message); } });
  assert.equal(resumed.fromCache, false);
  assert.equal(resumed.resumedAt, 3);
  assert.match(messages[0]!, /^resuming at epoch 3, batch 2 of 4 /);
  assert.ok(messages.some((m) => /^checkpoint after epoch 4 of 4 saved in .*dense-ae-run-[0-9a-f]{20}$/.test(m)), messages.join(' | '));
  assert.deepEqual(weightsOf(resumed.model), expected);
  assert.equal(resumed.meta?.history.length, 4);
  assert.equal((await modelCacheStatus(DENSE_AUTOENCODER_KIND, data, opts)).summary, 'cached: 4 epochs trained');

  // a longer training of the same run: only the missing epochs run, from the final checkpoint
  const longer = await loadOrTrainDense(data, { ...opts, epochs: 6 });
  assert.equal(longer.resumedAt, 5);
  const longReference = await loadOrTrainDense(data, { ...opts, epochs: 6, cacheDir: tempDir() });
  assert.deepEqual(weightsOf(longer.model), weightsOf(longReference.model));
  // and the 4-epoch model is still cached as it was
  const again = await loadOrTrainDense(data, opts);
  assert.equal(again.fromCache, true);
  assert.deepEqual(weightsOf(again.model), expected);
  for (const r of [reference, cut, resumed, longer, longReference, again]) r.model.dispose();
});

test('buildFromCheckpoint: the weights and history of a run mid-way, for encoding; other widths or no checkpoint are refused', async () => {
  const runDir = tempDir();
  const stop = new AbortController();
  const running = await new DenseAutoencoder(OPTIONS).fit(data, {
    checkpoint: { dir: runDir, every: 10 }, signal: stop.signal,
    onProgress: (p) => { if (p.phase === 'epoch' && p.epoch === 2) stop.abort(); }, // a budget stopping it after 2 of 4 epochs
  });
  const twoEpochs = await new DenseAutoencoder({ ...OPTIONS, epochs: 2 }).fit(data);
  const watcher = new DenseAutoencoder(OPTIONS);
  const info = await watcher.buildFromCheckpoint(runDir);
  assert.deepEqual([info.position.epoch, info.position.batch, info.kind, info.epochs], [3, 0, 'DenseAutoencoder', 4]);
  assert.deepEqual(watcher.history.map((h) => h.epoch), [1, 2]);
  assert.deepEqual(weightsOf(watcher), weightsOf(twoEpochs), 'the checkpoint after 2 of 4 epochs holds the weights of a 2-epoch run');
  assert.deepEqual(watcher.encode(val).data, twoEpochs.encode(val).data);
  await assert.rejects(new DenseAutoencoder({ ...OPTIONS, hiddenSizes: [16, 16] }).buildFromCheckpoint(runDir), /holds weights that do not fit this DenseAutoencoder's options/);
  await assert.rejects(new DenseAutoencoder(OPTIONS).buildFromCheckpoint(tempDir()), /holds no training checkpoint \(checkpoint\.json\)/);
  for (const m of [running, twoEpochs, watcher]) m.dispose();
});
