import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kmeans as mlKmeans } from 'ml-kmeans';
import { KMeans, elbow, meanVariance, type KMeansEngine } from '../../src/cluster/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import { NotFittedError } from '../../src/util/validate.js';
import type { Matrix } from '../../src/util/matrix.js';

interface KMeansCase {
  name: string; rows: number; cols: number; k: number; maxIter: number; tol: number;
  X: number[]; init: number[]; labels: number[]; centers: number[]; inertia: number; nIter: number;
}
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'kmeans.json'), 'utf8')) as { cases: KMeansCase[] };

function closeRel(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i]!;
    assert.ok(Math.abs(actual[i]! - e) <= tol * Math.max(1, Math.abs(e)), `${what}[${i}]: ${actual[i]} vs ${e}`);
  }
}

/** Well-separated Gaussian blobs (non-zero means), as a Matrix, with the true blob of each row. */
function blobs(n: number, d: number, k: number, seed: number, spread = 10): { X: Matrix; truth: Int32Array } {
  const rng = createRandom(seed);
  const means = Array.from({ length: k }, () => Array.from({ length: d }, () => 3 + spread * rng.normal()));
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = means[c]![j]! + rng.normal();
  }
  return { X: { data, rows: n, cols: d }, truth };
}

function rowsOf(X: Matrix, idx: number[]): Matrix {
  const data = new Float32Array(idx.length * X.cols);
  idx.forEach((r, c) => data.set(X.data.subarray(r * X.cols, (r + 1) * X.cols), c * X.cols));
  return { data, rows: idx.length, cols: X.cols };
}

function toArrays(m: Matrix): number[][] {
  return Array.from({ length: m.rows }, (_, i) => Array.from(m.data.subarray(i * m.cols, (i + 1) * m.cols)));
}

// Must run before any test initialises a TF.js backend (the backend is process-wide).
test("engine 'tfjs' without an initialised backend is a clear error", () => {
  const { X } = blobs(30, 2, 3, 1);
  assert.throws(() => new KMeans({ nClusters: 3, engine: 'tfjs' }).fit(X), /initBackend/);
  // 'auto' falls back to JS kernels when no backend is active.
  assert.notEqual(new KMeans({ nClusters: 3, nInit: 1 }).fit(X).engineUsed, 'tfjs');
});

const ENGINES: KMeansEngine[] = ['js', 'tfjs'];

// tfjs runs Hamerly's bounded assignment by default ('auto'); js is checked with both.
const VARIANTS: { engine: KMeansEngine; algorithm: 'auto' | 'lloyd' | 'hamerly' }[] = [
  ...ENGINES.map((engine) => ({ engine, algorithm: 'auto' as const })),
  { engine: 'js', algorithm: 'hamerly' },
  { engine: 'tfjs', algorithm: 'lloyd' },
];

for (const { engine, algorithm } of VARIANTS) {
  for (const c of fixture.cases) {
    test(`matches scikit-learn KMeans(init=centres, n_init=1, lloyd) [${engine}, ${algorithm}]: ${c.name}`, async () => {
      if (engine === 'tfjs') await initBackend();
      const X: Matrix = { data: Float32Array.from(c.X), rows: c.rows, cols: c.cols };
      const init: Matrix = { data: Float32Array.from(c.init), rows: c.k, cols: c.cols };
      const km = new KMeans({ nClusters: c.k, init, maxIter: c.maxIter, tol: c.tol, engine, algorithm });
      const warnings: string[] = [];
      const onWarning = (w: Error): void => { warnings.push(w.name); };
      process.on('warning', onWarning);
      try {
        km.fit(X);
        await new Promise((r) => setImmediate(r));
      } finally {
        process.off('warning', onWarning);
      }
      assert.equal(km.engineUsed, engine);
      assert.deepEqual(Array.from(km.labels), c.labels, 'labels');
      // tfjs computes x·c in float32: its centres are means of the same labels (exact); inertia is
      // always recomputed in float64.
      closeRel(km.clusterCenters.data, c.centers, 1e-5, 'centres');
      closeRel([km.inertia], [c.inertia], 1e-5, 'inertia');
      assert.equal(km.nIter, c.nIter, 'nIter');
      assert.equal(km.converged, c.nIter < c.maxIter);
      assert.equal(warnings.includes('ConvergenceWarning'), !km.converged);
      for (const v of km.clusterCenters.data) assert.ok(Number.isFinite(v));
    });
  }
}

for (const engine of ['js', 'tfjs'] as const) {
  test(`equals ml-kmeans given the same initial centres [${engine}]`, async () => {
    await initBackend();
    for (const [n, d, k, seed] of [[240, 4, 4, 1], [500, 7, 6, 2], [300, 12, 3, 3]] as const) {
      const { X } = blobs(n, d, k, seed, 2.5); // overlapping blobs: several iterations
      const initRows = Array.from({ length: k }, (_, i) => i * 7 + 1);
      const init = rowsOf(X, initRows);
      const ref = mlKmeans(toArrays(X), k, { initialization: toArrays(init), maxIterations: 300, tolerance: 0 });
      assert.ok(ref.converged);
      const ours = new KMeans({ nClusters: k, init, tol: 0, engine }).fit(X);
      assert.deepEqual(Array.from(ours.labels), ref.clusters, `labels n=${n}`);
      const abs = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-6;
      ref.centroids.forEach((cen, ci) => cen.forEach((v, j) => {
        assert.ok(abs(ours.clusterCenters.data[ci * d + j]!, Math.fround(v)), `centre ${ci},${j}: ${ours.clusterCenters.data[ci * d + j]} vs ${v}`);
      }));
      assert.equal(ours.nIter, ref.iterations, 'iterations');
    }
  });
}

test('fitPredict, predict, score and transform agree with the fitted state', async () => {
  await initBackend();
  const { X } = blobs(300, 6, 4, 5, 3);
  const km = new KMeans({ nClusters: 4, nInit: 3, seed: 7 });
  const labels = km.fitPredict(X);
  assert.deepEqual(km.predict(X), labels);
  assert.ok(Math.abs(km.score(X) + km.inertia) <= 1e-9 * km.inertia);
  const T = km.transform(X);
  assert.equal(T.rows, 300);
  assert.equal(T.cols, 4);
  let inertia = 0;
  for (let i = 0; i < 300; i++) {
    const row = Array.from(T.data.subarray(i * 4, i * 4 + 4));
    assert.equal(row.indexOf(Math.min(...row)), labels[i]);
    inertia += row[labels[i]!]! ** 2;
  }
  assert.ok(Math.abs(inertia - km.inertia) <= 1e-5 * km.inertia);
  // number[][] input works too.
  assert.deepEqual(km.predict(toArrays(X).slice(0, 5)), labels.slice(0, 5));
});

test('k-means++ recovers well-separated blobs; the best of nInit runs is kept', () => {
  const { X, truth } = blobs(400, 5, 5, 11, 15);
  const km = new KMeans({ nClusters: 5, nInit: 4, seed: 3 }).fit(X);
  // Each true blob maps to exactly one cluster and vice versa.
  const map = new Map<number, number>();
  for (let i = 0; i < X.rows; i++) {
    const t = truth[i]!;
    if (!map.has(t)) map.set(t, km.labels[i]!);
    assert.equal(km.labels[i], map.get(t));
  }
  assert.equal(new Set(map.values()).size, 5);
  assert.equal(km.runs.length, 4);
  assert.equal(km.inertia, Math.min(...km.runs.map((r) => r.inertia)));
  for (const l of km.labels) assert.ok(l >= 0 && l < 5);
});

test('same seed, same result; random init works; given centres make one run', () => {
  const { X } = blobs(300, 4, 6, 4, 2);
  for (const init of ['kmeans++', 'random'] as const) {
    const a = new KMeans({ nClusters: 6, nInit: 3, seed: 42, init }).fit(X);
    const b = new KMeans({ nClusters: 6, nInit: 3, seed: 42, init }).fit(X);
    assert.deepEqual(a.labels, b.labels);
    assert.deepEqual(a.clusterCenters.data, b.clusterCenters.data);
    assert.equal(a.inertia, b.inertia);
  }
  const given = new KMeans({ nClusters: 2, init: rowsOf(X, [0, 1]), nInit: 5 }).fit(X);
  assert.equal(given.runs.length, 1);
  assert.equal(new KMeans({ init: rowsOf(X, [0, 1]), nClusters: 2 }).options.nInit, 1);
  assert.equal(new KMeans().options.nInit, 10);
  assert.equal(new KMeans({ init: rowsOf(X, [0, 1, 2]) }).options.nClusters, 3);
  assert.equal(new KMeans().options.nClusters, 8);
});

for (const [engine, algorithm] of [['js', 'lloyd'], ['js', 'hamerly']] as const) {
  test(`an emptied cluster is re-seeded from the farthest point, never NaN [${engine}, ${algorithm}]`, () => {
    // Three tight groups; two of the four initial centres coincide, so one cluster is empty
    // after the first assignment (ties go to the first centre).
    const pts = [[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [20, 0], [20, 0.1], [20.1, 0], [40, 40]];
    const X: Matrix = { data: Float32Array.from(pts.flat()), rows: pts.length, cols: 2 };
    const init: Matrix = { data: Float32Array.from([0, 0, 10, 10, 10, 10, 20, 0]), rows: 4, cols: 2 };
    const km = new KMeans({ nClusters: 4, init, engine, algorithm }).fit(X);
    for (const v of km.clusterCenters.data) assert.ok(Number.isFinite(v));
    assert.equal(new Set(km.labels).size, 4, 'all four clusters are used');
    // The far point (40, 40) is the farthest from its centre: it becomes its own cluster.
    assert.equal(km.labels.filter((l) => l === km.labels[8]).length, 1);
  });
}

test('identical rows: fewer distinct clusters than k gives a warning, not NaN; k = n works', async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(w.message); };
  process.on('warning', onWarning);
  try {
    const same: Matrix = { data: new Float32Array(20).fill(3), rows: 10, cols: 2 };
    const km = new KMeans({ nClusters: 3 }).fit(same);
    await new Promise((r) => setImmediate(r));
    assert.deepEqual(Array.from(km.clusterCenters.data), [3, 3, 3, 3, 3, 3]);
    assert.equal(km.inertia, 0);
    assert.ok(warnings.some((m) => /1 distinct clusters, fewer than nClusters = 3/.test(m)), warnings.join('; '));
  } finally {
    process.off('warning', onWarning);
  }
  const X: Matrix = { data: Float32Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), rows: 5, cols: 2 };
  const all = new KMeans({ nClusters: 5, seed: 1 }).fit(X);
  assert.equal(all.inertia, 0);
  assert.equal(new Set(all.labels).size, 5);
});

test('tolerance is relative to the mean per-feature variance', () => {
  const { X } = blobs(200, 3, 3, 9, 2);
  const scaled: Matrix = { ...X, data: X.data.map((v) => v * 1000) };
  const a = new KMeans({ nClusters: 3, nInit: 1, seed: 1, tol: 1e-2 }).fit(X);
  const b = new KMeans({ nClusters: 3, nInit: 1, seed: 1, tol: 1e-2 }).fit(scaled);
  assert.equal(a.nIter, b.nIter);
  assert.deepEqual(a.labels, b.labels);
  const v = meanVariance({ data: Float32Array.from([1, 10, 3, 10]), rows: 2, cols: 2 });
  assert.equal(v, 0.5); // variances 1 and 0
});

test('elbow: SSE for k = kMin..kMax, non-increasing, k = 1 is the total sum of squares', () => {
  const { X } = blobs(200, 4, 4, 8, 4);
  const res = elbow(X, { kMax: 6, nInit: 3, seed: 0 });
  assert.deepEqual(res.k, [1, 2, 3, 4, 5, 6]);
  for (let i = 1; i < res.sse.length; i++) assert.ok(res.sse[i]! <= res.sse[i - 1]! * (1 + 1e-9), `sse[${i}]`);
  const tss = meanVariance(X) * X.rows * X.cols;
  assert.ok(Math.abs(res.sse[0]! - tss) <= 1e-6 * tss);
  assert.throws(() => elbow(X, { kMin: 3, kMax: 2 }), /kMax/);
});

test('bad input: clear errors naming the parameter', () => {
  const { X } = blobs(20, 3, 2, 1);
  assert.throws(() => new KMeans({ nClusters: 0 }).fit(X), /nClusters must be an integer >= 1, got 0/);
  assert.throws(() => new KMeans({ nClusters: 2.5 }).fit(X), /nClusters/);
  assert.throws(() => new KMeans({ nClusters: 21 }).fit(X), /X has 20 rows but nClusters = 21/);
  assert.throws(() => new KMeans({ nClusters: 2, nInit: 0 }).fit(X), /nInit/);
  assert.throws(() => new KMeans({ nClusters: 2, maxIter: 0 }).fit(X), /maxIter/);
  assert.throws(() => new KMeans({ nClusters: 2, tol: -1 }).fit(X), /tol/);
  // @ts-expect-error an unknown init method is rejected at compile time and at run time
  assert.throws(() => new KMeans({ nClusters: 2, init: 'mostDistant' }).fit(X), /init must be one of/);
  // @ts-expect-error an unknown engine likewise
  assert.throws(() => new KMeans({ nClusters: 2, engine: 'gpu' }).fit(X), /engine must be one of/);
  assert.throws(
    () => new KMeans({ nClusters: 2, init: { data: new Float32Array(4), rows: 2, cols: 2 } }).fit(X),
    /given centres are 2 × 2 but must be nClusters × n_features = 2 × 3/,
  );
  const bad = { ...X, data: X.data.slice() };
  bad.data[7] = NaN;
  assert.throws(() => new KMeans({ nClusters: 2 }).fit(bad), /X contains NaN at row 2, column 1/);
  bad.data[7] = Infinity;
  assert.throws(() => new KMeans({ nClusters: 2 }).fit(bad), /X contains Infinity/);
  const km = new KMeans({ nClusters: 2 });
  assert.throws(() => km.predict(X), NotFittedError);
  assert.throws(() => km.inertia, NotFittedError);
  km.fit(X);
  assert.throws(() => km.predict({ data: new Float32Array(4), rows: 2, cols: 2 }), /X has 2 features \(columns\) but this KMeans was fitted on 3/);
});

test('tfjs engine leaks no tensors', async () => {
  const { tf } = await initBackend();
  const { X } = blobs(500, 8, 4, 2);
  const before = tf.memory().numTensors;
  const km = new KMeans({ nClusters: 4, nInit: 2, engine: 'tfjs' }).fit(X);
  km.predict(X);
  km.transform(X);
  assert.equal(tf.memory().numTensors, before);
});

test('init as number[][] (issue 18): nClusters is taken from it, or a mismatch names the fix', () => {
  const km = new KMeans({ init: [[0, 0], [9, 9]] });
  assert.equal(km.options.nClusters, 2);
  assert.equal(km.options.nInit, 1);
  const labels = km.fit([[0, 1], [1, 0], [9, 8], [8, 9], [0.5, 0.5]]).labels;
  assert.deepEqual(Array.from(labels), [0, 0, 1, 1, 0]);
  assert.deepEqual(Array.from(km.clusterCenters.data), [0.5, 0.5, 8.5, 8.5]);
  assert.throws(() => new KMeans({ nClusters: 3, init: [[0, 0], [9, 9]] }).fit([[0, 1], [1, 0], [9, 8], [8, 9]]),
    /init: the given centres are 2 × 2 but must be nClusters × n_features = 3 × 2\. Give one centre per cluster .* leave nClusters out/);
  assert.throws(() => new KMeans({ init: [[0, 0], [9]] }).fit([[0, 1], [1, 0]]), /init: row 1 has 1 values but row 0 has 2/);
  assert.equal(km.algorithmUsed, 'lloyd');
  assert.equal(km.engineUsed, 'js');
});
