import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmi, voteConsensus } from '../../src/metrics/index.js';
import { createRandom } from '../../src/util/random.js';

/** `truth` with a fraction `noise` of the samples moved to a random cluster, then the ids permuted. */
function noisyMember(truth: Int32Array, k: number, noise: number, seed: number): Int32Array {
  const rng = createRandom(seed);
  const ids = Array.from({ length: k }, (_, c) => c);
  for (let c = k - 1; c > 0; c--) {
    const j = rng.int(c + 1);
    [ids[c], ids[j]] = [ids[j]!, ids[c]!];
  }
  return truth.map((t) => ids[rng.next() < noise ? rng.int(k) : t]!);
}

test('voteConsensus: the documented example, and a member agreeing with itself', () => {
  const r = voteConsensus([[0, 0, 1, 1, 2, 2], [5, 5, 7, 7, 9, 9], [1, 1, 0, 0, 0, 2]]);
  assert.deepEqual([...r.labels], [0, 0, 1, 1, 2, 2]);
  assert.equal(r.reference, 0);
  // The coarser member sits between the two finer ones: it is the reference, and the vote keeps its 2 clusters.
  const middle = voteConsensus([[0, 0, 1, 1, 2], [5, 5, 7, 7, 7], [1, 1, 0, 2, 2]]);
  assert.equal(middle.reference, 1);
  assert.deepEqual([...middle.labels], [0, 0, 1, 1, 1]);
  assert.equal(r.converged, true);
  const one = voteConsensus([[4, 4, 9, 2]]);
  assert.deepEqual([...one.labels], [1, 1, 2, 0]);
  assert.equal(one.agreement, 1);
});

test('voteConsensus: identical partitions under other ids give that partition, unanimously', () => {
  const truth = Int32Array.from({ length: 300 }, (_, i) => i % 7);
  const members = [0, 1, 2, 3].map((s) => noisyMember(truth, 7, 0, s));
  const r = voteConsensus(members);
  assert.equal(nmi(truth, r.labels), 1);
  assert.equal(r.agreement, 1);
  assert.deepEqual(r.memberNmi, [1, 1, 1, 1]);
  assert.equal(r.iterations, 1);
});

test('voteConsensus: independent errors are voted away (the consensus beats every member)', () => {
  const rng = createRandom(11);
  const truth = Int32Array.from({ length: 5000 }, () => rng.int(10));
  const members = [1, 2, 3, 4, 5, 6, 7].map((s) => noisyMember(truth, 10, 0.3, s));
  const r = voteConsensus(members);
  const best = Math.max(...members.map((m) => nmi(truth, m)));
  assert.ok(nmi(truth, r.labels) > best + 0.15, `consensus NMI ${nmi(truth, r.labels)} vs best member ${best}`);
  assert.ok(r.agreement > 0.6 && r.agreement < 1, `agreement ${r.agreement}`);
  assert.ok(r.converged);
});

test('voteConsensus: the same partition whatever ids the members use and in whatever order they come', () => {
  const rng = createRandom(3);
  const truth = Int32Array.from({ length: 2000 }, () => rng.int(6));
  const members = [1, 2, 3, 4, 5].map((s) => noisyMember(truth, 6, 0.35, s));
  const base = voteConsensus(members).labels;
  const relabelled = members.map((m, i) => m.map((v) => 100 * v + i * 7 - 50));
  assert.equal(nmi(base, voteConsensus(relabelled).labels), 1);
  assert.equal(nmi(base, voteConsensus([...members].reverse()).labels), 1);
});

test('voteConsensus: the reference is the member closest to the others, without true labels', () => {
  const rng = createRandom(5);
  const truth = Int32Array.from({ length: 3000 }, () => rng.int(4));
  const members = [noisyMember(truth, 4, 0.6, 1), noisyMember(truth, 4, 0.05, 2), noisyMember(truth, 4, 0.6, 3), noisyMember(truth, 4, 0.5, 4)];
  assert.equal(voteConsensus(members).reference, 1);
});

test('voteConsensus: members with more or fewer clusters than the reference', () => {
  const truth = Int32Array.from({ length: 400 }, (_, i) => i % 4);
  const split = truth.map((t, i) => (t === 3 && i % 8 === 3 ? 4 : t)); // cluster 3 split in two
  const merged = truth.map((t) => (t === 3 ? 2 : t)); // clusters 2 and 3 merged
  const r = voteConsensus([truth, truth, split, merged]);
  assert.equal(nmi(truth, r.labels), 1);
});

test('voteConsensus: clear errors for no members, different lengths, bad labels, bad maxIter', () => {
  assert.throws(() => voteConsensus([]), /at least one clustering/);
  assert.throws(() => voteConsensus([[0, 1, 1], [0, 1]]), /labelings\[0\] and labelings\[1\] must have the same length, got 3 and 2/);
  assert.throws(() => voteConsensus([[0, 1], [0, Number.NaN]]), /labelings\[1\]\[1\] = NaN is not finite/);
  assert.throws(() => voteConsensus([[0, 1]], { maxIter: 0 }), /maxIter/);
});
