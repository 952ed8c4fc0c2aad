// FlatAdam (one Adam update over all weights concatenated) gives the weights tf.train.adam gives,
// on every backend that loads here, and keeps no tensors beyond its two moment vectors.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { FlatAdam } from '../../src/tf/flat-adam.js';
import { maxRelError, randomArray } from './reference.js';

let tf: TF;
let backends: BackendName[];
before(async () => {
  ({ tf, backends } = await loadAllBackends());
});

const SHAPES = [[3, 3, 1, 4], [4], [5, 2], [2]];

/** Weights after `steps` updates of a small least-squares problem with the given optimizer. */
function train(makeOpt: () => { minimize(f: () => Scalar, r: boolean, v: Variable[]): Scalar | null; dispose(): void }, steps: number): Float32Array[] {
  const vars = SHAPES.map((s, i) => tf.tidy(() => tf.variable(tf.tensor(randomArray(s.reduce((a, b) => a * b, 1), 10 + i), s), true)));
  const x = tf.tensor2d(randomArray(6 * 5, 99), [6, 5]);
  const opt = makeOpt();
  for (let k = 0; k < steps; k++) {
    const cost = opt.minimize(() => tf.tidy(() => {
      const h = tf.add(tf.matMul(x, vars[2]! as Tensor as import('@tensorflow/tfjs').Tensor2D), vars[3]!);
      const conv = tf.sum(tf.mul(vars[0]!, vars[0]!)).mul(0.1).add(tf.sum(vars[1]!));
      return tf.add(tf.mean(tf.square(tf.sub(h, 0.5))), conv) as Scalar;
    }), true, vars);
    cost!.dispose();
  }
  const out = vars.map((v) => v.dataSync().slice() as Float32Array);
  opt.dispose();
  x.dispose();
  vars.forEach((v) => v.dispose());
  return out;
}

test('FlatAdam updates like tf.train.adam on every backend', async () => {
  for (const b of backends) {
    await tf.setBackend(b);
    const ref = train(() => tf.train.adam(0.01, 0.9, 0.999, 1e-7), 25);
    const before = tf.memory().numTensors;
    const flat = train(() => new FlatAdam(tf, 0.01, 0.9, 0.999, 1e-7), 25);
    ref.forEach((r, i) => {
      const e = maxRelError(flat[i]!, r);
      assert.ok(e < 1e-5, `${b}: weight ${i} differs from tf.train.adam by ${e}`);
    });
    assert.ok(ref[0]!.some((v, i) => v !== randomArray(36, 10)[i]), 'the weights moved');
    assert.equal(tf.memory().numTensors, before, `${b}: tensors left behind`);
  }
});

test('FlatAdam names a variable without a gradient', async () => {
  const opt = new FlatAdam(tf, 0.01);
  const a = tf.tidy(() => tf.variable(tf.scalar(1), true, 'flat-adam-a'));
  const c = tf.tidy(() => tf.variable(tf.scalar(2), true, 'flat-adam-c'));
  assert.throws(() => opt.applyGradients([a, c], { 'flat-adam-a': tf.scalar(1) }), /no gradient for variable 'flat-adam-c'/);
  opt.dispose();
  a.dispose();
  c.dispose();
});
