/**
 * The metrics at their boundary (one battery of bad labels for every metric) and their defining
 * properties, checked with fast-check on generated labelings: invariance under relabelling, bounds,
 * symmetry, identity.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  ari, classificationReport, clusteringAccuracy, confusionMatrix, contingencyMatrix, entropy, matchClusters, mutualInfo, nmi, pairConfusion,
  scoreClustering,
} from '../../src/metrics/index.js';

type Metric = (a: never, b: never) => unknown;
const PAIR_METRICS: Array<[string, Metric]> = [
  ['nmi', nmi], ['ari', ari], ['clusteringAccuracy', clusteringAccuracy], ['matchClusters', matchClusters],
  ['contingencyMatrix', contingencyMatrix], ['mutualInfo', mutualInfo], ['pairConfusion', pairConfusion],
  ['confusionMatrix', confusionMatrix], ['classificationReport', classificationReport], ['scoreClustering', scoreClustering],
];

test('every metric refuses the same bad labels with the same error class and a message naming the argument', () => {
  const good = [0, 1, 1, 2];
  const cases: Array<[string, unknown, unknown, new (...a: never[]) => Error, RegExp]> = [
    ['a string', 'abc', good, TypeError, /labelsTrue must be a number\[\] or an integer typed array.*got string/],
    ['null', good, null, TypeError, /labelsPred must be a number\[\] or an integer typed array.*got null/],
    ['a number', 3, good, TypeError, /labelsTrue must be/],
    ['BigInt labels', new BigInt64Array(4), good, TypeError, /labelsTrue must be a number\[\] or an integer typed array.*got a BigInt64Array/],
    ['a string label', [0, '1', 1, 2], good, TypeError, /labelsTrue\[1\] = 1 is of type string/],
    ['empty', [], [], RangeError, /labelsTrue must contain at least 1 sample, got an empty array/],
    ['NaN', good, [0, NaN, 1, 1], RangeError, /labelsPred\[1\] = NaN is not finite/],
    ['Infinity', [Infinity, 0, 0, 0], good, RangeError, /labelsTrue\[0\] = Infinity is not finite/],
    ['a fraction', good, Float64Array.of(0, 1, 1.5, 2), RangeError, /labelsPred\[2\] = 1\.5 is not an integer/],
    ['huge', [2 ** 40, 0, 0, 0], good, RangeError, /outside the 32-bit integer range/],
    ['mismatched lengths', good, [0, 1, 1], RangeError, /must have the same length, got 4 and 3/],
  ];
  for (const [name, metric] of PAIR_METRICS) {
    for (const [what, a, b, cls, re] of cases) {
      assert.throws(() => metric(a as never, b as never), (e: Error) => {
        assert.ok(e instanceof cls, `${name} with ${what}: expected ${cls.name}, got ${e.name}: ${e.message}`);
        // some metrics name their second argument differently (e.g. the mapped predictions)
        assert.match(e.message, new RegExp(re.source.replace(/labelsPred/g, 'labelsPred\\w*')), `${name} with ${what}`);
        return true;
      });
    }
  }
  assert.throws(() => entropy([]), /labels must contain at least 1 sample/);
  assert.throws(() => entropy('ab' as never), TypeError);
});

/** Labelings of the same n samples with up to k values, and a relabelling (a permutation of the values, possibly shifted/negative). */
const labelings = fc.integer({ min: 1, max: 60 }).chain((n) => fc.record({
  a: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }),
  b: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: n, maxLength: n }),
  perm: fc.shuffledSubarray([0, 1, 2, 3, 4, 5, 6], { minLength: 7, maxLength: 7 }),
  shift: fc.integer({ min: -1000, max: 1000 }),
}));

const close = (x: number, y: number) => Math.abs(x - y) <= 1e-12;

test('properties: NMI, ARI and accuracy are invariant under relabelling of either side', () => {
  fc.assert(fc.property(labelings, ({ a, b, perm, shift }) => {
    const b2 = b.map((v) => perm[v]! * 3 + shift);
    const a2 = Int32Array.from(a, (v) => perm[v]! - shift);
    assert.ok(close(nmi(a, b), nmi(a, b2)), 'nmi, pred relabelled');
    assert.ok(close(nmi(a, b), nmi(a2, b)), 'nmi, true relabelled');
    assert.ok(close(ari(a, b), ari(a2, b2)), 'ari');
    assert.ok(close(clusteringAccuracy(a, b), clusteringAccuracy(a, b2)), 'accuracy');
  }), { seed: 30, numRuns: 300 });
});

test('properties: bounds, symmetry and identity', () => {
  fc.assert(fc.property(labelings, ({ a, b, perm }) => {
    const n = nmi(a, b), r = ari(a, b), acc = clusteringAccuracy(a, b);
    assert.ok(n >= -1e-12 && n <= 1 + 1e-12, `nmi ${n}`);
    assert.ok(r >= -1 - 1e-12 && r <= 1 + 1e-12, `ari ${r}`);
    assert.ok(acc >= 0 && acc <= 1, `accuracy ${acc}`);
    // the best one-to-one assignment is at least as good as mapping the largest cluster to its largest class
    assert.ok(acc * a.length >= Math.max(...contingencyMatrix(a, b).counts) - 1e-9, 'accuracy ≥ largest cell');
    assert.ok(close(n, nmi(b, a)), 'nmi symmetric');
    assert.ok(close(r, ari(b, a)), 'ari symmetric');
    assert.ok(close(mutualInfo(a, b), mutualInfo(b, a)), 'mutual information symmetric');
    // a partition compared with a relabelled copy of itself scores perfectly
    const same = a.map((v) => perm[v]!);
    assert.ok(close(nmi(a, same), 1), 'nmi identity');
    assert.ok(close(ari(a, same), 1) || new Set(a).size === 1, 'ari identity');
    assert.equal(clusteringAccuracy(a, same), 1);
    assert.ok(mutualInfo(a, b) >= -1e-12 && mutualInfo(a, b) <= Math.min(entropy(a), entropy(b)) + 1e-12, 'I(a;b) ≤ min(H(a), H(b))');
  }), { seed: 31, numRuns: 300 });
});
