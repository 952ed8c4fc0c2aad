import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans, elbow } from '../../src/cluster/index.js';
import { loadFashionMnist, stratifiedSubset } from '../../src/data/index.js';
import type { LabeledImages } from '../../src/data/classes.js';
import { fashionTestSplit } from '../helpers/fmnist.js';
import { initBackend } from '../../src/tf/backend.js';

/** 2,000 stratified Fashion-MNIST test images (only the test files are read: fast). */
async function subset(): Promise<LabeledImages | undefined> {
  const testSet = await fashionTestSplit();
  return testSet && stratifiedSubset(testSet, 2000, 0);
}

test('K-Means on 2,000 Fashion-MNIST images: labels in range, reproducible, elbow decreasing', async (t) => {
  const data = await subset();
  if (!data) {
    t.skip('Fashion-MNIST not installed (see src/data)');
    return;
  }
  await initBackend();
  const X = data.images;
  const a = new KMeans({ nClusters: 10, nInit: 2, seed: 0 }).fit(X);
  assert.equal(a.engineUsed, 'tfjs');
  assert.equal(a.labels.length, 2000);
  assert.ok(a.labels.every((l) => l >= 0 && l < 10));
  assert.equal(new Set(a.labels).size, 10);
  assert.ok(a.converged);
  assert.ok(Number.isFinite(a.inertia) && a.inertia > 0);
  const b = new KMeans({ nClusters: 10, nInit: 2, seed: 0 }).fit(X);
  assert.deepEqual(b.labels, a.labels);
  assert.equal(b.inertia, a.inertia);
  // The pure-JS engine finds a solution of the same quality (float64 vs float32 products).
  const c = new KMeans({ nClusters: 10, nInit: 2, seed: 0, engine: 'js' }).fit(X);
  assert.ok(Math.abs(c.inertia - a.inertia) <= 0.01 * a.inertia, `${c.inertia} vs ${a.inertia}`);

  const { k, sse } = elbow(X, { kMax: 5, nInit: 2, seed: 0 });
  assert.deepEqual(k, [1, 2, 3, 4, 5]);
  for (let i = 1; i < sse.length; i++) assert.ok(sse[i]! < sse[i - 1]!, `SSE(k=${k[i]}) = ${sse[i]} < SSE(k=${k[i - 1]}) = ${sse[i - 1]}`);
});

test("Hamerly's bounded assignment gives exactly Lloyd's result on 3,000 Fashion-MNIST images", async () => {
  await initBackend();
  const { train } = await loadFashionMnist({ verify: false });
  const X = stratifiedSubset(train, 3000, 4).images;
  for (const engine of ['tfjs', 'js'] as const) {
    const lloyd = new KMeans({ nClusters: 10, nInit: 2, seed: 3, engine, algorithm: 'lloyd' }).fit(X);
    const hamerly = new KMeans({ nClusters: 10, nInit: 2, seed: 3, engine, algorithm: 'hamerly' }).fit(X);
    assert.deepEqual(hamerly.labels, lloyd.labels, `${engine}: labels`);
    assert.deepEqual(hamerly.runs.map((r) => r.nIter), lloyd.runs.map((r) => r.nIter), `${engine}: iterations per run`);
    assert.ok(Math.abs(hamerly.inertia - lloyd.inertia) <= 1e-9 * lloyd.inertia, `${engine}: inertia`);
    const a = hamerly.clusterCenters.data, b = lloyd.clusterCenters.data;
    for (let i = 0; i < a.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-6, `${engine}: centre value ${i}`);
  }
});
