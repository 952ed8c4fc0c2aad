import type { Matrix } from './matrix.js';

/**
 * Boundary checks shared by every estimator. Messages name the parameter, the expected and the
 * actual value, and where it helps, the remedy.
 */

/** @throws RangeError unless `value` is an integer in [min, max]. */
export function checkInteger(name: string, value: number, min: number, max = Infinity, remedy = ''): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Infinity ? `>= ${min}` : `in ${min}..${max}`;
    throw new RangeError(`${name} must be an integer ${range}, got ${value}.${remedy ? ' ' + remedy : ''}`);
  }
}

/** @throws RangeError unless `value` is a finite number in [min, max]. */
export function checkNumber(name: string, value: number, min = -Infinity, max = Infinity, remedy = ''): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    const range = min === -Infinity && max === Infinity ? 'finite' : `in [${min}, ${max}]`;
    throw new RangeError(`${name} must be a ${range} number, got ${value}.${remedy ? ' ' + remedy : ''}`);
  }
}

/** @throws RangeError unless `value` is one of `allowed`. */
export function checkOneOf<T extends string>(name: string, value: T, allowed: readonly T[]): void {
  if (!allowed.includes(value)) {
    throw new RangeError(`${name} must be one of ${allowed.map((a) => `'${a}'`).join(', ')}, got '${String(value)}'.`);
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
