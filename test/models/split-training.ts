/**
 * The one check behind every "split training equals uninterrupted training" test: the same
 * options trained whole, interrupted mid-epoch then resumed, and cut short then extended, on each
 * engine a user can train on. Tests call it with their own options and add their own assertions.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { BackendName, TF } from '../../src/tf/backend.js';
import { DenseAutoencoder, type DenseAutoencoderOptions } from '../../src/models/dense-autoencoder.js';
import { readCheckpointInfo } from '../../src/models/checkpoint.js';
import type { TrainingProgress } from '../../src/models/progress.js';
import type { Matrix } from '../../src/util/matrix.js';
import { tempDir } from '../helpers/tmp.js';
import { weightsOf } from './helpers.js';

export interface TrainingEngine {
  name: string;
  backend: BackendName;
  fit: { engine?: 'graph' | 'eager'; threads?: 1 | 2 };
}

/** The engines split training is tested on: the compiled step on tensorflow, eager on wasm with one and two threads. */
export function splitTrainingEngines(backends: readonly BackendName[]): TrainingEngine[] {
  const list: TrainingEngine[] = [];
  if (backends.includes('tensorflow')) list.push({ name: 'tensorflow, compiled step', backend: 'tensorflow', fit: { engine: 'graph' } });
  if (backends.includes('wasm')) {
    list.push({ name: 'wasm, eager, one thread', backend: 'wasm', fit: { threads: 1 } });
    list.push({ name: 'wasm, eager, two threads', backend: 'wasm', fit: { threads: 2 } });
  }
  return list;
}

/** Each epoch's number, training loss and validation loss. */
export const lossesOf = (ae: DenseAutoencoder) => ae.history.map((h) => [h.epoch, h.loss, h.valLoss]);

/** The runs `assertSplitRunsEqualWhole` trained, for the caller's own checks; the caller disposes them. */
export interface SplitRuns {
  whole: DenseAutoencoder;
  interrupted: DenseAutoencoder;
  resumed: DenseAutoencoder;
  extended: DenseAutoencoder;
}

/**
 * On the active backend, trains `options` (4 epochs of 5 batches, the data's size and batch size
 * chosen so) three ways and asserts the split ones end bit for bit with the uninterrupted run's
 * weights and history losses, training only what was missing:
 * - ■ in epoch 2 after its 3rd batch (checkpoint every epoch), resumed by a fresh estimator;
 * - 2 epochs, then a fresh estimator asked for 4.
 */
export async function assertSplitRunsEqualWhole(
  options: DenseAutoencoderOptions, data: Matrix, validation: Matrix, { name, fit }: TrainingEngine,
): Promise<SplitRuns> {
  assert.equal(options.epochs, 4, 'the split runs are laid out for 4 epochs');
  const whole = await new DenseAutoencoder(options).fit(data, { validation, ...fit });
  const expected = weightsOf(whole);
  if (fit.engine) assert.equal(whole.trainingEngine?.engine, fit.engine, name);

  const dir = path.join(tempDir(), 'run');
  const controller = new AbortController();
  const interrupted = await new DenseAutoencoder(options).fit(data, {
    validation, ...fit, signal: controller.signal, checkpoint: { dir, every: 1 },
    onProgress: (p) => { if (p.phase === 'batch' && p.epoch === 2 && p.batch === 3) controller.abort(); },
  });
  assert.deepEqual(interrupted.interruptedAt, { epoch: 2, batch: 3, batches: 5 }, name);
  const info = await readCheckpointInfo(dir);
  assert.deepEqual(info?.position && [info.position.epoch, info.position.batch], [2, 3], `${name}: the checkpoint at ■`);
  const events: TrainingProgress[] = [];
  const resumed = await new DenseAutoencoder(options).fit(data, { validation, ...fit, checkpoint: { dir, every: 1 }, onProgress: (p) => events.push(p) });
  assert.match(events[0]!.message ?? '', /^resuming at epoch 2, batch 4 of 4 from the checkpoint of .* in /, name);
  assert.equal(events.filter((e) => e.phase === 'batch').length, 2 + 2 * 5, `${name}: trained only what was missing`);
  assert.deepEqual(weightsOf(resumed), expected, `${name}: interrupted + resumed`);
  assert.deepEqual(lossesOf(resumed), lossesOf(whole), `${name}: the history's losses`);

  const ext = path.join(tempDir(), 'ext');
  (await new DenseAutoencoder({ ...options, epochs: 2 }).fit(data, { validation, ...fit, checkpoint: { dir: ext } })).dispose();
  const more: TrainingProgress[] = [];
  const extended = await new DenseAutoencoder(options).fit(data, { validation, ...fit, checkpoint: { dir: ext }, onProgress: (p) => more.push(p) });
  assert.match(more[0]!.message ?? '', /^resuming at epoch 3 of 4 /, name);
  assert.deepEqual(more.filter((e) => e.phase === 'epoch').map((e) => e.epoch), [3, 4], name);
  assert.deepEqual(weightsOf(extended), expected, `${name}: 2 epochs, then 2 more`);
  assert.deepEqual(lossesOf(extended), lossesOf(whole), `${name}: the extended history's losses`);
  return { whole, interrupted, resumed, extended };
}

/** Runs `check` on every engine in turn, restoring the active backend after. */
export async function onEachTrainingEngine(tf: TF, backends: readonly BackendName[], check: (engine: TrainingEngine) => Promise<void>): Promise<void> {
  const engines = splitTrainingEngines(backends);
  assert.ok(engines.length > 0, 'no backend to test on');
  const active = tf.getBackend();
  try {
    for (const engine of engines) {
      await tf.setBackend(engine.backend);
      await check(engine);
    }
  } finally {
    await tf.setBackend(active);
  }
}
