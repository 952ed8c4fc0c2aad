import { test } from 'node:test';
import assert from 'node:assert/strict';
import { linearSumAssignment } from '../../src/metrics/index.js';
import { createRandom, type Random } from '../../src/util/random.js';
import { assertClose } from './helpers.js';

/** Best total over every injective map of the smaller side into the larger side. */
function bruteForce(cost: Float64Array, rows: number, cols: number, maximize: boolean): number {
  const transpose = rows > cols;
  const n = transpose ? cols : rows;
  const m = transpose ? rows : cols;
  const at = (i: number, j: number): number => (transpose ? cost[j * cols + i]! : cost[i * cols + j]!);
  let best = maximize ? -Infinity : Infinity;
  const used = new Uint8Array(m);
  const go = (i: number, acc: number): void => {
    if (i === n) {
      best = maximize ? Math.max(best, acc) : Math.min(best, acc);
      return;
    }
    for (let j = 0; j < m; j++) {
      if (used[j]) continue;
      used[j] = 1;
      go(i + 1, acc + at(i, j));
      used[j] = 0;
    }
  };
  go(0, 0);
  return best;
}

function randomMatrix(rng: Random, rows: number, cols: number, kind: number): Float64Array {
  const a = new Float64Array(rows * cols);
  for (let k = 0; k < a.length; k++) {
    // kind 0: continuous values with an offset; 1: small integers (many ties); 2: counts-like, mostly zero.
    a[k] = kind === 0 ? 5 + 10 * rng.normal() : kind === 1 ? rng.int(4) : rng.next() < 0.7 ? 0 : rng.int(50);
  }
  return a;
}

function checkValid(rowInd: Int32Array, colInd: Int32Array, rows: number, cols: number): void {
  assert.equal(rowInd.length, Math.min(rows, cols));
  assert.equal(colInd.length, rowInd.length);
  for (let k = 1; k < rowInd.length; k++) assert.ok(rowInd[k]! > rowInd[k - 1]!, 'rowInd increasing');
  assert.equal(new Set(colInd).size, colInd.length, 'columns distinct');
  for (const r of rowInd) assert.ok(r >= 0 && r < rows);
  for (const c of colInd) assert.ok(c >= 0 && c < cols);
}

test('linearSumAssignment equals brute force on random square and rectangular matrices', () => {
  const rng = createRandom(5);
  let checked = 0;
  for (let trial = 0; trial < 300; trial++) {
    const rows = 1 + rng.int(6);
    const cols = 1 + rng.int(6);
    const a = randomMatrix(rng, rows, cols, trial % 3);
    for (const maximize of [false, true]) {
      const res = linearSumAssignment(a, rows, cols, { maximize });
      checkValid(res.rowInd, res.colInd, rows, cols);
      let sum = 0;
      for (let k = 0; k < res.rowInd.length; k++) sum += a[res.rowInd[k]! * cols + res.colInd[k]!]!;
      assertClose(res.total, sum, 1e-9, 'total is the sum of the assigned cells');
      assertClose(sum, bruteForce(a, rows, cols, maximize), 1e-9, `optimum ${rows}x${cols} maximize=${maximize}`);
      checked++;
    }
  }
  assert.equal(checked, 600);
});

test('linearSumAssignment on 7x7 and 8x5 / 5x8 matrices equals brute force', () => {
  const rng = createRandom(11);
  for (const [rows, cols] of [[7, 7], [8, 5], [5, 8], [1, 8], [8, 1]] as const) {
    for (let t = 0; t < 4; t++) {
      const a = randomMatrix(rng, rows, cols, t % 3);
      for (const maximize of [false, true]) {
        const res = linearSumAssignment(a, rows, cols, { maximize });
        checkValid(res.rowInd, res.colInd, rows, cols);
        assertClose(res.total, bruteForce(a, rows, cols, maximize), 1e-9, `${rows}x${cols}`);
      }
    }
  }
});

test('linearSumAssignment: number[][] form and scipy docs example', () => {
  // scipy.optimize.linear_sum_assignment docstring example.
  const cost = [[4, 1, 3], [2, 0, 5], [3, 2, 2]];
  const res = linearSumAssignment(cost);
  assert.deepEqual(Array.from(res.rowInd), [0, 1, 2]);
  assert.deepEqual(Array.from(res.colInd), [1, 0, 2]);
  assert.equal(res.total, 5);
  const max = linearSumAssignment(cost, { maximize: true });
  assert.equal(max.total, 11);
  // Flat form gives the same.
  assert.deepEqual(linearSumAssignment(Float64Array.from(cost.flat()), 3, 3), res);
  // Empty matrices give empty assignments, as scipy.
  assert.equal(linearSumAssignment([]).rowInd.length, 0);
  assert.equal(linearSumAssignment(new Float64Array(0), 0, 4).colInd.length, 0);
});

test('linearSumAssignment rejects malformed input', () => {
  assert.throws(() => linearSumAssignment(new Float64Array(5), 2, 3), /cost has 5 values but rows × cols = 2 × 3 = 6/);
  assert.throws(() => linearSumAssignment([[1, 2], [3]]), /rectangular/);
  assert.throws(() => linearSumAssignment([[1, NaN], [3, 4]]), /cost\[0\]\[1\] = NaN is not a finite number/);
  assert.throws(() => linearSumAssignment([[1, 2], [Infinity, 4]]), /cost\[1\]\[0\] = Infinity/);
  assert.throws(() => linearSumAssignment(new Float64Array(4), -2, -2), /rows must be an integer >= 0/);
  // @ts-expect-error a flat array needs its shape
  assert.throws(() => linearSumAssignment(new Float64Array(4)), /needs its shape/);
});

test('linearSumAssignment handles a 300x300 matrix (maximize) with a valid, at-least-greedy result', () => {
  const rng = createRandom(3);
  const n = 300;
  const a = randomMatrix(rng, n, n, 0);
  const res = linearSumAssignment(a, n, n, { maximize: true });
  checkValid(res.rowInd, res.colInd, n, n);
  // Identity permutation is a feasible assignment: the optimum is at least its total.
  let diag = 0;
  for (let i = 0; i < n; i++) diag += a[i * n + i]!;
  assert.ok(res.total >= diag);
  // Planting a dominant permutation makes it the unique optimum.
  const perm = Array.from({ length: n }, (_, i) => (i * 7 + 3) % n);
  const planted = a.slice();
  perm.forEach((j, i) => (planted[i * n + j] = 1000));
  const p = linearSumAssignment(planted, n, n, { maximize: true });
  assert.deepEqual(Array.from(p.colInd), perm);
});
