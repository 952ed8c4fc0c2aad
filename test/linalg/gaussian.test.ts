/**
 * The Gaussian products of the compute floor against direct float64 formulas (no centring), on
 * data far from the origin, on the js engine and the tfjs engine on every TF.js backend that loads.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  centreData, mahalanobisDiagonal, mahalanobisTriangular, weightedScatter, weightedSquaredDeviations, weightedSums,
  type GaussianEngine,
} from '../../src/linalg/gaussian.js';
import { loadAllBackends } from '../../src/tf/backend.js';
import { createRandom } from '../../src/util/random.js';
import type { Matrix } from '../../src/util/matrix.js';

const n = 9000, d = 5, k = 3; // two 8192-row chunks on tfjs
const OFFSET = 1e4;

function data(): { x: Matrix; resp: Float64Array; centres: Float64Array; factors: Float64Array; precisions: Float64Array } {
  const rng = createRandom(4);
  const x = new Float32Array(n * d);
  for (let i = 0; i < n * d; i++) x[i] = OFFSET * (1 + (i % d)) + 20 * ((i / d) % k) + 3 * rng.normal();
  const resp = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let c = 0; c < k; c++) { const v = rng.next() + (c === i % k ? 2 : 0); resp[i * k + c] = v; s += v; }
    for (let c = 0; c < k; c++) resp[i * k + c] /= s;
  }
  const centres = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) centres[c * d + j] = OFFSET * (1 + j) + 20 * c + rng.normal();
  const factors = new Float64Array(k * d * d);
  for (let c = 0; c < k; c++) {
    for (let a = 0; a < d; a++) for (let b = a; b < d; b++) factors[c * d * d + a * d + b] = a === b ? 0.2 + 0.1 * rng.next() : 0.05 * rng.normal();
  }
  const precisions = new Float64Array(k * d);
  for (let i = 0; i < k * d; i++) precisions[i] = 0.05 + 0.1 * rng.next();
  return { x: { data: x, rows: n, cols: d }, resp, centres, factors, precisions };
}

/** |a − b| ≤ rel·max|b| element-wise. */
function close(a: ArrayLike<number>, b: ArrayLike<number>, rel: number, what: string): void {
  assert.equal(a.length, b.length, what);
  let scale = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]!));
  for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= rel * scale, `${what}[${i}]: ${a[i]} vs ${b[i]}`);
}

test('Gaussian products equal the direct float64 formulas on data around 1e4, on every engine', async () => {
  const { x, resp, centres, factors, precisions } = data();
  const X = x.data;
  // Direct references.
  const weights = new Float64Array(k), means = new Float64Array(k * d);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) { weights[c] += resp[i * k + c]!; for (let j = 0; j < d; j++) means[c * d + j] += resp[i * k + c]! * X[i * d + j]!; }
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) means[c * d + j] /= weights[c]!;
  const scatter = new Float64Array(k * d * d), dev = new Float64Array(k * d), triangular = new Float64Array(n * k), diagonal = new Float64Array(n * k);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < k; c++) {
      const r = resp[i * k + c]!;
      const diff = Array.from({ length: d }, (_, j) => X[i * d + j]! - centres[c * d + j]!);
      for (let a = 0; a < d; a++) { dev[c * d + a] += r * diff[a]! ** 2; for (let b = 0; b < d; b++) scatter[c * d * d + a * d + b] += r * diff[a]! * diff[b]!; }
      let t = 0, g = 0;
      for (let j = 0; j < d; j++) {
        let y = 0;
        for (let a = 0; a <= j; a++) y += diff[a]! * factors[c * d * d + a * d + j]!;
        t += y * y;
        g += precisions[c * d + j]! * diff[j]! ** 2;
      }
      triangular[i * k + c] = t;
      diagonal[i * k + c] = g;
    }
  }
  const { tf, backends } = await loadAllBackends();
  const previous = tf.getBackend();
  const runs: { name: string; engine: GaussianEngine; backend?: string }[] = [{ name: 'js', engine: 'js' }, ...backends.map((b) => ({ name: `tfjs on ${b}`, engine: 'tfjs' as const, backend: b }))];
  const before = tf.memory().numTensors;
  for (const run of runs) {
    if (run.backend) await tf.setBackend(run.backend);
    try {
      {
        const g = centreData(x, run.engine);
        try {
          const rel = run.engine === 'js' ? 1e-12 : 1e-5;
          const s = weightedSums(g, resp, k);
          close(s.weights, weights, 1e-12, `${run.name} weights`);
          const m = Float64Array.from(s.sums, (v, i) => v / s.weights[Math.floor(i / d)]! + g.mean[i % d]!);
          close(m, means, 1e-12 + rel * 1e-4, `${run.name} means`);
          close(weightedScatter(g, resp, k, centres), scatter, rel, `${run.name} scatter`);
          close(weightedSquaredDeviations(g, resp, k, centres), dev, rel, `${run.name} squared deviations`);
          close(mahalanobisTriangular(g, centres, factors, false), triangular, rel, `${run.name} triangular`);
          close(mahalanobisDiagonal(g, centres, precisions), diagonal, rel, `${run.name} diagonal`);
          // A shared factor is the first component's for every centre.
          const shared = mahalanobisTriangular(g, centres, factors.slice(0, d * d), true);
          const firstOnly = mahalanobisTriangular(g, centres, Float64Array.from({ length: k * d * d }, (_, i) => factors[i % (d * d)]!), false);
          close(shared, firstOnly, rel, `${run.name} shared factor`);
        } finally {
          g.dispose();
        }
      }
    } finally {
      if (run.backend) await tf.setBackend(previous);
    }
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});

test('Gaussian products refuse mismatched sizes and use after dispose', async () => {
  const { x, resp, centres } = data();
  const g = centreData(x, 'js');
  assert.throws(() => weightedSums(g, resp.subarray(1), k), /resp must have n × k = 9000 × 3 = 27000 values, got 26999/);
  assert.throws(() => weightedScatter(g, resp, k, centres.subarray(1)), /centres must have k × d = 3 × 5 = 15 values, got 14/);
  assert.throws(() => mahalanobisTriangular(g, centres, new Float64Array(3), false), /factors must have k × d × d = 75 values, got 3/);
  const { tf } = await loadAllBackends();
  assert.ok(tf);
  const t = centreData(x, 'tfjs');
  t.dispose();
  assert.throws(() => weightedSums(t, resp, k), /centred data was disposed/);
});
