import { test } from 'node:test';
import assert from 'node:assert/strict';
import { classCounts, concatSamples, shuffleSamples, stratifiedIndices, stratifiedSubset, trainTestSplit, type LabeledImages } from '../../src/data/index.js';

function synthetic(n: number): LabeledImages {
  const labels = new Uint8Array(n);
  const data = new Float32Array(n * 784);
  for (let i = 0; i < n; i++) {
    labels[i] = (i * 7 + (i % 3)) % 10;
    data[i * 784] = i; // row identity, to follow rows through shuffles
    data[i * 784 + 1] = labels[i]!;
  }
  return { images: { data, rows: n, cols: 784 }, labels };
}

function rowsFollowLabels(set: LabeledImages): boolean {
  for (let i = 0; i < set.labels.length; i++) if (set.images.data[i * 784 + 1] !== set.labels[i]) return false;
  return true;
}

test('stratifiedSubset keeps class proportions, is seeded, and keeps rows with their labels', () => {
  const set = synthetic(1000);
  const sub = stratifiedSubset(set, 250, 3);
  assert.equal(sub.labels.length, 250);
  const full = classCounts(set.labels);
  classCounts(sub.labels).forEach((c, k) => assert.ok(Math.abs(c - full[k]! / 4) <= 1, `class ${k}: ${c}`));
  assert.ok(rowsFollowLabels(sub));
  assert.deepEqual(stratifiedIndices(set.labels, 250, 3), stratifiedIndices(set.labels, 250, 3));
  assert.notDeepEqual(stratifiedIndices(set.labels, 250, 3), stratifiedIndices(set.labels, 250, 4));
  const ids = new Set(Array.from({ length: 250 }, (_, i) => sub.images.data[i * 784]));
  assert.equal(ids.size, 250, 'no row twice');
  assert.equal(stratifiedSubset(set, 5000, 0), set, 'n >= size returns the set');
  assert.throws(() => stratifiedIndices(set.labels, 0, 1), /n must be an integer in 1\.\.1000, got 0/);
});

test('trainTestSplit: disjoint parts covering every row, sizes from a fraction or a count, seeded', () => {
  const set = synthetic(700);
  const { train, test: t } = trainTestSplit(set, { testSize: 0.2, seed: 11 });
  assert.equal(t.labels.length, 140);
  assert.equal(train.labels.length, 560);
  const ids = [...Array.from({ length: 560 }, (_, i) => train.images.data[i * 784]!), ...Array.from({ length: 140 }, (_, i) => t.images.data[i * 784]!)];
  assert.equal(new Set(ids).size, 700);
  assert.ok(rowsFollowLabels(train) && rowsFollowLabels(t));
  const again = trainTestSplit(set, { testSize: 0.2, seed: 11 });
  assert.deepEqual(again.test.labels, t.labels);
  assert.equal(trainTestSplit(set, { testSize: 100, stratify: false }).test.labels.length, 100);
  assert.throws(() => trainTestSplit(set, { testSize: 700 }), /testSize/);
});

test('shuffleSamples and concatSamples keep rows with labels', () => {
  const a = synthetic(30);
  const s = shuffleSamples(a, 5);
  assert.ok(rowsFollowLabels(s));
  assert.notDeepEqual(Array.from(s.labels), Array.from(a.labels));
  const c = concatSamples(a, s);
  assert.equal(c.labels.length, 60);
  assert.ok(rowsFollowLabels(c));
});

test('classMeanImages, samplesPerClass and pixelStats on a small labelled set', async () => {
  const { classMeanImages, samplesPerClass, pixelStats } = await import('../../src/data/index.js');
  const set = synthetic(200);
  const means = classMeanImages(set);
  for (let k = 0; k < 10; k++) {
    const members = Array.from(set.labels.keys()).filter((i) => set.labels[i] === k);
    const expected = members.reduce((a, i) => a + set.images.data[i * 784]!, 0) / members.length;
    assert.ok(Math.abs(means.data[k * 784]! - expected) < 1e-3);
    assert.equal(means.data[k * 784 + 1], k);
  }
  const idx = samplesPerClass(set.labels, 3, 1);
  assert.equal(idx.length, 30);
  idx.forEach((i, j) => assert.equal(set.labels[i], Math.floor(j / 3)));
  const s = pixelStats({ data: new Float32Array([0, 1, 0, 1]), rows: 1, cols: 4 });
  assert.deepEqual(s, { mean: 0.5, std: 0.5, zeroFraction: 0.5 });
});
