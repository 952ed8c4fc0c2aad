// A training step compiled into one TensorFlow graph (tensorflow backend) against the eager TF.js
// step it replaces: the same loss, gradients (through Adam's first step) and weights, for both
// autoencoders of the package; the engine choice; what cannot be compiled; no tensors left behind.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Variable } from '@tensorflow/tfjs';
import { initBackend } from '../../src/tf/backend.js';
import { FlatAdam } from '../../src/tf/flat-adam.js';
import { ConvAutoencoder, trainingLoss } from '../../src/models/autoencoder.js';
import { DenseAutoencoder, meanSquaredError } from '../../src/models/dense-autoencoder.js';
import { compileTrainingStep, planLayers, TRAIN_ENGINE_ENV, trainingEngine, type CompiledStep } from '../../src/models/compiled-step.js';
import type { LossFunction } from '../../src/models/training.js';
import { onTensorflow } from '../helpers/backends.js';
import { head, maxAbsDiff, smallData } from './helpers.js';

test('trainingEngine: graph on tensorflow by default, eager elsewhere; the option, then the variable, choose on tensorflow', () => {
  assert.equal(trainingEngine('tensorflow', undefined, {}), 'graph');
  assert.equal(trainingEngine('wasm', undefined, {}), 'eager');
  assert.equal(trainingEngine('cpu', 'graph', {}), 'eager');
  assert.equal(trainingEngine('tensorflow', undefined, { [TRAIN_ENGINE_ENV]: 'eager' }), 'eager');
  assert.equal(trainingEngine('tensorflow', 'graph', { [TRAIN_ENGINE_ENV]: 'eager' }), 'graph');
  assert.equal(trainingEngine('tensorflow', undefined, { [TRAIN_ENGINE_ENV]: ' ' }), 'graph');
  assert.throws(() => trainingEngine('tensorflow', undefined, { [TRAIN_ENGINE_ENV]: 'xla' }), /FMNIST_TRAIN_ENGINE must be graph or eager, got 'xla'/);
  assert.throws(() => trainingEngine('wasm', 'fast', {}), /engine must be 'graph' or 'eager', got 'fast'/);
});

test('planLayers: both autoencoders compile; another activation, layer or a non-chain is named', async () => {
  const { tf } = await initBackend();
  const conv = await new ConvAutoencoder({ seed: 1 }).build();
  const dense = await new DenseAutoencoder({ seed: 1, inputSize: 784 }).build();
  try {
    const convPlan = planLayers(conv.autoencoder);
    assert.ok('plan' in convPlan);
    assert.deepEqual(convPlan.plan.map((l) => l.kind), [
      'conv', 'maxPool', 'conv', 'maxPool', 'conv', 'reshape', 'reshape', 'conv', 'upsample', 'conv', 'upsample', 'conv', 'upsample', 'conv',
    ]);
    const densePlan = planLayers(dense.autoencoder);
    assert.ok('plan' in densePlan && densePlan.plan.every((l) => l.kind === 'dense'));

    const tanh = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2, activation: 'tanh', name: 'squash' })] });
    assert.deepEqual(planLayers(tanh), { reason: "layer 'squash' has activation 'tanh' (compiled: relu, sigmoid, linear)" });
    const dropout = tf.sequential({ layers: [tf.layers.dense({ inputShape: [4], units: 2 }), tf.layers.dropout({ rate: 0.5, name: 'drop' })] });
    assert.match((planLayers(dropout) as { reason: string }).reason, /layer 'drop' is a Dropout \(compiled: Conv2D, Dense/);
    const input = tf.input({ shape: [4] });
    const a = tf.layers.dense({ units: 3, name: 'a' }).apply(input) as never;
    const b = tf.layers.dense({ units: 3, name: 'b' }).apply(input) as never;
    const branched = tf.model({ inputs: input, outputs: tf.layers.add({ name: 'sum' }).apply([a, b]) as never });
    assert.match((planLayers(branched) as { reason: string }).reason, /not a chain/);
    tf.dispose([...tanh.weights.map((w) => w.read()), ...dropout.weights.map((w) => w.read()), ...branched.weights.map((w) => w.read())]);
  } finally {
    conv.dispose();
    dense.dispose();
  }
});

const cases: { name: string; make: () => ConvAutoencoder | DenseAutoencoder; loss: LossFunction; compiled: 'binaryCrossEntropy' | 'meanSquaredError'; sample: number[] }[] = [
  { name: 'the report\'s conv autoencoder (BCE)', make: () => new ConvAutoencoder({ seed: 5 }), loss: trainingLoss, compiled: 'binaryCrossEntropy', sample: [28, 28, 1] },
  { name: 'N2D\'s dense autoencoder (MSE)', make: () => new DenseAutoencoder({ seed: 5, inputSize: 784 }), loss: meanSquaredError, compiled: 'meanSquaredError', sample: [784] },
];

for (const c of cases) {
  test(`compiled step = eager step on ${c.name}: loss, Adam's first steps, weights (random real images)`, async (t) => {
    await onTensorflow(t, async (tf) => {
      const { train } = await smallData();
      const a = await c.make().build();
      const b = await c.make().build();
      const varsOf = (ae: ConvAutoencoder | DenseAutoencoder) => ae.autoencoder.trainableWeights.map((w) => w.read() as Variable);
      const optA = new FlatAdam(tf, 1e-3, 0.9, 0.999, 1e-7);
      const optB = new FlatAdam(tf, 1e-3, 0.9, 0.999, 1e-7);
      const compiled = await compileTrainingStep(tf, b.autoencoder, c.sample, c.compiled, optB);
      assert.ok('step' in compiled, 'reason' in compiled ? compiled.reason : '');
      const step: CompiledStep = compiled.step;
      let afterFirstStep = 0; // the first step creates both optimizers' moments
      try {
        for (let s = 0; s < 3; s++) {
          // A different batch each step, with an odd size at the end (the graph takes any batch size).
          const size = s === 2 ? 37 : 128;
          const batch = train.data.slice(s * 128 * 784, (s * 128 + size) * 784);
          const x = tf.tensor(batch, [size, ...c.sample]);
          const cost = optA.minimize(() => c.loss(tf, a.autoencoder.apply(x, { training: true }) as never, x), true, varsOf(a))!;
          const lossA = cost.dataSync()[0]!;
          tf.dispose([x, cost]);
          const lossB = step.step(b.autoencoder, optB, varsOf(b), c.loss, c.sample, batch, size);
          assert.ok(Math.abs(lossA - lossB) < 1e-6 * Math.max(1, lossA), `step ${s}: loss ${lossA} (eager) vs ${lossB} (graph)`);
          const wa = varsOf(a).map((v) => v.dataSync());
          const wb = varsOf(b).map((v) => v.dataSync());
          // Each Adam step moves a weight by up to 1e-3 whatever the gradient's size, so equal
          // weights after a step mean gradients of the same sign and relative size: a wrong
          // gradient op shows as a difference of ≈1e-3 on most of a layer's weights. A few
          // weights may differ more: where a unit's pre-activation sits within rounding of 0, the
          // eager and graph kernels (different blockings on some CPUs, e.g. AMD EPYC) put it on
          // different sides of the ReLU, and from the second step Adam amplifies the tiny gradient
          // differences of the weights feeding it (seen: 76 of 392,000 first-layer weights of the
          // dense model differ by up to 1.5e-4 at step 1, ≤ 0.25% of a layer by step 2; none for
          // the conv model). So: at most 1% of each layer's weights beyond 2e-5, and the
          // gradients (Adam's first moments) equal to 1% of their largest value.
          for (let i = 0; i < wa.length; i++) {
            let beyond = 0;
            for (let j = 0; j < wa[i]!.length; j++) if (Math.abs(wa[i]![j]! - wb[i]![j]!) >= 2e-5) beyond++;
            assert.ok(beyond <= 0.01 * wa[i]!.length, `step ${s}, weight ${i}: ${beyond} of ${wa[i]!.length} values differ by ≥ 2e-5 (max ${maxAbsDiff(wa[i]!, wb[i]!)})`);
          }
          const ma = optA.exportState().m!;
          const mb = optB.exportState().m!;
          const largest = ma.reduce((acc, v) => Math.max(acc, Math.abs(v)), 0);
          assert.ok(maxAbsDiff(ma, mb) <= 0.01 * largest, `step ${s}: gradient moments differ by ${maxAbsDiff(ma, mb)} (largest ${largest})`);
          if (s === 0) afterFirstStep = tf.memory().numTensors;
        }
        assert.equal(tf.memory().numTensors, afterFirstStep, 'no tensors left behind by the compiled steps');
        const { val } = await smallData();
        const images = head(val, 100);
        const eager = a.evaluate(images);
        assert.ok(Math.abs(step.meanLoss(varsOf(a), images, c.sample) - eager) < 1e-6, 'the evaluate signature gives evaluate()\'s loss');
      } finally {
        step.dispose();
        a.dispose();
        b.dispose();
        optA.dispose();
        optB.dispose();
      }
    });
  });
}

test('fit trains through the graph on tensorflow (and says so), with the eager run\'s history; eager on request', async (t) => {
  await onTensorflow(t, async (tf) => {
    const { train, val } = await smallData();
    const graph = new ConvAutoencoder({ seed: 2, epochs: 2, batchSize: 64 });
    const eager = new ConvAutoencoder({ seed: 2, epochs: 2, batchSize: 64 });
    const before = tf.memory().numTensors;
    await graph.fit(train, { validation: val });
    await eager.fit(train, { validation: val, engine: 'eager' });
    try {
      assert.deepEqual(graph.trainingEngine, { engine: 'graph' });
      assert.deepEqual(eager.trainingEngine, { engine: 'eager' });
      assert.equal(graph.history.length, 2);
      graph.history.forEach((h, i) => {
        const e = eager.history[i]!;
        assert.ok(Math.abs(h.loss - e.loss) < 2e-4, `epoch ${h.epoch}: loss ${h.loss} (graph) vs ${e.loss} (eager)`);
        assert.ok(Math.abs(h.valLoss! - e.valLoss!) < 2e-4, `epoch ${h.epoch}: valLoss ${h.valLoss} vs ${e.valLoss}`);
      });
      assert.ok(graph.history[1]!.loss < graph.history[0]!.loss, 'the loss falls');
      // The graph's validation loss is evaluate()'s on the final weights.
      assert.ok(Math.abs(graph.evaluate(val) - graph.history[1]!.valLoss!) < 1e-6);
    } finally {
      graph.dispose();
      eager.dispose();
    }
    assert.equal(tf.memory().numTensors, before, 'fit and dispose leave no tensors behind');
  });
});
