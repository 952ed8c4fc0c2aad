import type { Matrix } from './matrix.js';

/**
 * Boundary checks shared by every estimator. Messages name the parameter, the expected and the
 * actual value, and where it helps, the remedy.
 */

/**
 * A short description of any value for error messages: `string '3'`, `a Float64Array`, `null`,
 * `an array of length 2`, `NaN`.
 * @example describeValue('3') // "string '3'"
 */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (typeof value === 'string') return `string '${value.length > 40 ? value.slice(0, 40) + '…' : value}'`;
  if (typeof value === 'number') return String(value);
  if (typeof value === 'bigint') return `bigint ${value}n`;
  if (typeof value === 'boolean') return `boolean ${value}`;
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  if (typeof value === 'object') {
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== 'Object' ? `a ${ctor}` : `an object with keys {${Object.keys(value as object).slice(0, 5).join(', ')}}`;
  }
  return typeof value;
}

/** @throws TypeError unless `value` is of type number (before any range check). */
export function checkIsNumber(name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') throw new TypeError(`${name} must be a number, got ${describeValue(value)}.`);
}

/**
 * @throws TypeError unless `value` is a number; RangeError unless it is an integer in [min, max].
 */
export function checkInteger(name: string, value: number, min: number, max = Infinity, remedy = ''): void {
  checkIsNumber(name, value);
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new RangeError(`${name} must be an integer ${range}, got ${value}.${remedy ? ' ' + remedy : ''}`);
  }
}

/** @throws TypeError unless `value` is a number; RangeError unless it is finite and in [min, max]. */
export function checkNumber(name: string, value: number, min = -Infinity, max = Infinity, remedy = ''): void {
  checkIsNumber(name, value);
  if (!Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'finite' : `in [${min}, ${max}]`;
    throw new RangeError(`${name} must be a ${range} number, got ${value}.${remedy ? ' ' + remedy : ''}`);
  }
}

/** @throws RangeError unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    const list = allowed.map((a) => `'${a}'`).join(', ');
    if (typeof value !== 'string') throw new TypeError(`${name} must be one of ${list}, got ${describeValue(value)}.`);
    throw new RangeError(`${name} must be one of ${list}, got '${String(value)}'.`);
  }
}

/** Options of {@link checkMatrix}. */
export interface CheckMatrixOptions {
  /** Smallest number of rows accepted (default 0). */
  minRows?: number;
  /** Required number of columns, if fixed. */
  cols?: number;
  /** What the columns are, for the message of a column mismatch (e.g. 'pixels of a 28×28 image'). */
  colsWhat?: string;
}

/**
 * The structural check of a {@link Matrix} at a public boundary, before any value is read:
 * an object with `data` a Float32Array, `rows` and `cols` non-negative integers, and
 * `data.length === rows × cols`; optionally a minimum row count and a fixed column count.
 * @throws TypeError for the wrong type (not an object, `data` a Float64Array or number[],
 *   `rows` a string, ...); RangeError for inconsistent or out-of-range sizes.
 * @example checkMatrix('X', { data: new Float32Array(6), rows: 2, cols: 3 }, { minRows: 1 })
 */
export function checkMatrix(name: string, x: unknown, options: CheckMatrixOptions = {}): asserts x is Matrix {
  if (typeof x !== 'object' || x === null || Array.isArray(x) || ArrayBuffer.isView(x)) {
    throw new TypeError(
      `${name} must be a Matrix ({ data: Float32Array, rows, cols }), got ${describeValue(x)}` +
        (Array.isArray(x) || ArrayBuffer.isView(x) ? '; wrap it with matrix(Float32Array.from(values), rows, cols).' : '.'),
    );
  }
  const m = x as { data?: unknown; rows?: unknown; cols?: unknown };
  if (!(m.data instanceof Float32Array)) {
    throw new TypeError(
      `${name}.data must be a Float32Array, got ${describeValue(m.data)}` +
        (m.data !== undefined && (Array.isArray(m.data) || ArrayBuffer.isView(m.data))
          ? '; convert it with Float32Array.from(data).'
          : '; a Matrix is { data: Float32Array, rows, cols }.'),
    );
  }
  for (const key of ['rows', 'cols'] as const) {
    const v = m[key];
    if (typeof v !== 'number') throw new TypeError(`${name}.${key} must be a number, got ${describeValue(v)}.`);
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name}.${key} must be a non-negative integer, got ${v}.`);
  }
  const { data, rows, cols } = x as Matrix;
  if (data.length !== rows * cols) {
    throw new RangeError(
      `${name}.data has ${data.length} values but rows × cols = ${rows} × ${cols} = ${rows * cols}; ` +
        'the sizes do not match the data (build matrices with matrix(data, rows, cols), which checks this).',
    );
  }
  if (options.cols !== undefined && cols !== options.cols) {
    throw new RangeError(
      `${name} must have ${options.cols} columns${options.colsWhat ? ` (${options.colsWhat})` : ''}, got ${rows} × ${cols}.`,
    );
  }
  const minRows = options.minRows ?? 0;
  if (rows < minRows) {
    throw new RangeError(`${name} must have at least ${minRows} row${minRows === 1 ? '' : 's'}, got ${rows}${rows === 0 ? ' (empty)' : ''}.`);
  }
}

/** @throws RangeError at the first NaN or ±Infinity, naming its row and column. */
export function checkFiniteMatrix(name: string, x: Matrix): void {
  const { data, cols } = x;
  for (let i = 0; i < data.length; i++) {
    const v = data[i]!;
    if (v - v !== 0) {
      throw new RangeError(
        `${name} contains ${v} at row ${Math.floor(i / cols)}, column ${i % cols}; remove or impute non-finite values before fitting.`,
      );
    }
  }
}

/** @throws RangeError unless `x` has at least `min` rows. */
export function checkMinRows(name: string, x: Matrix, min: number, why: string): void {
  if (x.rows < min) throw new RangeError(`Expected ${name} to have at least ${min} rows (${why}) but got ${x.rows}.`);
}

/** The unreachable default of an exhaustive switch over a closed union. */
export function assertNever(value: never, what: string): never {
  throw new TypeError(`Unknown ${what}: ${JSON.stringify(value)}.`);
}

/** Error thrown by `predict`-like methods called before `fit`. */
export class NotFittedError extends Error {
  constructor(estimator: string) {
    super(`This ${estimator} is not fitted yet: call fit(X) before using it.`);
    this.name = 'NotFittedError';
  }
}

/** Emitted (via process.emitWarning) when an iterative fit stops without converging. */
export function warnNotConverged(estimator: string, maxIter: number, remedy: string): void {
  process.emitWarning(`${estimator} did not converge in maxIter = ${maxIter} iterations. ${remedy}`, {
    type: 'ConvergenceWarning',
  });
}
