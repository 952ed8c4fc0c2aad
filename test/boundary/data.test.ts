/** The labelled-set helpers at their boundary: the same bad sets for each, checked before any work. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  classCounts, classMeanImages, concatSamples, pixelStats, shuffleSamples, stratifiedSubset, takeSamples, trainTestSplit, type LabeledImages,
} from '../../src/data/index.js';
import { badMatrices, expectAll, goodMatrix } from './battery.js';

const images = goodMatrix(20, 784);
const labels = Uint8Array.from({ length: 20 }, (_, i) => i % 10);
const good: LabeledImages = { images, labels };

test('every labelled-set helper refuses bad sets: wrong types, bad images, mismatched label count', () => {
  const bad = [
    { what: 'null', value: null, error: TypeError, message: /set must be a labelled set \{ images: Matrix, labels: Uint8Array \}, got null/ },
    { what: 'Float64Array images', value: { images: { data: new Float64Array(784), rows: 1, cols: 784 }, labels: Uint8Array.of(1) }, error: TypeError, message: /set\.images\.data must be a Float32Array, got a Float64Array/ },
    { what: 'short image data', value: { images: { data: new Float32Array(700), rows: 1, cols: 784 }, labels: Uint8Array.of(1) }, error: RangeError, message: /set\.images\.data has 700 values but rows × cols = 1 × 784/ },
    { what: 'labels missing', value: { images }, error: TypeError, message: /set\.labels must be a Uint8Array/ },
    { what: 'mismatched lengths', value: { images, labels: labels.subarray(0, 19) }, error: RangeError, message: /set\.labels has 19 labels but set\.images has 20 rows/ },
  ];
  const calls: Array<[string, (v: unknown) => unknown]> = [
    ['takeSamples', (v) => takeSamples(v as never, [0])],
    ['shuffleSamples', (v) => shuffleSamples(v as never, 0)],
    ['stratifiedSubset', (v) => stratifiedSubset(v as never, 5)],
    ['trainTestSplit', (v) => trainTestSplit(v as never)],
    ['classMeanImages', (v) => classMeanImages(v as never)],
  ];
  for (const [name, call] of calls) expectAll(name, bad, call);
  for (const c of bad) assert.throws(() => concatSamples(good, c.value as never), (e: Error) => e instanceof c.error && /^sets\[1\]/.test(e.message), `concatSamples with ${c.what}`);
  assert.throws(() => concatSamples(), /expected at least one labelled set/);
  assert.throws(() => takeSamples(good, [20]), /row index 20 is outside 0\.\.19/);
  assert.throws(() => stratifiedSubset(good, 0), /n must be an integer >= 1, got 0/);
  assert.throws(() => trainTestSplit(good, { testSize: 20 }), /testSize/);
  assert.throws(() => classCounts([0, 12]), /label 12 at index 1 is outside 0\.\.9/);
  assert.throws(() => classMeanImages({ images: goodMatrix(1, 784), labels: Uint8Array.of(11) }), /label 11 at index 0 is outside 0\.\.9/);
  expectAll('pixelStats', badMatrices('images', 784, { arrays: false }).filter((c) => !/NaN|Infinity/.test(c.what)), (v) => pixelStats(v as never));
  assert.deepEqual(classCounts(labels), new Array(10).fill(2));
});
