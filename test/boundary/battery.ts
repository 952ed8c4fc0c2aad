/**
 * The shared battery of bad inputs of the boundary suite (in the spirit of scikit-learn's
 * `check_estimator`): every entry point that takes a data matrix gets the same cases, each with
 * the error class it must throw and a fragment of the message.
 */
import assert from 'node:assert/strict';
import type { Matrix } from '../../src/util/matrix.js';

export type ErrorClass = new (...args: never[]) => Error;

export interface BadCase {
  /** What is wrong, for the assertion message. */
  readonly what: string;
  readonly value: unknown;
  readonly error: ErrorClass;
  readonly message: RegExp;
}

/** A valid n × d Matrix of values in [0, 1) (pseudo-random, fixed). */
export function goodMatrix(n: number, d: number, seed = 1): Matrix {
  const data = new Float32Array(n * d);
  let s = seed;
  for (let i = 0; i < data.length; i++) { s = (s * 1103515245 + 12345) >>> 0; data[i] = (s >>> 8) / 2 ** 24; }
  return { data, rows: n, cols: d };
}

function withValue(m: Matrix, i: number, v: number): Matrix {
  const data = m.data.slice();
  data[i] = v;
  return { data, rows: m.rows, cols: m.cols };
}

/**
 * Bad data matrices for an entry point expecting `d` columns (the name of the argument is `name`).
 * `arrays`: whether number[][] is accepted (estimators taking `Matrix | number[][]`).
 */
export function badMatrices(name: string, d: number, options: { arrays: boolean; n?: number } = { arrays: true }): BadCase[] {
  const n = options.n ?? 12;
  const good = goodMatrix(n, d);
  const cases: BadCase[] = [
    { what: 'a string', value: 'not a matrix', error: TypeError, message: new RegExp(`${name} must be a Matrix`) },
    { what: 'null', value: null, error: TypeError, message: new RegExp(`${name} must be a Matrix`) },
    { what: 'a number', value: 3, error: TypeError, message: new RegExp(`${name} must be a Matrix`) },
    { what: 'Float64Array data', value: { data: Float64Array.from(good.data), rows: n, cols: d }, error: TypeError, message: new RegExp(`${name}\\.data must be a Float32Array, got a Float64Array; convert it with Float32Array\\.from`) },
    { what: 'number[] data', value: { data: Array.from(good.data), rows: n, cols: d }, error: TypeError, message: new RegExp(`${name}\\.data must be a Float32Array, got an array`) },
    { what: 'rows as a string', value: { data: good.data, rows: String(n), cols: d }, error: TypeError, message: new RegExp(`${name}\\.rows must be a number, got string '${n}'`) },
    { what: 'fractional cols', value: { data: good.data, rows: n, cols: d + 0.5 }, error: RangeError, message: new RegExp(`${name}\\.cols must be a non-negative integer`) },
    { what: 'data shorter than rows × cols', value: { data: good.data.subarray(0, n * d - 3), rows: n, cols: d }, error: RangeError, message: new RegExp(`${name}\\.data has ${n * d - 3} values but rows × cols = ${n} × ${d} = ${n * d}`) },
    { what: 'data longer than rows × cols', value: { data: good.data, rows: n - 1, cols: d }, error: RangeError, message: new RegExp(`${name}\\.data has ${n * d} values but rows × cols`) },
    { what: 'NaN', value: withValue(good, d + 1, NaN), error: RangeError, message: /NaN at row 1, column 1/ },
    { what: 'Infinity', value: withValue(good, 2 * d, -Infinity), error: RangeError, message: /-Infinity at row 2, column 0/ },
    { what: 'empty', value: { data: new Float32Array(0), rows: 0, cols: d }, error: RangeError, message: /at least \d+ rows?|0 rows|got 0/ },
  ];
  if (options.arrays) {
    const rows = Array.from({ length: n }, (_, i) => Array.from(good.data.subarray(i * d, (i + 1) * d)));
    cases.push(
      { what: 'number[][] holding a string', value: rows.map((r, i) => (i === 0 ? [r[0], '0.5', ...r.slice(2)] : r)), error: TypeError, message: new RegExp(`${name}\\[0\\]\\[1\\] must be a number, got string '0\\.5'`) },
      { what: 'ragged number[][]', value: rows.map((r, i) => (i === 1 ? r.slice(1) : r)), error: RangeError, message: /row 1 has \d+ values but row 0 has/ },
      { what: 'number[][] beyond float32', value: rows.map((r, i) => (i === 2 ? [1e39, ...r.slice(1)] : r)), error: RangeError, message: /= 1e\+39 is beyond the float32 range/ },
      { what: 'an empty array', value: [], error: RangeError, message: new RegExp(`${name} must have at least 1 row, got 0 \\(empty\\)`) },
      { what: 'an array of non-arrays', value: [1, 2, 3], error: TypeError, message: new RegExp(`${name}\\[0\\] must be an array of numbers`) },
    );
  }
  return cases;
}

/** Runs `call` on every case and checks the error class and message. */
export function expectAll(entry: string, cases: readonly BadCase[], call: (value: unknown) => unknown): void {
  for (const c of cases) {
    assert.throws(() => call(c.value), (e: unknown) => {
      assert.ok(e instanceof c.error, `${entry} with ${c.what}: expected ${c.error.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, c.message, `${entry} with ${c.what}`);
      return true;
    }, `${entry} with ${c.what} did not throw`);
  }
}

/** {@link expectAll} for async entry points. */
export async function expectAllAsync(entry: string, cases: readonly BadCase[], call: (value: unknown) => Promise<unknown>): Promise<void> {
  for (const c of cases) {
    await assert.rejects(async () => call(c.value), (e: unknown) => {
      assert.ok(e instanceof c.error, `${entry} with ${c.what}: expected ${c.error.name}, got ${(e as Error)?.name}: ${(e as Error)?.message}`);
      assert.match((e as Error).message, c.message, `${entry} with ${c.what}`);
      return true;
    }, `${entry} with ${c.what} did not reject`);
  }
}

/** Bad option values: [option, value, error class, message fragment]. */
export function badOptions(name: string, opts: { min: number; integer: boolean }): BadCase[] {
  return [
    { what: `${name} as a string`, value: '3', error: TypeError, message: new RegExp(`${name} must be a number, got string '3'`) },
    { what: `${name} NaN`, value: NaN, error: RangeError, message: new RegExp(`${name} must be`) },
    { what: `${name} below ${opts.min}`, value: opts.min - 1, error: RangeError, message: new RegExp(`${name} must be`) },
    ...(opts.integer ? [{ what: `${name} fractional`, value: opts.min + 0.5, error: RangeError, message: new RegExp(`${name} must be an integer`) }] : []),
  ];
}
