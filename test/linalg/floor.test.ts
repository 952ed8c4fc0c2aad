/**
 * The compute floor's primitives against float64 brute force on random data (never zeros), at the
 * origin and far from it: squared distances and nearest centres (js and tfjs), exact neighbours,
 * the lane products of NN-descent, the covariance and the centred Gram matrix, and the engine
 * vocabulary of the Lanczos loops.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import {
  bisector, centredGram, centring, covariance, distanceKernel, exactNeighbours, lanczosKernels, laneDot, laneSquaredDistance,
  nearestCentres, squaredDistances,
} from '../../src/linalg/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import type { Matrix } from '../../src/util/matrix.js';

before(async () => { await initBackend(); });

function randomMatrix(n: number, d: number, offset: number, seed: number): Matrix {
  const rng = createRandom(seed);
  // Integers, so that the offset copy is exact in float32 (|values| < 2²⁴).
  return { data: Float32Array.from({ length: n * d }, () => offset + Math.round(50 * rng.normal())), rows: n, cols: d };
}

function bruteDistances(x: Matrix, centres: Float64Array, m: number): Float64Array {
  const { rows: n, cols: d } = x;
  const out = new Float64Array(m * n);
  for (let c = 0; c < m; c++) for (let i = 0; i < n; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) { const v = x.data[i * d + j]! - centres[c * d + j]!; s += v * v; }
    out[c * n + i] = s;
  }
  return out;
}

test('centring: float64 mean, centred norms, radius; ordinary data keeps scale 1, extreme data gets a power of two', () => {
  const x: Matrix = { data: Float32Array.of(1e6, 5, 1e6 + 2, 7), rows: 2, cols: 2 };
  const c = centring(x);
  assert.deepEqual(Array.from(c.mean), [1e6 + 1, 6]);
  assert.deepEqual(Array.from(c.rowNorms), [2, 2]);
  assert.equal(c.radius, Math.SQRT2);
  assert.equal(c.scale, 1);
  const big = centring({ data: Float32Array.of(-3e20, 3e20), rows: 2, cols: 1 });
  assert.ok(big.scale < 1 && Math.log2(big.scale) === Math.round(Math.log2(big.scale)));
});

test('squared distances and nearest centres equal float64 brute force at offsets 0 … 1e7, on js and tfjs', () => {
  for (const offset of [0, 1e3, 1e5, 1e7]) {
    const x = randomMatrix(300, 16, offset, 1);
    const m = 5;
    const centres = Float64Array.from(x.data.subarray(0, m * 16), (v, i) => v + (i % 3) - 1);
    const exact = bruteDistances(x, centres, m);
    const spread = 50 * 50 * 16 * 2; // typical squared distance
    for (const engine of ['js', 'tfjs'] as const) {
      const kernel = distanceKernel(x, { engine, pointsPerPass: m });
      try {
        assert.equal(kernel.engine, engine);
        const got = squaredDistances(kernel, centres, m);
        // float32 products of centred data: errors relative to the spread, not to the offset.
        const tol = engine === 'js' ? 1e-9 * spread : 1e-5 * spread;
        for (let i = 0; i < got.length; i++) assert.ok(Math.abs(got[i]! - exact[i]!) <= tol, `${engine}, offset ${offset}: ${got[i]} vs ${exact[i]}`);
        const labels = new Int32Array(x.rows).fill(-1);
        const dist = new Float64Array(x.rows);
        nearestCentres(kernel, centres, m, labels, dist);
        for (let i = 0; i < x.rows; i++) {
          let best = 0;
          for (let c = 1; c < m; c++) if (exact[c * x.rows + i]! < exact[best * x.rows + i]!) best = c;
          assert.ok(exact[labels[i]! * x.rows + i]! - exact[best * x.rows + i]! <= tol, `${engine}, offset ${offset}: row ${i}`);
        }
      } finally {
        kernel.dispose();
      }
    }
  }
});

test('exact neighbours equal brute force far from the origin, on js and tfjs', () => {
  const x = randomMatrix(200, 8, 1e6, 2);
  const k = 6;
  const truth = exactNeighbours(x, x, k, { engine: 'js' });
  for (const engine of ['js', 'tfjs'] as const) {
    const g = exactNeighbours(x, x, k, { engine });
    assert.equal(g.engine, engine);
    let hits = 0;
    for (let i = 0; i < x.rows; i++) {
      const set = new Set(truth.indices.subarray(i * k, (i + 1) * k));
      for (let j = 0; j < k; j++) if (set.has(g.indices[i * k + j]!)) hits++;
      assert.equal(g.indices[i * k], i, 'a row is its own first neighbour');
    }
    assert.ok(hits / (x.rows * k) >= 0.99, `${engine}: recall ${hits / (x.rows * k)}`);
  }
  // Brute force for one row.
  const d = 8;
  const dist = Array.from({ length: x.rows }, (_, j) => {
    let s = 0;
    for (let f = 0; f < d; f++) { const v = x.data[5 * d + f]! - x.data[j * d + f]!; s += v * v; }
    return [s, j] as const;
  }).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  assert.deepEqual(Array.from(truth.indices.subarray(5 * k, 6 * k)), dist.slice(0, k).map((p) => p[1]));
});

test('covariance of data around 3e6 equals the float64 two-pass covariance, on js and tfjs', () => {
  const rng = createRandom(4);
  const n = 400, d = 5;
  const x: Matrix = { data: Float32Array.from({ length: n * d }, (_, i) => 3e6 + (i % d) * 1e5 + Math.round(8 * rng.normal() * (1 + (i % d)))), rows: n, cols: d };
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j] += x.data[i * d + j]! / n;
  const ref = new Float64Array(d * d);
  for (let i = 0; i < n; i++) for (let a = 0; a < d; a++) for (let b = 0; b < d; b++) {
    ref[a * d + b] += ((x.data[i * d + a]! - mean[a]!) * (x.data[i * d + b]! - mean[b]!)) / (n - 1);
  }
  for (const engine of ['js', 'tfjs'] as const) {
    const c = covariance(x, { engine });
    assert.equal(c.engine, engine);
    for (let i = 0; i < d * d; i++) {
      const scaleOf = Math.sqrt(ref[Math.floor(i / d) * (d + 1)]! * ref[(i % d) * (d + 1)]!);
      assert.ok(Math.abs(c.matrix[i]! - ref[i]!) <= (engine === 'js' ? 1e-9 : 1e-5) * scaleOf, `${engine} [${i}]: ${c.matrix[i]} vs ${ref[i]}`);
    }
  }
  assert.throws(() => covariance({ data: Float32Array.of(1, 2), rows: 1, cols: 2 }), /covariance: X needs at least 2 rows, got 1/);
});

test("Lanczos loops take the floor's engine vocabulary: 'js' is the TypeScript twin; 'tfjs' is a clear error", () => {
  assert.equal(lanczosKernels('js').engine, 'js');
  assert.throws(() => lanczosKernels('tfjs'), /Lanczos has no 'tfjs' engine; use engine 'auto' or one of: js, native/);
});

test('lane products: squared distance and dot equal float64 sums in dimensions with whole, partial and no lane blocks; translation changes no bit', () => {
  const rng = createRandom(8);
  for (const d of [5, 8, 13, 32, 130]) {
    // Two random non-integer rows (and a float64 normal) in one buffer, at row offsets 0 and d.
    const data = Float32Array.from({ length: 2 * d }, () => 3 + 10 * rng.normal());
    const normal = Float64Array.from({ length: d }, () => rng.normal());
    let dist = 0, dot = 0, dotScale = 0;
    for (let j = 0; j < d; j++) {
      const v = data[j]! - data[d + j]!;
      dist += v * v;
      dot += normal[j]! * data[d + j]!;
      dotScale += Math.abs(normal[j]! * data[d + j]!);
    }
    const lane = laneSquaredDistance(data, 0, d, d);
    assert.ok(Math.abs(lane - dist) <= 1e-12 * dist, `d ${d}: distance ${lane} vs ${dist}`);
    assert.equal(laneSquaredDistance(data, d, 0, d), lane, `d ${d}: symmetric`);
    assert.equal(laneSquaredDistance(data, d, d, d), 0, `d ${d}: a row is at 0 from itself`);
    const ld = laneDot(normal, data, d, d);
    assert.ok(Math.abs(ld - dot) <= 1e-13 * dotScale, `d ${d}: dot ${ld} vs ${dot}`);
    // Integer rows stay exact in float32 when moved by up to 1e7: from the differences, the
    // distance keeps every bit (‖a‖² − 2a·b + ‖b‖² would not: at 1e7, d = 130 it passes 2⁵³).
    const ints = Float32Array.from({ length: 2 * d }, () => Math.round(50 * rng.normal()));
    const base = laneSquaredDistance(ints, 0, d, d);
    for (const t of [1e2, 1e4, 1e7]) assert.equal(laneSquaredDistance(ints.map((v) => v + t), 0, d, d), base, `d ${d}: translated by ${t}`);
    // The bisector of the two rows: normal a − b, a on the positive side, b on the negative, the midpoint on it.
    const nrm = new Float64Array(d);
    const offset = bisector(data, 0, d, d, nrm);
    for (let j = 0; j < d; j++) assert.equal(nrm[j], data[j]! - data[d + j]!);
    const sideA = offset + laneDot(nrm, data, 0, d), sideB = offset + laneDot(nrm, data, d, d);
    assert.ok(sideA > 0 && sideB < 0, `d ${d}: sides ${sideA}, ${sideB}`);
    assert.ok(Math.abs(sideA - dist / 2) <= 1e-9 * dist && Math.abs(sideB + dist / 2) <= 1e-9 * dist, `d ${d}: each row at ±‖a − b‖²/2`);
  }
});

test('centred Gram matrix of rows around 1e8 equals the Gram of the same rows at the origin', () => {
  const rng = createRandom(9);
  const m = 7, d = 20;
  const near = Float64Array.from({ length: m * d }, () => rng.normal());
  const far = near.map((v) => v + 1e8);
  const mean = new Float64Array(d);
  for (let p = 0; p < m; p++) for (let j = 0; j < d; j++) mean[j] += near[p * d + j]! / m;
  const G = centredGram(far, m, d);
  for (let p = 0; p < m; p++) for (let q = 0; q < m; q++) {
    let ref = 0;
    for (let j = 0; j < d; j++) ref += (near[p * d + j]! - mean[j]!) * (near[q * d + j]! - mean[j]!);
    // Moving to 1e8 rounds each float64 value by up to 1e8 · 2⁻⁵³ ≈ 1e-8 (relative to unit spread).
    assert.ok(Math.abs(G[p * m + q]! - ref) <= 1e-6, `[${p}, ${q}]: ${G[p * m + q]} vs ${ref}`);
    assert.equal(G[p * m + q], G[q * m + p]);
  }
  assert.deepEqual(Array.from(centredGram(Float64Array.of(1e8, 1e8 + 2), 2, 1)), [1, -1, -1, 1]);
});
