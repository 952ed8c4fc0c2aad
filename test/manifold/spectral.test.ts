import { test } from 'node:test';
import assert from 'node:assert/strict';
import { UMAP, type SparseGraph } from '../../src/manifold/index.js';
import { lanczosKernels } from '../../src/linalg/lanczos.js';
import { connectedComponents, spectralEmbedding } from '../../src/manifold/spectral.js';
import { jacobiEigen } from '../../src/linalg/eigen.js';
import { nativeKernels, nativeStatus } from '../../src/native/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import { sliceRows } from '../../src/util/matrix.js';
import { fashionTestSplit } from '../helpers/fmnist.js';

/** A connected random graph on n vertices: a weighted ring plus `extra` random symmetric edges per vertex. */
function randomGraph(n: number, extra: number, seed: number): SparseGraph {
  const rng = createRandom(seed);
  const adj = Array.from({ length: n }, () => new Map<number, number>());
  const link = (i: number, j: number, w: number): void => { adj[i]!.set(j, w); adj[j]!.set(i, w); };
  for (let i = 0; i < n; i++) {
    link(i, (i + 1) % n, 0.5 + 0.5 * rng.next());
    for (let t = 0; t < extra; t++) {
      const j = rng.int(n);
      if (j !== i) link(i, j, rng.next());
    }
  }
  return csr(adj);
}

/** The complete graph: M has two distinct eigenvalues, so Lanczos meets invariant subspaces. */
function completeGraph(n: number): SparseGraph {
  return csr(Array.from({ length: n }, (_, i) => new Map(Array.from({ length: n }, (_, j) => [j, 1] as [number, number]).filter(([j]) => j !== i))));
}

function csr(adj: Map<number, number>[]): SparseGraph {
  const n = adj.length;
  const indptr = new Int32Array(n + 1);
  const indices: number[] = [];
  const weights: number[] = [];
  adj.forEach((row, i) => {
    for (const [j, w] of [...row].sort((a, b) => a[0] - b[0])) { indices.push(j); weights.push(w); }
    indptr[i + 1] = indices.length;
  });
  return { rows: n, cols: n, indptr, indices: Int32Array.from(indices), weights: Float32Array.from(weights) };
}

/** Both engines' embeddings of g, asserted identical bit for bit (and defined). */
function sameOnBothEngines(g: SparseGraph, dim: number, seed: number, label: string): Float64Array {
  const ts = spectralEmbedding(g, dim, createRandom(seed), { engine: 'js' });
  const nat = spectralEmbedding(g, dim, createRandom(seed), { engine: 'native' });
  assert.ok(ts && nat, `${label}: Lanczos converged`);
  assert.deepEqual(new Uint32Array(nat.buffer), new Uint32Array(ts.buffer), label);
  return nat;
}

test('the compiled Lanczos kernels are built, and give the TypeScript spectral embedding bit for bit', () => {
  assert.ok(nativeStatus().loaded, `scripts/setup.sh builds native/ on this machine: ${nativeStatus().detail}`);
  assert.equal(lanczosKernels('auto').engine, 'native');
  assert.equal(lanczosKernels('js').engine, 'js');
  sameOnBothEngines(randomGraph(3000, 6, 1), 10, 1, 'random graph, 3,000 vertices');
  sameOnBothEngines(randomGraph(200, 2, 2), 3, 2, 'random graph, 200 vertices');
  sameOnBothEngines(completeGraph(40), 2, 3, 'complete graph (restarts from random directions)');
});

test('the engines agree bit for bit on the UMAP graph of 2,000 Fashion-MNIST images', async (t) => {
  const images = await fashionTestSplit();
  if (!images) { t.skip('Fashion-MNIST is not installed'); return; }
  await initBackend();
  const u = new UMAP({ nNeighbors: 15, nEpochs: 1, init: 'random', seed: 0 }).fit(sliceRows(images.images, 0, 2000));
  const g = u.graph;
  assert.equal(connectedComponents(g).count, 1);
  sameOnBothEngines(g, 10, 0, 'Fashion-MNIST graph');
});

test('the spectral embedding is an orthonormal set of the eigenvectors 2..dim+1 of D^-1/2 W D^-1/2', () => {
  const n = 120, dim = 4;
  const g = randomGraph(n, 3, 4);
  const e = sameOnBothEngines(g, dim, 4, 'random graph, 120 vertices');
  const deg = new Float64Array(n);
  for (let i = 0; i < n; i++) for (let p = g.indptr[i]!; p < g.indptr[i + 1]!; p++) deg[i] += g.weights[p]!;
  const M = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let p = g.indptr[i]!; p < g.indptr[i + 1]!; p++) M[i * n + g.indices[p]!] = g.weights[p]! / Math.sqrt(deg[i]! * deg[g.indices[p]!]!);
  }
  const exact = jacobiEigen(M, n).values.sort((a, b) => b - a);
  const column = (c: number): Float64Array => Float64Array.from({ length: n }, (_, i) => e[i * dim + c]!);
  const dot = (a: Float64Array, b: Float64Array): number => a.reduce((s, v, i) => s + v * b[i]!, 0);
  for (let c = 0; c < dim; c++) {
    const v = column(c);
    for (let d = 0; d <= c; d++) assert.ok(Math.abs(dot(v, column(d)) - (c === d ? 1 : 0)) < 1e-10, `columns ${c}, ${d} orthonormal`);
    const Mv = Float64Array.from({ length: n }, (_, i) => M.subarray(i * n, (i + 1) * n).reduce((s, m, j) => s + m * v[j]!, 0));
    const lambda = dot(v, Mv);
    const residual = Math.sqrt(Mv.reduce((s, x, i) => s + (x - lambda * v[i]!) ** 2, 0));
    assert.ok(residual < 1e-4, `column ${c}: ‖Mv − λv‖ = ${residual}`);
    assert.ok(Math.abs(lambda - exact[c + 1]!) < 1e-8, `column ${c}: λ = ${lambda}, eigenvalue ${c + 2} = ${exact[c + 1]}`);
  }
});

test('the compiled Lanczos kernels check their arguments instead of reading outside the arrays', () => {
  const k = nativeKernels()!;
  const n = 4;
  const indptr = Int32Array.of(0, 1, 2, 3, 4), indices = Int32Array.of(1, 0, 3, 2);
  const values = new Float64Array(4).fill(0.5), scale = new Float64Array(n).fill(1);
  const x = Float64Array.of(1, 2, 3, 4), y = new Float64Array(n);
  k.csrScaledMatvec(indptr, indices, values, scale, x, y);
  assert.deepEqual([...y], [1, 0.5, 2, 1.5]);
  assert.throws(() => k.csrScaledMatvec(indptr, indices, values, scale, x, new Float64Array(3)), /csrScaledMatvec: inconsistent array lengths/);
  assert.throws(() => k.csrScaledMatvec(indptr, indices, values.subarray(1), scale, x, y), /inconsistent array lengths/);
  assert.throws(() => k.csrScaledMatvec(Int32Array.of(0, 3, 2, 3, 4), indices, values, scale, x, y), /indptr must rise/);
  assert.throws(() => k.csrScaledMatvec(Int32Array.of(0, 1, 2, 3, 5), indices, values, scale, x, y), /indptr must rise/);
  assert.throws(() => k.csrScaledMatvec(indptr, Int32Array.of(1, 0, 4, 2), values, scale, x, y), /a column index is outside \[0, n\)/);
  assert.throws(() => k.csrScaledMatvec(indptr, Int32Array.of(1, 0, -1, 2), values, scale, x, y), /a column index is outside/);
  assert.throws(() => k.csrScaledMatvec(indptr, indices, values, scale, x, x), /x and y overlap/);
  assert.throws(() => (k.csrScaledMatvec as (...a: unknown[]) => void)(indptr, indices, new Float32Array(4), scale, x, y), (err: Error) => err instanceof TypeError && /values has the wrong type/.test(err.message));
  assert.throws(() => (k.csrScaledMatvec as (...a: unknown[]) => void)(indptr, indices, values, scale, x), /expects 6 arguments/);

  const basis = new Float64Array(3 * n), w = new Float64Array(n), h = new Float64Array(3);
  assert.throws(() => k.reorthogonalize(basis, n, 4, w, h), (err: Error) => err instanceof RangeError && /reorthogonalize: inconsistent array lengths/.test(err.message));
  assert.throws(() => k.reorthogonalize(basis, n, 3, new Float64Array(5), h), /inconsistent array lengths/);
  assert.throws(() => k.reorthogonalize(basis, n, 3, w, new Float64Array(2)), /inconsistent array lengths/);
  assert.throws(() => k.reorthogonalize(basis, 2.5, 3, w, h), /n must be an integer/);
  assert.throws(() => k.reorthogonalize(basis, n, -1, w, h), /count must be an integer/);
  assert.throws(() => k.reorthogonalize(basis, n, 3, basis.subarray(4, 8), h), /overlap/);
  assert.equal(k.reorthogonalize(basis, n, 2, basis.subarray(8, 12), h), 0, 'a vector after the used basis vectors is fine');

  const Y = new Float64Array(9), out = new Float64Array(2 * n);
  assert.throws(() => k.ritzVectors(basis, n, 3, Y, Int32Array.of(0, 3), out), /ritzVectors: a column of Y is outside \[0, m\)/);
  assert.throws(() => k.ritzVectors(basis, n, 3, Y, Int32Array.of(0, 1, 2), out), /inconsistent array lengths/);
  assert.throws(() => k.ritzVectors(basis, n, 3, Y.subarray(1), Int32Array.of(0, 1), out), /inconsistent array lengths/);
  assert.throws(() => k.ritzVectors(basis, n, 4, Y, Int32Array.of(0, 1), out), /inconsistent array lengths/);
  assert.throws(() => k.ritzVectors(basis, n, 3, Y, Int32Array.of(0, 1), basis.subarray(4)), /out overlaps the basis or Y/);
});

test('each Lanczos kernel gives the bits of its TypeScript twin, zero coefficients (±0) included', () => {
  const nat = lanczosKernels('native'), ts = lanczosKernels('js');
  const rng = createRandom(9);
  const n = 1001, m = 7;
  const basis = Float64Array.from({ length: m * n }, () => rng.normal());
  const Y = Float64Array.from({ length: m * m }, () => rng.normal());
  Y[2 * m + 1] = 0;
  Y[3 * m + 4] = -0;
  const cols = Int32Array.of(4, 1, 0, 6);
  const outs = [nat, ts].map((k) => { const out = new Float64Array(cols.length * n); k.ritzVectors(basis, n, m, Y, cols, out); return out; });
  assert.deepEqual(new Uint32Array(outs[0]!.buffer), new Uint32Array(outs[1]!.buffer), 'ritzVectors');
  const w0 = Float64Array.from({ length: n }, () => rng.normal());
  const runs = [nat, ts].map((k) => {
    const w = w0.slice(), h = new Float64Array(m);
    const norm2 = k.reorthogonalize(basis, n, m, w, h);
    return { w: [...w], h: [...h], norm2 };
  });
  assert.deepEqual(runs[0], runs[1], 'reorthogonalize');
  const g = randomGraph(n, 5, 10);
  const values = Float64Array.from(g.weights, (v) => v * 0.3), scale = Float64Array.from({ length: n }, () => rng.next());
  const ys = [nat, ts].map((k) => { const y = new Float64Array(n); k.csrScaledMatvec(g.indptr, g.indices, values, scale, w0, y); return y; });
  assert.deepEqual(new Uint32Array(ys[0]!.buffer), new Uint32Array(ys[1]!.buffer), 'csrScaledMatvec');
});
