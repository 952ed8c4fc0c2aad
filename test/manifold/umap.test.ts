import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  UMAP, exactKnn, findAbParams, fuzzyUnion, knnRecall, membershipStrengths, nearestNeighbors, nnDescent, smoothKnnDist,
  trustworthiness, umapSweep, type KnnGraph,
} from '../../src/manifold/index.js';
import { fashionTestSplit } from '../helpers/fmnist.js';
import { epochsPerSample, optimizeLayout, type LayoutProblem } from '../../src/manifold/layout.js';
import { nativeKernels, nativeStatus } from '../../src/native/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import { sliceRows, takeRows, type Matrix } from '../../src/util/matrix.js';
import { NotFittedError } from '../../src/util/validate.js';

interface Fixture {
  ab: { spread: number; minDist: number; a: number; b: number }[];
  fuzzy: {
    n: number; d: number; k: number; x: number[]; indices: number[]; distances: number[];
    sigmas: number[]; rhos: number[]; rows: number[]; cols: number[]; values: number[];
  };
  fmnist: { rows: number; k: number; embedding: number[]; trustworthiness: number; knnRecall: number };
}
const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'umap.json'), 'utf8')) as Fixture;

/** `n` points of `c` well-separated Gaussian blobs in `d` dimensions, with their blob labels. */
function blobs(n: number, c: number, d: number, seed: number): { x: Matrix; labels: Int32Array } {
  const rng = createRandom(seed);
  const centres = Array.from({ length: c }, () => Array.from({ length: d }, () => rng.normal() * 10));
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[i % c]![j]! + rng.normal();
  }
  return { x: { data, rows: n, cols: d }, labels };
}

/** The first 2,000 Fashion-MNIST test images (what make_umap_fixtures.py embeds), or undefined. */
async function fmnist2000(): Promise<Matrix | undefined> {
  const t = await fashionTestSplit();
  return t && sliceRows(t.images, 0, 2000);
}

/** Brute-force kNN in float64 of the listed rows (default all; each row first, ties by index), rows.length × k. */
function bruteForce(x: Matrix, k: number, rows?: ArrayLike<number>): Int32Array {
  const { rows: n, cols: d, data } = x;
  const list = rows ?? Array.from({ length: n }, (_, i) => i);
  const out = new Int32Array(list.length * k);
  for (let r = 0; r < list.length; r++) {
    const i = list[r]!;
    const dist = Array.from({ length: n }, (_, j) => {
      let s = 0;
      for (let t = 0; t < d; t++) { const v = data[i * d + t]! - data[j * d + t]!; s += v * v; }
      return j === i ? -1 : s;
    });
    const order = Array.from({ length: n }, (_, j) => j).sort((a, b) => dist[a]! - dist[b]! || a - b);
    out.set(order.slice(0, k), r * k);
  }
  return out;
}

test('a, b of the membership curve equal umap-learn find_ab_params', () => {
  for (const { spread, minDist, a, b } of fixture.ab) {
    const got = findAbParams(spread, minDist);
    assert.ok(Math.abs(got.a - a) <= 1e-4 * a, `a(${spread}, ${minDist}) = ${got.a}, umap-learn ${a}`);
    assert.ok(Math.abs(got.b - b) <= 1e-4 * b, `b(${spread}, ${minDist}) = ${got.b}, umap-learn ${b}`);
  }
  assert.throws(() => findAbParams(0, 0.1), /spread must be/);
});

test('smooth kNN distances and the fuzzy union equal umap-learn on the same neighbours', () => {
  const f = fixture.fuzzy;
  const g: KnnGraph = { indices: Int32Array.from(f.indices), distances: Float32Array.from(f.distances), rows: f.n, k: f.k };
  const s = smoothKnnDist(g);
  for (let i = 0; i < f.n; i++) {
    assert.ok(Math.abs(s.rhos[i]! - f.rhos[i]!) <= 1e-6 * Math.max(1, f.rhos[i]!), `rho ${i}`);
    assert.ok(Math.abs(s.sigmas[i]! - f.sigmas[i]!) <= 1e-5 * f.sigmas[i]!, `sigma ${i}: ${s.sigmas[i]} vs ${f.sigmas[i]}`);
  }
  const graph = fuzzyUnion(g, membershipStrengths(g, s));
  assert.equal(graph.indices.length, f.values.length);
  for (let e = 0, i = 0; e < f.values.length; e++) {
    while (graph.indptr[i + 1]! <= e) i++;
    assert.equal(i, f.rows[e]);
    assert.equal(graph.indices[e], f.cols[e]);
    assert.ok(Math.abs(graph.weights[e]! - f.values[e]!) <= 1e-5, `weight ${e}`);
  }
});

test('exact kNN equals brute force (JS and TF.js kernels), NN-descent finds almost all of it', async () => {
  const { x } = blobs(400, 4, 6, 1);
  const want = bruteForce(x, 10);
  assert.deepEqual(Array.from(exactKnn(x, x, 10).indices), Array.from(want));
  await initBackend();
  const big = blobs(3000, 5, 32, 2).x; // large enough for the TF.js kernel
  const exact = exactKnn(big, big, 10);
  const rows = Int32Array.from({ length: 60 }, (_, i) => i * 50);
  const sub = bruteForce(big, 10, rows);
  rows.forEach((i, r) => assert.deepEqual(Array.from(exact.indices.subarray(i * 10, i * 10 + 10)), Array.from(sub.subarray(r * 10, r * 10 + 10)), `row ${i}`));
  for (let i = 0; i < big.rows; i++) {
    assert.equal(exact.indices[i * 10], i);
    assert.equal(exact.distances[i * 10], 0);
    for (let j = 1; j < 10; j++) assert.ok(exact.distances[i * 10 + j]! >= exact.distances[i * 10 + j - 1]!);
  }
  const approx = nnDescent(big, 10, { seed: 0 });
  let hits = 0;
  for (let i = 0; i < big.rows; i++) {
    const set = new Set(exact.indices.subarray(i * 10, i * 10 + 10));
    for (let j = 0; j < 10; j++) if (set.has(approx.indices[i * 10 + j]!)) hits++;
  }
  // 5 Gaussian blobs in 32-d are hard for NN-descent (high intrinsic dimension); real codes do better (bench/README.md).
  assert.ok(hits / (big.rows * 10) >= 0.95, `NN-descent recall ${hits / (big.rows * 10)}`);
  assert.deepEqual(Array.from(nnDescent(big, 10, { seed: 0 }).indices), Array.from(approx.indices), 'NN-descent is deterministic');
});

test('UMAP is deterministic for a seed, separates blobs, and leaks no tensors', async () => {
  const { tf } = await initBackend();
  const { x, labels } = blobs(600, 3, 8, 3);
  const before = tf.memory().numTensors;
  const progress: string[] = [];
  const a = new UMAP({ nNeighbors: 10, seed: 5 }).fit(x, { onProgress: (p) => { if (!progress.includes(p.phase)) progress.push(p.phase); } });
  const b = new UMAP({ nNeighbors: 10, seed: 5 }).fit(x);
  const c = new UMAP({ nNeighbors: 10, seed: 6 }).fit(x);
  assert.deepEqual(progress, ['knn', 'graph', 'init', 'optimize']);
  assert.equal(tf.memory().numTensors, before);
  assert.deepEqual(Array.from(a.embedding.data), Array.from(b.embedding.data));
  assert.notDeepEqual(Array.from(a.embedding.data), Array.from(c.embedding.data));
  assert.equal(a.embedding.rows, 600);
  assert.equal(a.embedding.cols, 2);
  assert.equal(a.nEpochsUsed, 500);
  // Each point's 5 nearest embedded neighbours are in its own blob.
  const g = exactKnn(a.embedding, a.embedding, 6);
  let same = 0;
  for (let i = 0; i < 600; i++) for (let j = 1; j < 6; j++) if (labels[g.indices[i * 6 + j]!] === labels[i]) same++;
  assert.equal(same, 600 * 5);
  // The other initialisations and the cosine metric run too.
  for (const opts of [{ init: 'random' as const }, { init: 'pca' as const }, { metric: 'cosine' as const }]) {
    const e = new UMAP({ nNeighbors: 10, nEpochs: 50, seed: 1, ...opts }).fitTransform(x);
    assert.ok(e.data.every(Number.isFinite), JSON.stringify(opts));
  }
});

test('transform places training rows near their embedding and new rows in their blob', () => {
  const { x, labels } = blobs(630, 3, 8, 4);
  const train = sliceRows(x, 0, 600);
  const u = new UMAP({ nNeighbors: 10, seed: 0 }).fit(train);
  const E = u.embedding;
  // Spread of the embedding: mean distance between random pairs.
  let spread = 0;
  for (let i = 0; i < 300; i++) {
    let s = 0;
    for (let d = 0; d < 2; d++) s += (E.data[i * 2 + d]! - E.data[(599 - i) * 2 + d]!) ** 2;
    spread += Math.sqrt(s) / 300;
  }
  const rows = Int32Array.from({ length: 40 }, (_, i) => i * 15);
  const T = u.transform(takeRows(train, rows));
  // They start exactly at their embedding and the SGD (against the fixed embedding) moves them little.
  const moved = Array.from(rows, (r, i) => Math.hypot(T.data[i * 2]! - E.data[r * 2]!, T.data[i * 2 + 1]! - E.data[r * 2 + 1]!)).sort((p, q) => p - q);
  assert.ok(moved[20]! < 0.05 * spread, `median move ${moved[20]} (spread ${spread})`);
  assert.ok(moved[39]! < 0.25 * spread, `largest move ${moved[39]} (spread ${spread})`);
  // New rows: nearest training embedding point is of the same blob.
  const fresh = sliceRows(x, 600, 630);
  const P = u.transform(fresh);
  const nn = exactKnn(E, P, 1);
  for (let i = 0; i < 30; i++) assert.equal(labels[nn.indices[i]!], labels[600 + i], `new row ${i}`);
});

test('trustworthiness and kNN recall of our embedding are within 0.02 of umap-learn on 2,000 Fashion-MNIST images', async (t) => {
  const X = await fmnist2000();
  if (!X) { t.skip('Fashion-MNIST not installed (see src/data)'); return; }
  await initBackend();
  const f = fixture.fmnist;
  const ref: Matrix = { data: Float32Array.from(f.embedding), rows: f.rows, cols: 2 };
  // Our metric reproduces scikit-learn's trustworthiness on umap-learn's own embedding.
  const refTrust = trustworthiness(X, ref, f.k);
  assert.ok(Math.abs(refTrust - f.trustworthiness) < 1e-3, `trustworthiness of umap-learn's embedding: ours ${refTrust}, scikit-learn ${f.trustworthiness}`);
  assert.ok(Math.abs(knnRecall(X, ref, f.k) - f.knnRecall) < 2e-3);
  const E = new UMAP({ seed: 0 }).fitTransform(X);
  const trust = trustworthiness(X, E, f.k);
  const recall = knnRecall(X, E, f.k);
  assert.ok(Math.abs(trust - f.trustworthiness) <= 0.02, `trustworthiness ${trust} vs umap-learn ${f.trustworthiness}`);
  assert.ok(recall >= f.knnRecall - 0.02, `10-NN recall ${recall} vs umap-learn ${f.knnRecall}`);
});

test('options and input are validated with clear messages; NotFittedError before fit', () => {
  const { x } = blobs(50, 2, 3, 5);
  assert.throws(() => new UMAP().embedding, NotFittedError);
  assert.throws(() => new UMAP().transform(x), NotFittedError);
  const bad = Float32Array.from(x.data); bad[7] = NaN;
  assert.throws(() => new UMAP().fit({ data: bad, rows: 50, cols: 3 }), /X contains NaN at row 2, column 1/);
  assert.throws(() => new UMAP({ nNeighbors: 50 }).fit(x), /nNeighbors = 50 must be smaller than the number of rows of X \(50\)/);
  assert.throws(() => new UMAP({ nComponents: 0 }).fit(x), /nComponents must be an integer >= 1, got 0/);
  assert.throws(() => new UMAP({ nNeighbors: 1 }).fit(x), /nNeighbors must be an integer >= 2/);
  assert.throws(() => new UMAP({ minDist: 2 }).fit(x), /minDist must be a in \[0, 1\] number, got 2/);
  assert.throws(() => new UMAP({ nEpochs: 0 }).fit(x), /nEpochs must be an integer >= 1/);
  assert.throws(() => new UMAP({ metric: 'manhattan' as 'cosine' }).fit(x), /metric must be one of 'euclidean', 'cosine'/);
  assert.throws(() => new UMAP({ init: 'tsne' as 'pca' }).fit(x), /init must be one of/);
  const u = new UMAP({ nNeighbors: 5, nEpochs: 20 }).fit(x);
  assert.throws(() => u.transform({ data: new Float32Array(8), rows: 2, cols: 4 }), /Y has 4 features \(columns\) but this UMAP was fitted on 3/);
  assert.throws(() => u.fit(x, { knn: nearestNeighbors(x, 3) }), /knn has 3 neighbours per row but nNeighbors = 5/);
});

test('a sweep shares one neighbour search across the grid', () => {
  const { x } = blobs(200, 2, 4, 6);
  const cells = umapSweep(x, { nNeighbors: [5, 10], nComponents: [2, 3] }, { nEpochs: 30, seed: 0 });
  assert.deepEqual(cells.map((c) => [c.nNeighbors, c.nComponents, c.embedding.cols]), [[5, 2, 2], [5, 3, 3], [10, 2, 2], [10, 3, 3]]);
  // The same as a fit with its own search.
  const alone = new UMAP({ nNeighbors: 10, nComponents: 3, nEpochs: 30, seed: 0 }).fitTransform(x);
  assert.deepEqual(Array.from(cells[3]!.embedding.data), Array.from(alone.data));
});

test('the layout power function matches Math.pow to 1e-12', async () => {
  const { powPositive } = await import('../../src/manifold/layout.js');
  const rng = createRandom(9);
  for (let i = 0; i < 20000; i++) {
    const x = Math.exp((rng.next() - 0.5) * 60);
    const b = rng.next() * 2;
    const want = Math.pow(x, b);
    assert.ok(Math.abs(powPositive(x, b) / want - 1) < 1e-12, `${x}^${b}`);
  }
  assert.ok(Math.abs(powPositive(4, 0.5) - 2) < 1e-15);
  assert.equal(powPositive(1e-310, 0.5), Math.pow(1e-310, 0.5), 'subnormal inputs fall back to Math.pow');
});

/** A UMAP fit's SGD problem (graph and starting layout) on blobs, for running the layout engines directly. */
function layoutProblem(n: number, seed: number): LayoutProblem {
  const { x } = blobs(n, 6, 12, seed);
  const u = new UMAP({ nComponents: 5, nNeighbors: 10, nEpochs: 1, seed }).fit(x);
  const g = u.graph;
  const edgeHead = new Int32Array(g.indices.length);
  for (let i = 0; i < g.rows; i++) edgeHead.fill(i, g.indptr[i]!, g.indptr[i + 1]!);
  const embedding = Float32Array.from(u.embedding.data);
  return {
    head: embedding, tail: embedding, dim: 5, edgeHead, edgeTail: Int32Array.from(g.indices),
    epochsPerSample: epochsPerSample(g.weights), nVertices: n, nEpochs: 30, ...u.ab, gamma: 1, initialAlpha: 1,
    negativeSampleRate: 5, moveOther: true, seed: 7,
  };
}

/** A copy of a problem with its own position arrays (the layout is optimised in place). */
function fresh(p: LayoutProblem): LayoutProblem {
  const head = p.head.slice();
  return { ...p, head, tail: p.moveOther ? head : p.tail.slice() };
}

test('the compiled SGD kernel is built, and gives the TypeScript layout bit for bit on 1 or 2 threads', () => {
  assert.ok(nativeStatus().loaded, `scripts/setup.sh builds native/ on this machine: ${nativeStatus().detail}`);
  const p = layoutProblem(1500, 3);
  const ts = fresh(p);
  const runTs = optimizeLayout(ts, undefined, { engine: 'js' });
  assert.equal(runTs.engine, 'js');
  for (const threads of [1, 2]) {
    const nat = fresh(p);
    const run = optimizeLayout(nat, undefined, { engine: 'native', threads });
    assert.deepEqual({ engine: run.engine, threads: run.threads }, { engine: 'native', threads });
    assert.deepEqual(new Uint32Array(nat.head.buffer), new Uint32Array(ts.head.buffer), `${threads} thread(s)`);
  }
  let moved = 0;
  for (let i = 0; i < p.head.length; i++) if (ts.head[i] !== p.head[i]) moved++;
  assert.ok(moved > 0.9 * p.head.length, 'the layout moved');
  // transform's problem: a fixed tail, heads split by row.
  const newRows: LayoutProblem = { ...p, head: p.head.slice(0, 400 * 5), tail: p.tail.slice(), edgeHead: p.edgeHead.map((j) => j % 400), moveOther: false };
  const a = fresh(newRows), b = fresh(newRows);
  assert.equal(optimizeLayout(a, undefined, { engine: 'js' }).crossFraction, 0);
  optimizeLayout(b, undefined, { engine: 'native', threads: 2 });
  assert.deepEqual(new Uint32Array(b.head.buffer), new Uint32Array(a.head.buffer));
  assert.deepEqual(b.tail, newRows.tail, 'a tail that does not move stays as it was');
});

test('the block schedule keeps most edges inside a block, and UMAP reports how its SGD ran', () => {
  const { x } = blobs(2000, 8, 10, 5);
  const u = new UMAP({ nComponents: 4, nNeighbors: 10, nEpochs: 20, seed: 1 }).fit(x);
  const run = u.layoutRun;
  assert.equal(run.engine, 'native');
  assert.ok(run.crossFraction < 0.15, `edges between blocks: ${run.crossFraction}`);
});

test('bad layout problems and addon calls get clear errors instead of reading outside the arrays', () => {
  const p = layoutProblem(300, 2);
  const edgeTail = p.edgeTail.slice();
  edgeTail[5] = 300;
  assert.throws(() => optimizeLayout({ ...fresh(p), edgeTail }), /edge 5 \(\d+ → 300\) is outside/);
  assert.throws(() => optimizeLayout({ ...fresh(p), epochsPerSample: p.epochsPerSample.subarray(1) }), /one entry per edge/);
  assert.throws(() => optimizeLayout({ ...p, tail: p.tail.slice() }), /moveOther needs head and tail to be the same array/);
  const k = nativeKernels()!;
  const f = new Float32Array(10), i = new Int32Array(2), d = new Float64Array(2);
  assert.throws(() => k.umapSgdEpoch(f, f, f, 2, i, new Int32Array(3), d, d, d, d, Int32Array.of(0, 2, 2), new Uint32Array(2), 5, 0, 1, 1, 1, 1, 1, 1), /inconsistent array lengths/);
  assert.throws(() => k.umapSgdEpoch(f, f, f, 2, i, i, d, d, d, d, Int32Array.of(0, 1), new Uint32Array(2), 5, 0, 1, 1, 1, 1, 1, 1), /block table/);
  assert.throws(() => (k.umapSgdEpoch as (...a: unknown[]) => void)(f, f, f, 2, i, i, [0, 0], d, d, d, Int32Array.of(0, 2, 2), new Uint32Array(2), 5, 0, 1, 1, 1, 1, 1, 1), /epochsPerSample has the wrong type/);
});

test('the compiled NN-descent builds the TypeScript graph bit for bit (dimensions with and without a partial lane block)', async () => {
  for (const [n, d] of [[2500, 32], [1200, 13]] as const) {
    const { x } = blobs(n, 5, d, 4);
    const ts = nnDescent(x, 12, { seed: 9, engine: 'js' });
    const nat = nnDescent(x, 12, { seed: 9, engine: 'native' });
    assert.deepEqual(nat.indices, ts.indices, `${n}×${d} indices`);
    assert.deepEqual(new Uint32Array(nat.distances.buffer), new Uint32Array(ts.distances.buffer), `${n}×${d} distances`);
  }
  const t = await fmnist2000();
  assert.ok(t, 'the Fashion-MNIST test split is installed (scripts/setup.sh)');
  const images = sliceRows(t, 0, 1500);
  assert.deepEqual(nnDescent(images, 15, { seed: 1, engine: 'native' }).indices, nnDescent(images, 15, { seed: 1, engine: 'js' }).indices, '784-d images');
  const k = nativeKernels()!;
  const f = new Float32Array(8), hi = new Int32Array(4).fill(-1), hd = new Float32Array(4), hf = new Uint8Array(4), rng = new Uint32Array(4).fill(1);
  assert.throws(() => k.nndInit(f, 4, 2, 1, hd, hi, hf, new Int32Array(4), new Float64Array(2), 1, 10, new Uint32Array(3)), /inconsistent array lengths/);
  hi[2] = 4; // a neighbour index past the last row
  assert.throws(() => k.nndInit(f, 4, 2, 1, hd, hi, hf, new Int32Array(4), new Float64Array(2), 1, 10, rng), /neighbour indices/);
  const c = new Int32Array(8), p = new Float32Array(8), nn = new Int32Array(4);
  assert.throws(() => k.nndRound(f, 4, 2, 1, 2, hd, hi, hf, c, c, p, p, nn, nn, rng), /neighbour indices/);
});
