/** Clear refusals of the metrics: label sets too large to match clusters to classes. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ari, clusteringAccuracy, matchClusters, nmi } from '../../src/metrics/index.js';

test('clusteringAccuracy with 9,000 singleton labels names the cause (ids, not labels) and the fix, at once', () => {
  const ids = Int32Array.from({ length: 9000 }, (_, i) => i);
  const t0 = Date.now();
  assert.throws(() => clusteringAccuracy(ids, ids), (e: Error) =>
    e instanceof RangeError &&
    /^clusteringAccuracy \/ matchClusters: labelsTrue has 9,000 distinct values and labelsPred 9,000 \(every one of the 9,000 samples has a label of its own\)/.test(e.message) &&
    /pass class labels \(Fashion-MNIST: 0\.\.9\) and cluster labels \(0\.\.k−1, from predict\)/.test(e.message) &&
    /use nmi\(\) or ari\(\), which need no matching/.test(e.message));
  assert.ok(Date.now() - t0 < 5000, 'refused before any long work');
  // A matching that fits in memory but would run for minutes (2,000 × 2,000) is refused too.
  const a = Int32Array.from({ length: 4000 }, (_, i) => i % 2000);
  const b = Int32Array.from({ length: 4000 }, (_, i) => (i * 7) % 2000);
  assert.throws(() => matchClusters(a, b), /2,000 × 2,000 assignment/);
  // The functions the message names do handle it.
  assert.ok(Number.isFinite(nmi(ids, ids)) && Number.isFinite(ari(ids, ids)));
  // Ten classes against 9,000 clusters still match.
  assert.ok(clusteringAccuracy(Int32Array.from(ids, (i) => i % 10), ids) > 0);
});
