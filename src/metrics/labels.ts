/**
 * The one input gate shared by every metric, and the label encoding behind it.
 *
 * Labels are integers in the 32-bit signed range, given as `number[]` or any typed array (an
 * integer typed array normally; float arrays pass if every value is an integer). Values need not be
 * contiguous or start at 0: they are encoded to `0..k-1` in increasing order of value, the way
 * `numpy.unique(..., return_inverse=True)` does.
 */

/** Integer labels: `number[]`, `Int32Array`, `Uint8Array`, ... (any array-like of integers). */
export type Labels = ArrayLike<number>;

/** Labels encoded as `0..values.length-1`; `values` are the distinct labels, sorted increasingly. */
export interface EncodedLabels {
  /** Distinct label values, increasing. */
  readonly values: number[];
  /** `codes[i]` is the index in `values` of sample i's label. */
  readonly codes: Int32Array;
}

const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

function describe(labels: unknown): string {
  if (labels === null) return 'null';
  if (Array.isArray(labels)) return `an array of length ${labels.length}`;
  if (ArrayBuffer.isView(labels)) return `a ${labels.constructor.name}`;
  return typeof labels;
}

/**
 * Checks one label array: array-like, at least one sample, finite integer values in the int32 range.
 * @throws TypeError if `labels` is not an array-like of numbers (or holds a non-number).
 * @throws RangeError if it is empty or holds NaN, ±Infinity, a non-integer or an out-of-range value.
 */
export function checkLabels(name: string, labels: Labels): void {
  if (
    labels === null ||
    typeof labels !== 'object' ||
    typeof (labels as { length?: unknown }).length !== 'number' ||
    labels instanceof BigInt64Array ||
    labels instanceof BigUint64Array
  ) {
    throw new TypeError(`${name} must be a number[] or an integer typed array (e.g. Int32Array), got ${describe(labels)}.`);
  }
  const n = labels.length;
  if (n < 1) throw new RangeError(`${name} must contain at least 1 sample, got an empty array.`);
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX) {
      const why =
        typeof v !== 'number'
          ? `of type ${typeof v}`
          : Number.isNaN(v) || !Number.isFinite(v)
            ? 'not finite'
            : !Number.isInteger(v)
              ? 'not an integer'
              : 'outside the 32-bit integer range';
      throw new (typeof v !== 'number' ? TypeError : RangeError)(
        `${name}[${i}] = ${String(v)} is ${why}; labels must be finite integers in [${INT32_MIN}, ${INT32_MAX}]. ` +
          'Round or re-encode the labels (e.g. with Math.round or an index lookup) before scoring.',
      );
    }
  }
}

/**
 * The shared gate for metrics comparing two labelings: both valid (see {@link checkLabels}) and of
 * the same length.
 * @throws TypeError | RangeError naming the offending parameter.
 */
export function checkLabelPair(labelsTrue: Labels, labelsPred: Labels, trueName = 'labelsTrue', predName = 'labelsPred'): void {
  checkLabels(trueName, labelsTrue);
  checkLabels(predName, labelsPred);
  if (labelsTrue.length !== labelsPred.length) {
    throw new RangeError(
      `${trueName} and ${predName} must have the same length, got ${labelsTrue.length} and ${labelsPred.length}; ` +
        'pass the labels of the same samples in the same order.',
    );
  }
}

/**
 * Encodes already-checked labels as `0..k-1` in increasing order of value. Uses a lookup table when
 * the value range is small compared with the sample count, a Map otherwise.
 */
export function encodeLabels(labels: Labels): EncodedLabels {
  const n = labels.length;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = labels[i]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const codes = new Int32Array(n);
  const range = max - min + 1;
  if (range <= 4 * n + 1024) {
    const table = new Int32Array(range).fill(-1);
    for (let i = 0; i < n; i++) table[labels[i]! - min] = 0;
    const values: number[] = [];
    for (let r = 0; r < range; r++) {
      if (table[r] === 0) {
        table[r] = values.length;
        values.push(r + min);
      }
    }
    for (let i = 0; i < n; i++) codes[i] = table[labels[i]! - min]!;
    return { values, codes };
  }
  const seen = new Set<number>();
  for (let i = 0; i < n; i++) seen.add(labels[i]!);
  const values = Array.from(seen).sort((a, b) => a - b);
  const index = new Map<number, number>();
  values.forEach((v, k) => index.set(v, k));
  for (let i = 0; i < n; i++) codes[i] = index.get(labels[i]!)!;
  return { values, codes };
}
