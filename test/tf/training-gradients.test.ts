// End to end: the gradients of a small conv autoencoder (fused conv+bias+activation as tfjs-layers builds it,
// max pool, stride-2 conv, nearest upsampling, 'valid' conv, sigmoid, binary cross-entropy) agree
// between every backend that loads (tensorflow, wasm, cpu) and with central finite differences, for batch > 1.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import type { NamedTensorMap, Scalar, Tensor4D } from '@tensorflow/tfjs';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import { maxRelError, randomArray } from './reference.js';

let tf: TF;
let backends: BackendName[];
before(async () => {
  ({ tf, backends } = await loadAllBackends());
});

const B = 3;
const SHAPES: Record<string, number[]> = {
  w1: [3, 3, 1, 4], b1: [4],
  w2: [3, 3, 4, 3], b2: [3],
  w3: [3, 3, 3, 4], b3: [4],
  w4: [3, 3, 4, 1], b4: [1],
};

function initialValues(): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = {};
  let seed = 7;
  for (const [name, shape] of Object.entries(SHAPES)) {
    const n = shape.reduce((a, b) => a * b, 1);
    const fanIn = shape.length === 4 ? shape[0]! * shape[1]! * shape[2]! : 1;
    out[name] = randomArray(n, seed++).map((v) => v * Math.sqrt(6 / fanIn) * (name.startsWith('b') ? 0.1 : 1));
  }
  return out;
}

function images(): Float32Array {
  const rng = createRandom(99);
  return new Float32Array(B * 12 * 12).map(() => 0.05 + 0.9 * rng.next());
}

/** Binary cross-entropy of the reconstruction, as a function of the parameters. */
function lossFn(tf: TF, x: Tensor4D, p: Record<string, import('@tensorflow/tfjs').Tensor>): Scalar {
  const conv = (h: Tensor4D, w: string, b: string, stride: number, pad: 'same' | 'valid', activation: 'relu' | 'linear') =>
    tf.fused.conv2d({ x: h, filter: p[w] as Tensor4D, bias: p[b], strides: stride, pad, activation });
  // Linear (not relu) before the pool, so that windows whose maximum is negative occur: the
  // packaged wasm MaxPoolGrad misroutes exactly those.
  const h1 = conv(x, 'w1', 'b1', 1, 'same', 'linear'); // 12×12×4
  const p1 = tf.maxPool(h1, 2, 2, 'same'); // 6×6×4
  const h2 = conv(p1, 'w2', 'b2', 2, 'same', 'relu'); // 3×3×3
  const u1 = tf.image.resizeNearestNeighbor(h2, [6, 6]); // 6×6×3
  const h3 = conv(u1, 'w3', 'b3', 1, 'same', 'relu'); // 6×6×4
  const u2 = tf.image.resizeNearestNeighbor(h3, [14, 14]); // 14×14×4
  const y = tf.sigmoid(conv(u2, 'w4', 'b4', 1, 'valid', 'linear')); // 12×12×1
  return tf.metrics.binaryCrossentropy(x, y).mean() as Scalar;
}

async function gradientsOn(backendName: BackendName): Promise<{ loss: number; grads: Record<string, Float32Array> }> {
  assert.equal(await tf.setBackend(backendName), true);
  const init = initialValues();
  const vars: Record<string, import('@tensorflow/tfjs').Variable> = {};
  for (const [name, v] of Object.entries(init)) vars[name] = tf.variable(tf.tensor(v, SHAPES[name]), true, `${backendName}_${name}_${Date.now()}`);
  const x = tf.tensor4d(images(), [B, 12, 12, 1]);
  const { value, grads } = tf.variableGrads(() => lossFn(tf, x, vars), Object.values(vars));
  const out: Record<string, Float32Array> = {};
  for (const [name, v] of Object.entries(vars)) out[name] = (grads as NamedTensorMap)[v.name]!.dataSync() as Float32Array;
  const loss = value.dataSync()[0]!;
  tf.dispose([value, x, ...Object.values(grads), ...Object.values(vars)]);
  return { loss, grads: out };
}

test('one training step gives the same loss and gradients on every backend as on cpu', async () => {
  const cpu = await gradientsOn('cpu');
  for (const name of Object.keys(SHAPES)) assert.ok(cpu.grads[name]!.some((v) => v !== 0), `gradient of ${name} is all zeros`);
  for (const other of backends.filter((b) => b !== 'cpu')) {
    const r = await gradientsOn(other);
    assert.ok(Math.abs(r.loss - cpu.loss) < 1e-5 * Math.abs(cpu.loss), `loss ${other} ${r.loss} vs cpu ${cpu.loss}`);
    for (const name of Object.keys(SHAPES)) {
      const e = maxRelError(r.grads[name]!, cpu.grads[name]!);
      assert.ok(e < 1e-4, `gradient of ${name}: ${other} vs cpu relative error ${e}`);
    }
  }
});

test('gradients match central finite differences on every backend', async () => {
  for (const backendName of backends) await finiteDifferences(backendName);
});

async function finiteDifferences(backendName: BackendName): Promise<void> {
  const { grads } = await gradientsOn(backendName);
  const init = initialValues();
  const x = tf.tensor4d(images(), [B, 12, 12, 1]);
  const lossAt = (name: string, index: number, delta: number): number => {
    const v = init[name]!.slice();
    v[index]! += delta;
    const params: Record<string, import('@tensorflow/tfjs').Tensor> = {};
    for (const [n, val] of Object.entries(init)) params[n] = tf.tensor(n === name ? v : val, SHAPES[n]);
    const l = tf.tidy(() => lossFn(tf, x, params));
    const out = l.dataSync()[0]!;
    tf.dispose([l, ...Object.values(params)]);
    return out;
  };
  const eps = 1e-2;
  // Two weights per layer, including the last kernel taps and the biases.
  for (const [name, index] of [['w1', 0], ['w1', 35], ['w2', 50], ['w2', 107], ['w3', 12], ['w4', 35], ['b1', 2], ['b4', 0]] as const) {
    const fd = (lossAt(name, index, eps) - lossAt(name, index, -eps)) / (2 * eps);
    const g = grads[name]![index]!;
    assert.ok(Math.abs(fd - g) <= 2e-2 * Math.abs(fd) + 2e-4, `${backendName} ${name}[${index}]: gradient ${g} vs finite difference ${fd}`);
  }
  x.dispose();
}
