import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  ari, classificationReport, clusteringAccuracy, confusionMatrix, contingencyMatrix, entropy, formatClassificationReport,
  mapClusters, matchClusters, mutualInfo, nmi, pairConfusion, scoreClustering, type Labels,
} from '../../src/metrics/index.js';
import { formatFixed } from '../../src/metrics/report.js';
import { createRandom } from '../../src/util/random.js';
import { assertClose, hashLabels } from './helpers.js';

test('known values from scikit-learn docs', () => {
  assertClose(ari([0, 0, 1, 2], [0, 0, 1, 1]), 0.5714285714285714, 1e-10, 'ARI([0,0,1,2],[0,0,1,1])');
  assert.equal(ari([0, 0, 1, 1], [0, 1, 0, 1]), -0.5);
  assert.equal(ari([0, 0, 1, 1], [1, 1, 0, 0]), 1);
  assert.equal(ari([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  assert.equal(nmi([0, 0, 1, 1], [1, 1, 0, 0]), 1);
  assert.equal(nmi([0, 0, 0, 0], [0, 1, 2, 3]), 0);
  assert.equal(nmi([0, 0, 1, 1], [0, 1, 0, 1]), 0);
  assertClose(entropy([0, 0, 1, 1]), Math.LN2, 1e-15, 'entropy');
  assertClose(mutualInfo([0, 0, 1, 1], [5, 5, 9, 9]), Math.LN2, 1e-15, 'mutualInfo');
  assert.deepEqual(pairConfusion([0, 0, 1, 1], [0, 0, 1, 1]), { tn: 8, fp: 0, fn: 0, tp: 4 });
});

test('degenerate cases follow scikit-learn', () => {
  // One label on both sides: perfect match.
  assert.equal(nmi([3, 3, 3], [7, 7, 7]), 1);
  assert.equal(ari([3, 3, 3], [7, 7, 7]), 1);
  // One sample.
  assert.equal(nmi([1], [2]), 1);
  assert.equal(ari([1], [2]), 1);
  assert.equal(clusteringAccuracy([1], [2]), 1);
  // All singletons both sides: identical partitions.
  const ids = Array.from({ length: 30 }, (_, i) => i);
  assert.equal(ari(ids, ids.slice().reverse()), 1);
  assertClose(nmi(ids, ids.slice().reverse()), 1, 1e-12, 'nmi singletons');
});

test('accepts number[] and every integer typed array alike', () => {
  const t = [0, 1, 2, 2, 1, 0, 2, 2, 1, 0];
  const p = [1, 1, 0, 0, 2, 2, 0, 1, 2, 1];
  const expected = { nmi: nmi(t, p), ari: ari(t, p), acc: clusteringAccuracy(t, p) };
  const variants: Labels[] = [
    Uint8Array.from(t), Int8Array.from(t), Uint16Array.from(t), Int16Array.from(t), Int32Array.from(t), Uint32Array.from(t),
    Float64Array.from(t), Float32Array.from(t),
  ];
  for (const v of variants) {
    assert.equal(nmi(v, Int32Array.from(p)), expected.nmi, v.constructor.name);
    assert.equal(ari(v, p), expected.ari, v.constructor.name);
    assert.equal(clusteringAccuracy(v, p), expected.acc, v.constructor.name);
  }
});

test('metrics are invariant to relabeling and to non-contiguous label values', () => {
  const rng = createRandom(9);
  const t = Int32Array.from({ length: 500 }, () => rng.int(6));
  const p = Int32Array.from(t, (v) => (rng.next() < 0.3 ? rng.int(8) : (v + 2) % 8));
  const relabel = [-50, 1e6, 3, -2147483648, 2147483647, 17, 0, 99];
  const p2 = Int32Array.from(p, (v) => relabel[v]!);
  const t2 = Int32Array.from(t, (v) => relabel[7 - v]!);
  assertClose(nmi(t2, p2), nmi(t, p), 1e-12, 'nmi');
  assertClose(ari(t2, p2), ari(t, p), 1e-12, 'ari');
  assert.equal(clusteringAccuracy(t2, p2), clusteringAccuracy(t, p));
});

test('contingencyMatrix: rows classes, columns clusters, sorted values', () => {
  const m = contingencyMatrix([0, 0, 1, 2], [5, 5, 7, 7]);
  assert.deepEqual(m.classes, [0, 1, 2]);
  assert.deepEqual(m.clusters, [5, 7]);
  assert.deepEqual(Array.from(m.counts), [2, 0, 0, 1, 0, 1]);
  assert.equal(m.nClasses, 3);
  assert.equal(m.nClusters, 2);
  // Too large to be dense: clear error (nmi/ari still work on it through the sparse table).
  const n = 9000;
  const ids = Int32Array.from({ length: n }, (_, i) => i);
  assert.throws(() => contingencyMatrix(ids, ids), /exceeds the dense limit/);
  assert.equal(ari(ids, ids), 1);
});

test('invalid input: each case gives a clear error naming the parameter', () => {
  assert.throws(() => nmi([0, 1, 2], [0, 1]), /labelsTrue and labelsPred must have the same length, got 3 and 2/);
  assert.throws(() => ari([0, 1], [0, 1, 1]), /same length, got 2 and 3/);
  assert.throws(() => nmi([], []), /labelsTrue must contain at least 1 sample, got an empty array/);
  assert.throws(() => ari([0], new Int32Array(0)), /labelsPred must contain at least 1 sample/);
  assert.throws(() => nmi([0, NaN, 1], [0, 1, 1]), /labelsTrue\[1\] = NaN is not finite/);
  assert.throws(() => ari([0, 1, 1], [0, Infinity, 1]), /labelsPred\[1\] = Infinity is not finite/);
  assert.throws(() => clusteringAccuracy([0, 1.5, 1], [0, 1, 1]), /labelsTrue\[1\] = 1.5 is not an integer/);
  assert.throws(() => nmi(Float32Array.of(0, 0.25), [0, 1]), /labelsTrue\[1\] = 0.25 is not an integer/);
  assert.throws(() => ari([0, 2 ** 40], [0, 1]), /outside the 32-bit integer range/);
  // @ts-expect-error strings are not labels
  assert.throws(() => nmi(['a', 'b'], [0, 1]), /labelsTrue\[0\] = a is of type string/);
  // @ts-expect-error null is not labels
  assert.throws(() => ari(null, [0]), TypeError);
  // @ts-expect-error BigInt arrays are not supported
  assert.throws(() => nmi(new BigInt64Array(2), [0, 1]), /number\[\] or an integer typed array/);
  assert.throws(() => entropy([]), /labels must contain at least 1 sample/);
  assert.throws(() => matchClusters([0, 1], [0]), /same length/);
  assert.throws(() => contingencyMatrix([0, 1], [0, NaN]), /labelsPred\[1\] = NaN/);
  assert.throws(() => classificationReport([0, 1], [0, 1.2]), /labelsPredMapped\[1\] = 1.2 is not an integer/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], []), /labels must be a non-empty array/);
  assert.throws(() => confusionMatrix([0, 1], [0, 1], [0, 0]), /must not repeat/);
  assert.throws(() => mapClusters([0, 3], new Map([[0, 1]])), /labelsPred\[1\] = 3 has no entry in mapping/);
  assert.throws(() => classificationReport([0, 1, 2], [0, 1, 2], { classNames: ['a', 'b'] }), /no name for label 2/);
});

test('matchClusters: more clusters than classes maps extras to their majority class', () => {
  // Classes 0,1; clusters 4,5,6. Best one-to-one: 4→0 (3 samples) and 6→1 (2); cluster 5 (two 0s, one 1) → 0.
  const t = [0, 0, 0, 0, 0, 1, 1, 1];
  const p = [4, 4, 4, 5, 5, 5, 6, 6];
  const m = matchClusters(t, p);
  assert.deepEqual(Array.from(m.assignment), [[4, 0], [6, 1]]);
  assert.deepEqual(Array.from(m.mapping), [[4, 0], [5, 0], [6, 1]]);
  assert.equal(m.matched, 5);
  assert.equal(m.accuracy, 5 / 8); // cluster 5 counts as errors in the accuracy
  assert.deepEqual(Array.from(mapClusters(p, m)), [0, 0, 0, 0, 0, 0, 1, 1]);
  assert.deepEqual(Array.from(mapClusters(p, m.mapping)), [0, 0, 0, 0, 0, 0, 1, 1]);
  // Fewer clusters than classes: every cluster gets a distinct class.
  const m2 = matchClusters([0, 0, 1, 1, 2, 2], [9, 9, 9, 8, 8, 8]);
  assert.equal(m2.assignment.size, 2);
  assert.equal(m2.mapping.size, 2);
  assert.equal(new Set(m2.mapping.values()).size, 2);
  assert.equal(m2.accuracy, 4 / 6);
});

test('scoreClustering bundles every score consistently', () => {
  const rng = createRandom(21);
  const t = Uint8Array.from({ length: 1000 }, () => rng.int(10));
  const p = Int32Array.from(t, (v) => (rng.next() < 0.25 ? rng.int(12) : (v * 7 + 3) % 12));
  const names = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];
  const s = scoreClustering(t, p, { classNames: names });
  assert.equal(s.nmi, nmi(t, p));
  assert.equal(s.ari, ari(t, p));
  assert.equal(s.acc, clusteringAccuracy(t, p));
  assert.deepEqual(s.report.classes.map((c) => c.name), names);
  assert.deepEqual(Array.from(s.predMapped), Array.from(mapClusters(p, s.mapping)));
  // The confusion matrix's trace is the number of correct mapped predictions.
  let trace = 0;
  for (let i = 0; i < s.confusion.nLabels; i++) trace += s.confusion.counts[i * s.confusion.nLabels + i]!;
  assert.equal(trace / t.length, s.report.accuracy);
  assert.ok(s.report.accuracy >= s.acc, 'the total mapping never scores below the one-to-one accuracy');
  const text = formatClassificationReport(s.report);
  assert.match(text, /^ {14}precision {4}recall {2}f1-score {3}support\n\n {1}T-shirt\/top /);
  assert.match(text, /\n {4}accuracy {27}\d\.\d\d {6}1000\n/);
});

test('classificationReport with an explicit labels subset reports a micro average', () => {
  const r = classificationReport([0, 1, 2, 2], [0, 2, 2, 1], { labels: [2, 0] });
  assert.deepEqual(r.classes.map((c) => c.label), [2, 0]);
  assert.ok(r.microAvg);
  // tp: label 2 → 1, label 0 → 1; predicted 2 or 0: 3; true 2 or 0: 3.
  assertClose(r.microAvg.precision, 2 / 3, 1e-15, 'micro precision');
  assertClose(r.microAvg.recall, 2 / 3, 1e-15, 'micro recall');
  // Text from sklearn: classification_report([0,1,2,2], [0,2,2,1], labels=[2,0], zero_division=0).
  assert.equal(
    formatClassificationReport(r),
    '              precision    recall  f1-score   support\n\n           2       0.50      0.50      0.50         2\n' +
      '           0       1.00      1.00      1.00         1\n\n   micro avg       0.67      0.67      0.67         3\n' +
      '   macro avg       0.75      0.75      0.75         3\nweighted avg       0.67      0.67      0.67         3\n',
  );
  // A Map of names works too.
  const r2 = classificationReport([5, 6], [5, 5], { classNames: new Map([[5, 'five'], [6, 'six']]) });
  assert.deepEqual(r2.classes.map((c) => c.name), ['five', 'six']);
  assert.equal(r2.classes[1]!.precision, 0); // never predicted: zero_division = 0
});

test('formatFixed rounds exact ties to even like Python', () => {
  assert.equal(formatFixed(0.125, 2), '0.12'); // toFixed gives 0.13
  assert.equal(formatFixed(0.375, 2), '0.38');
  assert.equal(formatFixed(0.625, 2), '0.62');
  assert.equal(formatFixed(0.995, 2), '0.99'); // 0.995 is below the tie in binary
  assert.equal(formatFixed(0.9999, 2), '1.00');
  assert.equal(formatFixed(1, 2), '1.00');
  assert.equal(formatFixed(0, 4), '0.0000');
  assert.equal(formatFixed(2 / 3, 4), '0.6667');
});

test('70,000 labels: no overflow, exact pair counts, ARI/NMI properties hold', () => {
  const N = 70000;
  const t = hashLabels(N, 2654435761, 10);
  // Pair counts are exact integers: ordered pairs of distinct samples, n² − n in all.
  const pc = pairConfusion(t, t);
  assert.equal(pc.fp, 0);
  assert.equal(pc.fn, 0);
  assert.equal(pc.tn + pc.tp, N * N - N);
  assert.equal(ari(t, t), 1);
  assert.equal(nmi(t, t), 1);
  // Relabelled copy scores 1; a random labeling scores ≈ 0 and stays finite.
  const relabelled = Int32Array.from(t, (v) => 9 - v);
  assert.equal(ari(t, relabelled), 1);
  assertClose(nmi(t, relabelled), 1, 1e-12, 'nmi relabelled');
  assert.equal(clusteringAccuracy(t, relabelled), 1);
  const other = hashLabels(N, 3266489917, 10, 777);
  const a = ari(t, other);
  assert.ok(Number.isFinite(a) && Math.abs(a) < 0.01, `ARI of unrelated labelings ${a}`);
  const total = pairConfusion(t, other);
  assert.equal(total.tn + total.fp + total.fn + total.tp, N * N - N); // ordered pairs of distinct samples
});
