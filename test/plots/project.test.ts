import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pca2d, projectGaussians } from '../../src/plots/index.js';
import { jacobiEigen, topEigen } from '../../src/linalg/index.js';
import type { Matrix } from '../../src/util/matrix.js';

interface PcaCase {
  name: string; rows: number; cols: number; X: number[]; mean: number[]; components: number[];
  explainedVariance: number[]; explainedVarianceRatio: number[]; projected: number[];
}
const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'pca.json'), 'utf8')) as { cases: PcaCase[] };

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < expected.length; i++) {
    assert.ok(Math.abs(actual[i]! - expected[i]!) <= tol * Math.max(1, Math.abs(expected[i]!)), `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

for (const c of fixture.cases) {
  test(`pca2d matches scikit-learn PCA up to sign: ${c.name}`, () => {
    const X: Matrix = { data: Float32Array.from(c.X), rows: c.rows, cols: c.cols };
    const p = pca2d(X);
    close(p.mean, c.mean, 1e-6, 'mean');
    close(p.explainedVariance, c.explainedVariance, 1e-6, 'explainedVariance');
    close(p.explainedVarianceRatio, c.explainedVarianceRatio, 1e-6, 'explainedVarianceRatio');
    const d = c.cols;
    for (let k = 0; k < 2; k++) {
      const ours = p.components.data.subarray(k * d, (k + 1) * d);
      const ref = c.components.slice(k * d, (k + 1) * d);
      let dot = 0;
      for (let j = 0; j < d; j++) dot += ours[j]! * ref[j]!;
      const s = Math.sign(dot);
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-5, `component ${k}: |cos| = ${Math.abs(dot)}`);
      close(Array.from(ours, (v) => s * v), ref, 1e-5, `component ${k}`);
      close(Array.from({ length: c.rows }, (_, i) => s * p.projected.data[2 * i + k]!), Array.from({ length: c.rows }, (_, i) => c.projected[2 * i + k]!), 1e-4, `projected[:, ${k}]`);
      // Our sign convention: the largest-magnitude entry is positive.
      let arg = 0;
      for (let j = 1; j < d; j++) if (Math.abs(ours[j]!) > Math.abs(ours[arg]!)) arg = j;
      assert.ok(ours[arg]! > 0);
    }
    assert.equal(p.projected.rows, c.rows);
    assert.equal(p.projected.cols, 2);
  });
}

test('pca2d is deterministic and transform() projects new rows like the fitted ones', () => {
  const c = fixture.cases[0]!;
  const X: Matrix = { data: Float32Array.from(c.X), rows: c.rows, cols: c.cols };
  const a = pca2d(X), b = pca2d(X);
  assert.deepEqual(a.components.data, b.components.data);
  const firstRows: Matrix = { data: X.data.subarray(0, 3 * c.cols), rows: 3, cols: c.cols };
  assert.deepEqual(a.transform(firstRows).data, a.projected.data.subarray(0, 6));
  assert.throws(() => a.transform({ data: new Float32Array(3), rows: 1, cols: 3 }), /expected 8 columns \(as fitted\) but got 3/);
});

test('pca2d edge cases: rank-1 data, constant data, bad input', () => {
  // Points on the line y = 2x in 3-D (z = 0): the first component is (1, 2, 0)/√5, variance in the second is 0.
  const n = 5, X = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) { X[3 * i] = i; X[3 * i + 1] = 2 * i; }
  const p = pca2d({ data: X, rows: n, cols: 3 });
  close(p.components.data.subarray(0, 3), [1 / Math.sqrt(5), 2 / Math.sqrt(5), 0], 1e-6, 'pc1');
  assert.ok(Math.abs(p.explainedVariance[1]!) < 1e-9);
  const norm2 = p.components.data.subarray(3, 6).reduce((s, v) => s + v * v, 0);
  assert.ok(Math.abs(norm2 - 1) < 1e-6, 'second component is still a unit vector');
  // Constant data: zero variance, finite output.
  const q = pca2d({ data: new Float32Array(12).fill(3), rows: 4, cols: 3 });
  assert.deepEqual(Array.from(q.explainedVariance), [0, 0]);
  assert.ok(Array.from(q.projected.data).every((v) => v === 0));
  assert.ok(Array.from(q.explainedVarianceRatio).every((v) => v === 0));
  assert.throws(() => pca2d({ data: new Float32Array(3), rows: 1, cols: 3 }), /at least 2 rows .* but got 1/);
  assert.throws(() => pca2d({ data: new Float32Array(3), rows: 3, cols: 1 }), /at least 2 columns .* but got 1/);
  assert.throws(() => pca2d({ data: new Float32Array([1, NaN, 2, 3]), rows: 2, cols: 2 }), /non-finite values in column 1/);
});

test('jacobiEigen and topEigen recover a known spectrum', () => {
  // A = Q diag(5, 3, 1) Qᵀ with a rotation in the (0, 1) plane.
  const c = Math.cos(0.3), s = Math.sin(0.3);
  const Q = [[c, -s, 0], [s, c, 0], [0, 0, 1]];
  const L = [5, 3, 1];
  const A = new Float64Array(9);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) A[i * 3 + j] += Q[i]![k]! * L[k]! * Q[j]![k]!;
  const { values } = jacobiEigen(A, 3);
  close(Array.from(values).sort((a, b) => b - a), [5, 3, 1], 1e-12, 'jacobi values');
  const top = topEigen(A, 3, 2);
  close(top.values, [5, 3], 1e-10, 'topEigen values');
  const v0 = top.vectors[0]!;
  assert.ok(Math.abs(Math.abs(v0[0]! * c + v0[1]! * s) - 1) < 1e-8);
});

test('projectGaussians maps means and covariances into the PCA plane', () => {
  const c = fixture.cases[0]!, d = c.cols;
  const p = pca2d({ data: Float32Array.from(c.X), rows: c.rows, cols: d });
  // Component 0: mean = data mean + 2·pc1 + 1·pc2, covariance = I (projects to I₂).
  const mean = new Float32Array(2 * d), cov = new Float64Array(2 * d * d);
  for (let j = 0; j < d; j++) {
    mean[j] = p.mean[j]! + 2 * p.components.data[j]! + p.components.data[d + j]!;
    mean[d + j] = p.mean[j]!;
    cov[j * d + j] = 1;
    cov[d * d + j * d + j] = 2;
  }
  const proj = projectGaussians(p, { data: mean, rows: 2, cols: d }, cov);
  close(proj.means.data, [2, 1, 0, 0], 1e-5, 'means');
  close(proj.covariances, [1, 0, 0, 1, 2, 0, 0, 2], 1e-6, 'covariances');
  // Diagonal form gives the same as the full diagonal matrix.
  const diag = new Float64Array(2 * d);
  for (let j = 0; j < d; j++) { diag[j] = 1; diag[d + j] = 2; }
  close(projectGaussians(p, { data: mean, rows: 2, cols: d }, diag).covariances, proj.covariances, 1e-9, 'diag');
  assert.throws(() => projectGaussians(p, { data: mean, rows: 2, cols: d }, new Float64Array(5)), /covariances has 5 values; expected 128 .* or 16/);
});
