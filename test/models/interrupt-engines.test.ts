/**
 * ■ (a real SIGINT to this process) during `fit` without a signal, on every training engine: the
 * compiled TensorFlow graph and eager steps on tensorflow, and the two-thread data-parallel step
 * on wasm. Training stops at the end of the batch during which SIGINT came, `fit` rejects with one
 * InterruptedError line, the model keeps its weights and trains on with the next `fit`.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadAllBackends } from '../../src/tf/backend.js';
import { ConvAutoencoder } from '../../src/models/autoencoder.js';
import { InterruptedError } from '../../src/util/interrupt.js';
import { head, smallData } from './helpers.js';

const ENGINES = [
  { backend: 'tensorflow', engine: 'graph', threads: 1 },
  { backend: 'tensorflow', engine: 'eager', threads: 1 },
  { backend: 'wasm', engine: 'eager', threads: 2 },
] as const;

for (const e of ENGINES) {
  test(`${e.backend}, ${e.engine} steps, ${e.threads} thread(s): ■ during fit stops after that batch with one line; the model keeps its weights`, async (t) => {
    const { tf, backends } = await loadAllBackends();
    if (!backends.includes(e.backend)) {
      t.skip(`the ${e.backend} backend does not load here`);
      return;
    }
    const previous = tf.getBackend();
    await tf.setBackend(e.backend);
    const { train, val } = await smallData();
    const images = head(train, 320);
    const ae = new ConvAutoencoder({ epochs: 3, batchSize: 64, seed: 7 });
    try {
      let batches = 0;
      const fit = ae.fit(images, {
        validation: head(val, 64), engine: e.engine, threads: e.threads,
        onProgress: (p) => { if (p.phase === 'batch' && ++batches === 2) process.kill(process.pid, 'SIGINT'); },
      });
      await assert.rejects(fit, (err: unknown) => {
        assert.ok(err instanceof InterruptedError, `an InterruptedError, got ${String(err)}`);
        assert.equal(err.message, 'Stopped by ■ (interrupt) in training, epoch 1/3, batch 2/5: the model keeps the weights reached so far (its history lists the epochs done); call fit again to train on.');
        return true;
      });
      assert.equal(batches, 2, 'no batch after the one during which SIGINT came');
      assert.deepEqual(ae.interruptedAt, { epoch: 1, batch: 2, batches: 5 });
      assert.equal(ae.trainingEngine?.engine, e.engine);
      assert.equal(ae.trainingThreads, e.threads);
      assert.equal(ae.history.length, 1, 'the partial epoch is recorded');
      const codes = ae.encode(head(val, 8));
      assert.ok(codes.data.every(Number.isFinite), 'the interrupted model encodes');
      // Training on continues from the weights reached, and ■ is no longer pending.
      await ae.fit(head(images, 128), { engine: e.engine, threads: e.threads });
      assert.equal(ae.interruptedAt, undefined);
      assert.equal(ae.history.length, 4);
    } finally {
      ae.dispose();
      await tf.setBackend(previous);
    }
  });
}
