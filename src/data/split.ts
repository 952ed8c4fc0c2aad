import { createRandom, permutation } from '../util/random.js';
import { takeRows } from '../util/matrix.js';
import type { Matrix } from '../util/matrix.js';
import { checkInteger, checkMatrix, describeValue } from '../util/validate.js';
import { NUM_CLASSES } from './classes.js';

/**
 * Class labels: the dataset's `Uint8Array`, any other typed array, or a plain array — holding
 * integers only. Splits and subsets return the labels in the same kind of array, value for value
 * (labels 300 and −1 in an `Int32Array` or a `number[]` stay 300 and −1).
 */
export type LabelArray = Uint8Array | Int8Array | Uint16Array | Int16Array | Uint32Array | Int32Array | Float32Array | Float64Array | readonly number[];

/** The array a split returns for labels of type `L`: the same typed array, or `number[]` for a plain array. */
export type SameLabels<L extends LabelArray> = L extends readonly number[] ? number[] : L;

/** Images and their labels, with labels of any {@link LabelArray} kind (the dataset's are `Uint8Array`). */
export interface LabeledSet<L extends LabelArray = Uint8Array> {
  readonly images: Matrix;
  readonly labels: L;
}

const INTEGER_ARRAYS = [Uint8Array, Int8Array, Uint16Array, Int16Array, Uint32Array, Int32Array, Uint8ClampedArray];

/**
 * Checks a labelled set at a public boundary: `images` a Matrix ({@link checkMatrix}) and
 * `labels` an array-like with one integer label per image row.
 * @throws TypeError for the wrong types or a label that is not a number (e.g. a class name);
 *   RangeError for mismatched lengths or a label that is not a (safe) integer.
 * @example checkLabeledImages('set', { images, labels })
 */
export function checkLabeledImages(name: string, set: LabeledSet<LabelArray>): void {
  if (typeof set !== 'object' || set === null) {
    throw new TypeError(`${name} must be a labelled set { images: Matrix, labels: Uint8Array }, got ${describeValue(set)}.`);
  }
  checkMatrix(`${name}.images`, set.images);
  const labels = set.labels as unknown;
  if (typeof labels !== 'object' || labels === null || typeof (labels as ArrayLike<number>).length !== 'number' || (!Array.isArray(labels) && !ArrayBuffer.isView(labels))) {
    throw new TypeError(`${name}.labels must be a Uint8Array (or another typed array, or an array of integer labels), got ${describeValue(labels)}.`);
  }
  if ((labels as ArrayLike<number>).length !== set.images.rows) {
    throw new RangeError(
      `${name}.labels has ${(labels as ArrayLike<number>).length} labels but ${name}.images has ${set.images.rows} rows; they must match (one label per image).`,
    );
  }
  checkLabelValues(`${name}.labels`, labels as ArrayLike<unknown>);
}

/**
 * Every entry of `labels` is an integer (a safe one, so it is kept exactly).
 * @throws TypeError naming the first entry that is not a number; RangeError for the first non-integer.
 */
function checkLabelValues(name: string, labels: ArrayLike<unknown>): void {
  if (INTEGER_ARRAYS.some((T) => labels instanceof T)) return;
  for (let i = 0; i < labels.length; i++) {
    const v = labels[i];
    if (typeof v !== 'number') {
      throw new TypeError(
        `${name}[${i}] is ${describeValue(v)}, not a number: labels must be integers. ` +
          (typeof v === 'string' ? 'Map class names to integers first (e.g. CLASS_NAMES.indexOf(name)).' : 'Pass integer class labels.'),
      );
    }
    if (!Number.isSafeInteger(v)) {
      throw new RangeError(
        `${name}[${i}] is ${v}: labels must be integers${Number.isInteger(v) ? ` within ±${Number.MAX_SAFE_INTEGER} (larger ones cannot be kept exactly)` : ''}. ` +
          'Round or re-encode the labels as integers (e.g. Int32Array.from(labels, Math.round) if they are whole numbers stored as floats).',
      );
    }
  }
}

/** `labels[indices[k]]` for every k, in the same kind of array as `labels`. */
function takeLabels<L extends LabelArray>(labels: L, indices: ArrayLike<number>): SameLabels<L> {
  if (Array.isArray(labels)) return Array.from(indices, (i) => labels[i]!) as SameLabels<L>;
  const typed = labels as Exclude<LabelArray, readonly number[]>;
  const out = new (typed.constructor as new (n: number) => typeof typed)(indices.length);
  for (let k = 0; k < indices.length; k++) out[k] = typed[indices[k]!]!;
  return out as SameLabels<L>;
}

/** Rows `indices` of a labelled set, in that order; the labels in the same kind of array, unchanged. */
export function takeSamples<L extends LabelArray>(set: LabeledSet<L>, indices: ArrayLike<number>): LabeledSet<SameLabels<L>> {
  checkLabeledImages('set', set);
  return { images: takeRows(set.images, indices), labels: takeLabels(set.labels, indices) };
}

/** A seeded shuffle of a labelled set (new arrays; the input is untouched). */
export function shuffleSamples<L extends LabelArray>(set: LabeledSet<L>, seed: number): LabeledSet<SameLabels<L>> {
  checkLabeledImages('set', set);
  return takeSamples(set, permutation(set.labels.length, createRandom(seed)));
}

/**
 * Concatenates labelled sets (e.g. train + test = the 70,000 images of the Kaggle form). The
 * labels keep their array type when every set has the same one, else become a Float64Array
 * (exact for integer labels).
 */
export function concatSamples<L extends LabelArray>(...sets: LabeledSet<L>[]): LabeledSet<SameLabels<L>> {
  if (sets.length === 0) throw new RangeError('concatSamples: expected at least one labelled set, got none.');
  sets.forEach((s, i) => checkLabeledImages(`sets[${i}]`, s));
  const cols = sets[0]!.images.cols;
  const rows = sets.reduce((a, s) => a + s.images.rows, 0);
  const data = new Float32Array(rows * cols);
  const kinds = new Set(sets.map((s) => (Array.isArray(s.labels) ? Array : s.labels.constructor)));
  const kind = kinds.size === 1 ? [...kinds][0]! : Float64Array;
  const labels = (kind === Array ? new Array<number>(rows) : new (kind as Float64ArrayConstructor)(rows)) as number[] | Float64Array;
  let offset = 0;
  for (const s of sets) {
    if (s.images.cols !== cols) throw new RangeError(`concatSamples: sets have ${cols} and ${s.images.cols} columns.`);
    data.set(s.images.data, offset * cols);
    for (let i = 0; i < s.labels.length; i++) labels[offset + i] = s.labels[i]!;
    offset += s.images.rows;
  }
  return { images: { data, rows, cols }, labels: labels as SameLabels<L> };
}

/**
 * Indices of a stratified sample of `n` items: each class gets a share proportional to its
 * frequency (largest remainders), chosen at random with the seed, returned in shuffled order.
 */
export function stratifiedIndices(labels: ArrayLike<number>, n: number, seed: number): Int32Array {
  checkInteger('n', n, 1, labels.length, `There are only ${labels.length} samples.`);
  const rng = createRandom(seed);
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < labels.length; i++) {
    const c = labels[i]!;
    if (!byClass.has(c)) byClass.set(c, []);
    byClass.get(c)!.push(i);
  }
  const classes = [...byClass.keys()].sort((a, b) => a - b);
  const exact = classes.map((c) => (byClass.get(c)!.length * n) / labels.length);
  const take = exact.map(Math.floor);
  let left = n - take.reduce((a, b) => a + b, 0);
  const order = exact.map((e, i) => ({ i, r: e - Math.floor(e) })).sort((a, b) => b.r - a.r || a.i - b.i);
  for (const { i } of order) {
    if (left === 0) break;
    if (take[i]! < byClass.get(classes[i]!)!.length) { take[i]!++; left--; }
  }
  const chosen: number[] = [];
  classes.forEach((c, ci) => {
    const members = byClass.get(c)!;
    const perm = permutation(members.length, rng);
    for (let k = 0; k < take[ci]!; k++) chosen.push(members[perm[k]!]!);
  });
  const perm = permutation(chosen.length, rng);
  return Int32Array.from(perm, (p) => chosen[p]!);
}

/**
 * A stratified random subset of `n` samples (class proportions kept), for fast experiments
 * and for the smoke-scale notebooks.
 * @example stratifiedSubset(test, 1000, 0).labels.length === 1000
 */
export function stratifiedSubset<L extends LabelArray>(set: LabeledSet<L>, n: number, seed = 0): LabeledSet<SameLabels<L>> {
  checkLabeledImages('set', set);
  checkInteger('n', n, 1);
  if (n >= set.labels.length) return set as unknown as LabeledSet<SameLabels<L>>;
  return takeSamples(set, stratifiedIndices(set.labels, n, seed));
}

export interface SplitOptions {
  /** Fraction (0..1) or number of samples put in the test part. Default 0.2. */
  testSize?: number;
  seed?: number;
  /** Keep class proportions equal in both parts (default true). */
  stratify?: boolean;
}

/**
 * A seeded random train/test split of one labelled set, like scikit-learn's
 * `train_test_split` (the report split the 70,000 Kaggle images this way). The official
 * 60k/10k split from {@link loadFashionMnist} is the default everywhere else.
 */
export function trainTestSplit<L extends LabelArray>(set: LabeledSet<L>, options: SplitOptions = {}): { train: LabeledSet<SameLabels<L>>; test: LabeledSet<SameLabels<L>> } {
  checkLabeledImages('set', set);
  const { testSize = 0.2, seed = 0, stratify = true } = options;
  const n = set.labels.length;
  const nTest = testCount(testSize, n);
  let testIdx: Int32Array;
  if (stratify) {
    testIdx = stratifiedIndices(set.labels, nTest, seed);
  } else {
    testIdx = permutation(n, createRandom(seed)).subarray(0, nTest);
  }
  const inTest = new Uint8Array(n);
  for (const i of testIdx) inTest[i] = 1;
  const trainIdx = new Int32Array(n - nTest);
  let k = 0;
  for (let i = 0; i < n; i++) if (!inTest[i]) trainIdx[k++] = i;
  const trainOrder = permutation(trainIdx.length, createRandom(seed + 1));
  return { train: takeSamples(set, Int32Array.from(trainOrder, (p) => trainIdx[p]!)), test: takeSamples(set, testIdx) };
}

/**
 * The test part's size from `testSize`: a fraction in (0, 1) of `n` samples, or a whole count
 * 1..n−1. Both parts must get at least one sample.
 * @throws TypeError for a non-number; RangeError naming the value, both accepted forms and the
 *   range that works for `n` samples.
 */
function testCount(testSize: number, n: number): number {
  if (typeof testSize !== 'number') throw new TypeError(`testSize must be a number (a fraction like 0.2, or a count of test samples), got ${describeValue(testSize)}.`);
  const forms = `testSize is either a fraction of the samples strictly between 0 and 1 (e.g. 0.2 for 20 %) or a whole number of test samples from 1 to ${n - 1}`;
  if (!Number.isFinite(testSize) || testSize <= 0) {
    throw new RangeError(`testSize must be greater than 0, got ${testSize}: ${forms} (there are ${n} samples). Pass e.g. testSize: 0.2.`);
  }
  if (testSize >= 1 && !Number.isInteger(testSize)) {
    throw new RangeError(`testSize ${testSize} is neither a fraction below 1 nor a whole count: ${forms}.`);
  }
  const nTest = testSize < 1 ? Math.round(testSize * n) : testSize;
  if (nTest < 1 || nTest > n - 1) {
    const why = testSize < 1
      ? `testSize ${testSize} of ${n} samples gives ${nTest} test samples`
      : `testSize ${testSize} leaves ${n - nTest} training samples of ${n}`;
    throw new RangeError(`${why}; both parts need at least one sample: ${forms}.`);
  }
  return nTest;
}

/** Number of samples of each class 0..9. */
export function classCounts(labels: ArrayLike<number>, nClasses = NUM_CLASSES): number[] {
  checkInteger('nClasses', nClasses, 1);
  const counts = new Array<number>(nClasses).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i]!;
    if (!Number.isInteger(l) || l < 0 || l >= nClasses) {
      throw new RangeError(`classCounts: label ${describeValue(l)} at index ${i} is outside 0..${nClasses - 1}.`);
    }
    counts[l]!++;
  }
  return counts;
}
