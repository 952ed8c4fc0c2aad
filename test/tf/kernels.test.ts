// Every replaced kernel against a float64 reference, on every backend that loads here (tfjs-node's
// tensorflow, wasm, cpu), through tf.grads (so the kernels are exercised exactly as training calls them).
import { before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Tensor, Tensor4D } from '@tensorflow/tfjs';
import { loadAllBackends, tfjsNodeLoads, type BackendName, type TF } from '../../src/tf/backend.js';
import { conv2DBackpropFilterStrategy } from '../../src/tf/kernels/Conv2DBackpropFilter.js';
import { useSmallOutConv } from '../../src/tf/kernels/small_out_conv.js';
import {
  convBackpropFilterRef, convBackpropInputRef, convForwardRef, convGeometry, maxPoolGradRef, maxRelError, randomArray,
} from './reference.js';

let tf: TF;
before(async () => {
  ({ tf } = await loadAllBackends());
});

const BACKENDS: BackendName[] = [...(tfjsNodeLoads() ? ['tensorflow' as const] : []), 'wasm', 'cpu'];
const TOL = 2e-5;

for (const backendName of BACKENDS) {
  describe(`kernels on ${backendName}`, () => {
    before(async () => {
      assert.equal(await tf.setBackend(backendName), true);
    });

    test('Conv2DBackpropFilter and Conv2DBackpropInput match float64 loops', () => {
      let seed = 1;
      let cases = 0;
      const strategies = new Set<string>();
      for (const [H, W, KH, KW] of [[7, 7, 3, 3], [6, 9, 2, 3], [8, 8, 3, 3]] as const)
        for (const B of [1, 3])
          for (const Ci of [1, 2, 5])
            for (const Co of [1, 2, 5])
              for (const s of [1, 2])
                for (const pad of ['same', 'valid'] as const) {
                  const g = convGeometry(B, H, W, Ci, Co, KH, KW, s, pad);
                  strategies.add(conv2DBackpropFilterStrategy({ Ci, Co, KH, KW }));
                  const xv = randomArray(B * H * W * Ci, seed++);
                  const wv = randomArray(KH * KW * Ci * Co, seed++);
                  const dyv = randomArray(B * g.OH * g.OW * Co, seed++);
                  const [dx, dw] = tf.tidy(() => {
                    const x = tf.tensor4d(xv, [B, H, W, Ci]);
                    const w = tf.tensor4d(wv, [KH, KW, Ci, Co]);
                    const dy = tf.tensor4d(dyv, [B, g.OH, g.OW, Co]);
                    return tf.grads((a: Tensor, b: Tensor) => tf.sum(tf.mul(tf.conv2d(a as Tensor4D, b as Tensor4D, s, pad), dy)))([x, w]);
                  });
                  const label = `${backendName} B=${B} ${H}x${W} k${KH}x${KW} Ci=${Ci} Co=${Co} s=${s} ${pad}`;
                  assert.deepEqual(dw!.shape, [KH, KW, Ci, Co], label);
                  assert.deepEqual(dx!.shape, [B, H, W, Ci], label);
                  const ew = maxRelError(dw!.dataSync(), convBackpropFilterRef(xv, dyv, g));
                  const ex = maxRelError(dx!.dataSync(), convBackpropInputRef(wv, dyv, g));
                  dx!.dispose();
                  dw!.dispose();
                  assert.ok(ew < TOL, `dW ${label}: relative error ${ew}`);
                  assert.ok(ex < TOL, `dx ${label}: relative error ${ex}`);
                  cases++;
                }
      assert.equal(cases, 216);
      // The shapes above exercise every strategy of the wasm kernel.
      assert.deepEqual([...strategies].sort(), ['conv', 'shift-dy', 'shift-x']);
    });

    test('Conv2D and FusedConv2D (bias, activation) match float64 loops, including few output channels', () => {
      let seed = 3000;
      let smallPath = 0;
      for (const [H, W, KH, KW] of [[7, 7, 3, 3], [6, 9, 2, 3], [28, 28, 3, 3]] as const)
        for (const B of [1, 3])
          for (const [Ci, Co] of [[5, 1], [16, 1], [4, 2], [2, 1], [5, 5]] as const)
            for (const s of [1, 2])
              for (const pad of ['same', 'valid'] as const)
                for (const activation of ['linear', 'relu', 'sigmoid'] as const) {
                  if (H === 28 && (B === 3 || activation !== 'sigmoid')) continue; // keep the test fast
                  const g = convGeometry(B, H, W, Ci, Co, KH, KW, s, pad);
                  if (useSmallOutConv({ Ci, Co, KH, KW })) smallPath++;
                  const xv = randomArray(B * H * W * Ci, seed++);
                  const wv = randomArray(KH * KW * Ci * Co, seed++);
                  const bv = randomArray(Co, seed++);
                  const [plain, fused] = tf.tidy(() => {
                    const x = tf.tensor4d(xv, [B, H, W, Ci]);
                    const w = tf.tensor4d(wv, [KH, KW, Ci, Co]);
                    return [tf.conv2d(x, w, s, pad), tf.fused.conv2d({ x, filter: w, strides: s, pad, bias: tf.tensor1d(bv), activation })];
                  });
                  const label = `${backendName} B=${B} ${H}x${W} k${KH}x${KW} Ci=${Ci} Co=${Co} s=${s} ${pad} ${activation}`;
                  assert.deepEqual(plain!.shape, [B, g.OH, g.OW, Co], label);
                  const e1 = maxRelError(plain!.dataSync(), convForwardRef(xv, wv, undefined, 'linear', g));
                  const e2 = maxRelError(fused!.dataSync(), convForwardRef(xv, wv, bv, activation, g));
                  tf.dispose([plain!, fused!]);
                  assert.ok(e1 < TOL, `conv2d ${label}: relative error ${e1}`);
                  assert.ok(e2 < TOL, `fused conv2d ${label}: relative error ${e2}`);
                }
      assert.ok(smallPath > 50, 'the few-output-channel path is exercised');
    });

    test('MaxPoolGrad routes each gradient to its window maximum', () => {
      let seed = 1000;
      for (const [H, W] of [[28, 28], [7, 7], [6, 9], [5, 4]] as const)
        for (const B of [1, 3])
          for (const C of [1, 2, 5, 16])
            for (const [k, s] of [[2, 2], [3, 2], [2, 1], [3, 1]] as const)
              for (const pad of ['same', 'valid'] as const) {
                const g = convGeometry(B, H, W, C, C, k, k, s, pad);
                const xv = randomArray(B * H * W * C, seed++);
                const dyv = randomArray(B * g.OH * g.OW * C, seed++);
                const dx = tf.tidy(() => {
                  const dy = tf.tensor4d(dyv, [B, g.OH, g.OW, C]);
                  return tf.grad((x: Tensor) => tf.sum(tf.mul(tf.maxPool(x as Tensor4D, k, s, pad), dy)))(
                    tf.tensor4d(xv, [B, H, W, C]),
                  );
                });
                const e = maxRelError(dx.dataSync(), maxPoolGradRef(xv, dyv, g));
                dx.dispose();
                assert.ok(e < 1e-6, `${backendName} B=${B} ${H}x${W}x${C} pool ${k} stride ${s} ${pad}: error ${e}`);
              }
    });

    test('Sum over any axes (leading ones: the bias gradients) matches a float64 sum; Identity shares or copies the values', () => {
      let seed = 7000;
      const dataIds = tf.engine().backend.numDataIds();
      const cases: [number[], number | number[], boolean][] = [
        [[64, 28, 28, 16], [0, 1, 2], false], [[3, 5, 7, 2], [0, 1, 2], true], [[3, 5, 7, 1], [0, 1, 2], false],
        [[300, 10], 0, false], [[300, 10], [-2], true], [[4, 6, 5], [0, 1], false], [[700, 3], [0], false],
        [[4, 6, 5], [1, 2], false], [[4, 6, 5], [0, 2], true], [[4, 6, 5], [0, 1, 2], false], [[4, 6, 5], 2, false], [[1, 9], [0], false],
      ];
      for (const [shape, axis, keepDims] of cases) {
        const values = randomArray(shape.reduce((a, b) => a * b, 1), seed++);
        const got = tf.tidy(() => tf.sum(tf.tensor(values, shape), axis, keepDims));
        // float64 reference: the kept axes' index → sum
        const rank = shape.length;
        const axes = (Array.isArray(axis) ? axis : [axis]).map((a) => (a < 0 ? a + rank : a));
        const outShape = shape.map((d, i) => (axes.includes(i) ? 1 : d));
        const expected = new Float64Array(outShape.reduce((a, b) => a * b, 1));
        const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
        const outStrides = outShape.map((_, i) => outShape.slice(i + 1).reduce((a, b) => a * b, 1));
        values.forEach((v, flat) => {
          let o = 0;
          for (let i = 0; i < rank; i++) if (!axes.includes(i)) o += (Math.floor(flat / strides[i]!) % shape[i]!) * outStrides[i]!;
          expected[o]! += v;
        });
        assert.deepEqual(got.shape, keepDims ? outShape : shape.filter((_, i) => !axes.includes(i)), `shape of sum(${JSON.stringify(shape)}, ${JSON.stringify(axis)})`);
        const e = maxRelError(got.dataSync(), expected);
        got.dispose();
        assert.ok(e < 1e-5, `${backendName} sum(${JSON.stringify(shape)}, ${JSON.stringify(axis)}, keepDims ${keepDims}): error ${e}`);
      }
      const ints = tf.tidy(() => tf.sum(tf.tensor2d([1, 2, 3, 4, 5, 6], [3, 2], 'int32'), 0));
      assert.deepEqual([...ints.dataSync()], [9, 12]);
      assert.equal(ints.dtype, 'int32');
      ints.dispose();
      const x = tf.tensor1d([1.5, -2, 3]);
      const copy = tf.clone(x);
      x.dispose();
      assert.deepEqual([...copy.dataSync()], [1.5, -2, 3], 'a clone outlives its source');
      copy.dispose();
      assert.equal(tf.engine().backend.numDataIds(), dataIds, 'no backend memory left behind');
    });

    test('ResizeNearestNeighborGrad is the adjoint of the forward resize', () => {
      let seed = 5000;
      for (const [H, W, OH, OW] of [[4, 4, 8, 8], [7, 7, 14, 14], [3, 5, 7, 6], [6, 6, 4, 9]] as const)
        for (const B of [1, 3])
          for (const C of [1, 2, 5])
            for (const [alignCorners, halfPixelCenters] of [[false, false], [true, false], [false, true]] as const) {
              // Reference: run the forward op on an image of pixel ids, then scatter dy in float64.
              const n = B * H * W * C;
              const ids = new Float32Array(n).map((_, i) => i);
              const src = tf.tidy(() => tf.image.resizeNearestNeighbor(tf.tensor4d(ids, [B, H, W, C]), [OH, OW], alignCorners, halfPixelCenters));
              const srcIds = src.dataSync();
              src.dispose();
              const dyv = randomArray(B * OH * OW * C, seed++);
              const ref = new Float64Array(n);
              for (let i = 0; i < dyv.length; i++) ref[srcIds[i]!]! += dyv[i]!;
              const dx = tf.tidy(() => {
                const dy = tf.tensor4d(dyv, [B, OH, OW, C]);
                return tf.grad((x: Tensor) =>
                  tf.sum(tf.mul(tf.image.resizeNearestNeighbor(x as Tensor4D, [OH, OW], alignCorners, halfPixelCenters), dy)),
                )(tf.tensor4d(randomArray(n, seed++), [B, H, W, C]));
              });
              const e = maxRelError(dx.dataSync(), ref);
              dx.dispose();
              assert.ok(e < 1e-6, `${backendName} B=${B} ${H}x${W}->${OH}x${OW} C=${C} align=${alignCorners} half=${halfPixelCenters}: error ${e}`);
            }
    });

    test('the kernels leak no tensors or backend memory', () => {
      const before = tf.memory().numTensors;
      const dataIds = tf.engine().backend.numDataIds();
      for (let i = 0; i < 3; i++) {
        const grads = tf.tidy(() => {
          const x = tf.tensor4d(randomArray(2 * 8 * 8 * 1, 90 + i), [2, 8, 8, 1]);
          const w1 = tf.tensor4d(randomArray(3 * 3 * 1 * 4, 95 + i), [3, 3, 1, 4]); // shift-x
          const w2 = tf.tensor4d(randomArray(3 * 3 * 4 * 3, 97 + i), [3, 3, 4, 3]); // conv, stride 2
          const w3 = tf.tensor4d(randomArray(3 * 3 * 3 * 4, 98 + i), [3, 3, 3, 4]);
          const w4 = tf.tensor4d(randomArray(3 * 3 * 4 * 1, 99 + i), [3, 3, 4, 1]); // shift-dy, small-out forward
          return tf.grads((a: Tensor, b: Tensor, c: Tensor, d: Tensor) => {
            const h1 = tf.maxPool(tf.conv2d(x, a as Tensor4D, 1, 'same'), 2, 2, 'same'); // 4×4×4
            const h2 = tf.conv2d(h1, b as Tensor4D, 2, 'same'); // 2×2×3
            const h3 = tf.conv2d(tf.image.resizeNearestNeighbor(h2, [4, 4]), c as Tensor4D, 1, 'same'); // avg-pool path
            const h4 = tf.image.resizeNearestNeighbor(h3, [7, 7]); // scatter path
            return tf.sum(tf.fused.conv2d({ x: h4, filter: d as Tensor4D, strides: 1, pad: 'valid', activation: 'sigmoid' }));
          })([w1, w2, w3, w4]);
        });
        tf.dispose(grads);
      }
      assert.equal(tf.memory().numTensors, before);
      assert.equal(tf.engine().backend.numDataIds(), dataIds);
    });
  });
}
