/**
 * The metamorphic battery of issue 17 (scikit-learn's check_estimator style) for K-Means, PCA,
 * exact kNN and UMAP: translating the data (1e2 … 1e7), scaling it (1e-6 … 1e6), permuting its
 * rows or its features must give the same answer — the same partition up to relabelling (NMI ≥
 * 0.99), the same neighbours (recall ≥ 0.99), the same variances (relative 1e-3) — on every
 * engine that loads (js, and tfjs on each TF.js backend), and the engines must agree with each
 * other. Values no float can hold get a clear error, never NaN. Small data: seconds, not minutes.
 * NN-descent runs on its own engines (js and, when built, native), which must agree bit for bit.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans } from '../../src/cluster/index.js';
import { PCA } from '../../src/decomposition/index.js';
import { UMAP, exactKnn, nearestNeighbors, nnDescent } from '../../src/manifold/index.js';
import { nativeKernels } from '../../src/native/index.js';
import { createRandom } from '../../src/util/random.js';
import { nmi } from '../../src/metrics/index.js';
import type { Matrix } from '../../src/util/matrix.js';
import {
  allTransforms, backToOriginalOrder, enginesThatLoad, integerBlobs, neighbourRecall, type EngineRun,
} from './invariance-helpers.js';

const { x: X, truth } = integerBlobs(240, 6, 4, 17);
let engines: Awaited<ReturnType<typeof enginesThatLoad>>;

before(async () => { engines = await enginesThatLoad(); });

/** Runs `fn` on every engine that loads, the right TF.js backend selected for each tfjs run. */
async function onEveryEngine(fn: (run: EngineRun) => void): Promise<void> {
  assert.ok(engines.runs.length >= 2, 'js and at least one TF.js backend');
  for (const run of engines.runs) {
    await engines.select(run);
    fn(run);
  }
}

test('KMeans: the same partition (NMI ≥ 0.99) on translated, scaled and permuted data, on every engine; engines agree; predict assigns the nearest centre', async () => {
  const fitLabels = (x: Matrix, engine: 'js' | 'tfjs'): Int32Array => new KMeans({ nClusters: 4, nInit: 3, seed: 0, engine }).fit(x).labels;
  const reference = fitLabels(X, 'js');
  assert.ok(nmi(truth, reference) >= 0.99, 'the blobs are found');
  await onEveryEngine(({ label, engine }) => {
    assert.ok(nmi(reference, fitLabels(X, engine)) >= 0.99, `${label} agrees with js`);
    for (const t of allTransforms(X)) {
      const km = new KMeans({ nClusters: 4, nInit: 3, seed: 0, engine }).fit(t.x);
      assert.equal(km.engineUsed, engine);
      const labels = backToOriginalOrder(km.labels, t.rowOf);
      const score = nmi(reference, labels);
      assert.ok(score >= 0.99, `${label}, ${t.name}: NMI ${score}`);
      // predict: the nearest centre in float64, for every row.
      const predicted = km.predict(t.x);
      const c = km.clusterCenters;
      for (let i = 0; i < t.x.rows; i++) {
        let best = 0, bestD = Infinity;
        for (let j = 0; j < c.rows; j++) {
          let s = 0;
          for (let f = 0; f < c.cols; f++) { const v = t.x.data[i * c.cols + f]! - c.data[j * c.cols + f]!; s += v * v; }
          if (s < bestD) { bestD = s; best = j; }
        }
        assert.equal(predicted[i], best, `${label}, ${t.name}: row ${i} predicted ${predicted[i]}, nearest ${best}`);
      }
    }
  });
});

test('KMeans fitted on 300 rows predicts the nearest centre for 8,000 rows around 1,000 (tfjs by size)', async () => {
  const { x } = integerBlobs(8000, 64, 10, 5);
  const far: Matrix = { ...x, data: x.data.map((v) => v + 1000) };
  const fitRows: Matrix = { data: far.data.slice(0, 300 * 64), rows: 300, cols: 64 };
  await onEveryEngine(({ label, engine }) => {
    const km = new KMeans({ nClusters: 10, nInit: 2, seed: 0, engine }).fit(fitRows);
    const predicted = km.predict(far);
    const c = km.clusterCenters;
    let wrong = 0;
    for (let i = 0; i < far.rows; i++) {
      let best = 0, bestD = Infinity;
      for (let j = 0; j < 10; j++) {
        let s = 0;
        for (let f = 0; f < 64; f++) { const v = far.data[i * 64 + f]! - c.data[j * 64 + f]!; s += v * v; }
        if (s < bestD) { bestD = s; best = j; }
      }
      if (predicted[i] !== best) wrong++;
    }
    assert.equal(wrong, 0, `${label}: ${wrong} of 8,000 rows not assigned their nearest centre`);
  });
});

test('PCA: the same variances (relative 1e-3, scaled by s²) on translated, scaled and permuted data, on every engine; engines agree', async () => {
  const reference = new PCA({ nComponents: 4, engine: 'js' }).fit(X).explainedVariance;
  await onEveryEngine(({ label, engine }) => {
    for (const t of [{ name: 'original', x: X, scale: 1 }, ...allTransforms(X)]) {
      const pca = new PCA({ nComponents: 4, engine }).fit(t.x);
      assert.equal(pca.converged, true, `${label}, ${t.name}: converged`);
      for (let i = 0; i < 4; i++) {
        const v = pca.explainedVariance[i]! / (t.scale * t.scale);
        const rel = Math.abs(v - reference[i]!) / reference[i]!;
        assert.ok(rel <= 1e-3, `${label}, ${t.name}: variance ${i} ${v} vs ${reference[i]} (relative ${rel})`);
      }
    }
  });
});

test('exact kNN: the same neighbours (recall ≥ 0.99) on translated, scaled and permuted data, on every engine; engines agree', async () => {
  const k = 10;
  const reference = exactKnn(X, X, k, { engine: 'js' }).indices;
  await onEveryEngine(({ label, engine }) => {
    for (const t of [{ name: 'original', x: X, rowOf: Int32Array.from({ length: X.rows }, (_, i) => i) }, ...allTransforms(X)]) {
      const g = exactKnn(t.x, t.x, k, { engine });
      const recall = neighbourRecall(reference, g.indices, k, t.rowOf);
      assert.ok(recall >= 0.99, `${label}, ${t.name}: recall ${recall}`);
      assert.ok(g.distances.every(Number.isFinite), `${label}, ${t.name}: finite distances`);
      // Queries that are not the data (UMAP.transform's case) agree too.
      const q: Matrix = { data: t.x.data.slice(0, 20 * t.x.cols), rows: 20, cols: t.x.cols };
      const gq = exactKnn(t.x, q, k, { engine });
      for (let r = 0; r < 20; r++) assert.equal(gq.indices[r * k], r, `${label}, ${t.name}: query ${r} finds itself first`);
    }
  });
});

test('UMAP: the same kNN graph and the same blobs in a small embedding on translated, scaled and permuted data', async () => {
  const k = 10;
  const fit = (x: Matrix, knnEngine: 'js' | 'tfjs') => {
    const knn = nearestNeighbors(x, k, { engine: knnEngine });
    return new UMAP({ nNeighbors: k, nEpochs: 30, seed: 0 }).fit(x, { knn });
  };
  const reference = fit(X, 'js');
  const blobsOf = (E: Matrix): Int32Array => new KMeans({ nClusters: 4, nInit: 3, seed: 0, engine: 'js' }).fit(E).labels;
  const refBlobs = blobsOf(reference.embedding);
  assert.ok(nmi(truth, refBlobs) >= 0.99, 'the embedding keeps the blobs apart');
  await onEveryEngine(({ label, engine }) => {
    for (const t of allTransforms(X)) {
      const u = fit(t.x, engine);
      const recall = neighbourRecall(reference.knn.indices, u.knn.indices, k, t.rowOf);
      assert.ok(recall >= 0.99, `${label}, ${t.name}: kNN graph recall ${recall}`);
      assert.ok(u.embedding.data.every(Number.isFinite), `${label}, ${t.name}: finite embedding`);
      const score = nmi(refBlobs, backToOriginalOrder(blobsOf(u.embedding), t.rowOf));
      assert.ok(score >= 0.99, `${label}, ${t.name}: blobs of the embedding, NMI ${score}`);
    }
  });
});

test('NN-descent: the same neighbours (recall ≥ 0.99) on translated, scaled and permuted data, on js and native; engines agree bit for bit', () => {
  const k = 10;
  const { x } = integerBlobs(1500, 12, 6, 21);
  const engines = nativeKernels() ? (['js', 'native'] as const) : (['js'] as const);
  const reference = nnDescent(x, k, { seed: 0, engine: 'js' });
  assert.ok(neighbourRecall(exactKnn(x, x, k, { engine: 'js' }).indices, reference.indices, k, identityRows(x.rows)) >= 0.99, 'NN-descent finds the exact neighbours');
  for (const t of allTransforms(x)) {
    const graphs = engines.map((engine) => nnDescent(t.x, k, { seed: 0, engine }));
    const recall = neighbourRecall(reference.indices, graphs[0]!.indices, k, t.rowOf);
    assert.ok(recall >= 0.99, `${t.name}: recall ${recall}`);
    for (let e = 1; e < graphs.length; e++) {
      assert.deepEqual(graphs[e]!.indices, graphs[0]!.indices, `${t.name}: ${engines[e]} = js`);
      assert.deepEqual(graphs[e]!.distances, graphs[0]!.distances, `${t.name}: ${engines[e]} distances = js`);
    }
  }
  // Non-integer data moved to 1e4 (float32 keeps about 1e-3 of each value there, a spread of 10).
  const rng = createRandom(22);
  const centres = Array.from({ length: 6 }, () => Array.from({ length: 12 }, () => 20 * rng.normal()));
  const near: Matrix = { data: Float32Array.from({ length: 1500 * 12 }, (_, i) => centres[Math.floor(i / 12) % 6]![i % 12]! + 10 * rng.normal()), rows: 1500, cols: 12 };
  const far: Matrix = { ...near, data: near.data.map((v) => v + 1e4) };
  for (const engine of engines) {
    const recall = neighbourRecall(nnDescent(near, k, { seed: 0, engine }).indices, nnDescent(far, k, { seed: 0, engine }).indices, k, identityRows(1500));
    assert.ok(recall >= 0.99, `${engine}, non-integer data at 1e4: recall ${recall}`);
  }
});

function identityRows(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

test('values no float can hold give a clear error, never NaN: UMAP.transform of a row at 1e25; far but holdable rows embed', async () => {
  const umap = new UMAP({ nNeighbors: 8, nEpochs: 30, seed: 0 }).fit(X);
  const d = X.cols;
  await onEveryEngine(({ label, engine }) => {
    const far: Matrix = { data: new Float32Array(d).fill(1e25), rows: 1, cols: d };
    assert.throws(() => umap.transform(far), (e: Error) => e instanceof RangeError &&
      /UMAP\.transform: Y row 0 lies .* from the data's mean, more than 2\^24 times the data's radius .*no nearest neighbours\. Check that row/.test(e.message), label);
    assert.throws(() => exactKnn(X, far, 5, { engine }), /query row 0 lies/, label);
    // 1e4 away from data of radius ≈ 500 is far but distinguishable: finite positions.
    const distant: Matrix = { data: new Float32Array(d).fill(1e4), rows: 1, cols: d };
    assert.ok(umap.transform(distant).data.every(Number.isFinite), `${label}: finite`);
  });
  assert.throws(() => new KMeans({ nClusters: 2, engine: 'native' }).fit(X), /KMeans has no 'native' engine/);
  assert.throws(() => exactKnn(X, X, 3, { engine: 'native' }), /exact nearest neighbours has no 'native' engine/);
});
