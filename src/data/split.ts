import { createRandom, permutation } from '../util/random.js';
import { takeRows } from '../util/matrix.js';
import { checkInteger, checkMatrix, checkNumber, describeValue } from '../util/validate.js';
import { NUM_CLASSES, type LabeledImages } from './classes.js';

/**
 * Checks a labelled set at a public boundary: `images` a Matrix ({@link checkMatrix}) and
 * `labels` an array-like with one label per image row.
 * @throws TypeError for the wrong types; RangeError for mismatched lengths.
 * @example checkLabeledImages('set', { images, labels })
 */
export function checkLabeledImages(name: string, set: LabeledImages): void {
  if (typeof set !== 'object' || set === null) {
    throw new TypeError(`${name} must be a labelled set { images: Matrix, labels: Uint8Array }, got ${describeValue(set)}.`);
  }
  checkMatrix(`${name}.images`, set.images);
  const labels = set.labels as unknown;
  if (typeof labels !== 'object' || labels === null || typeof (labels as ArrayLike<number>).length !== 'number') {
    throw new TypeError(`${name}.labels must be a Uint8Array (or an array of labels), got ${describeValue(labels)}.`);
  }
  if ((labels as ArrayLike<number>).length !== set.images.rows) {
    throw new RangeError(
      `${name}.labels has ${(labels as ArrayLike<number>).length} labels but ${name}.images has ${set.images.rows} rows; they must match (one label per image).`,
    );
  }
}

/** Rows `indices` of a labelled set, in that order. */
export function takeSamples(set: LabeledImages, indices: ArrayLike<number>): LabeledImages {
  checkLabeledImages('set', set);
  const labels = new Uint8Array(indices.length);
  for (let k = 0; k < indices.length; k++) labels[k] = set.labels[indices[k]!]!;
  return { images: takeRows(set.images, indices), labels };
}

/** A seeded shuffle of a labelled set (new arrays; the input is untouched). */
export function shuffleSamples(set: LabeledImages, seed: number): LabeledImages {
  checkLabeledImages('set', set);
  return takeSamples(set, permutation(set.labels.length, createRandom(seed)));
}

/** Concatenates labelled sets (e.g. train + test = the 70,000 images of the Kaggle form). */
export function concatSamples(...sets: LabeledImages[]): LabeledImages {
  if (sets.length === 0) throw new RangeError('concatSamples: expected at least one labelled set, got none.');
  sets.forEach((s, i) => checkLabeledImages(`sets[${i}]`, s));
  const cols = sets[0]!.images.cols;
  const rows = sets.reduce((a, s) => a + s.images.rows, 0);
  const data = new Float32Array(rows * cols);
  const labels = new Uint8Array(rows);
  let offset = 0;
  for (const s of sets) {
    if (s.images.cols !== cols) throw new RangeError(`concatSamples: sets have ${cols} and ${s.images.cols} columns.`);
    data.set(s.images.data, offset * cols);
    labels.set(s.labels, offset);
    offset += s.images.rows;
  }
  return { images: { data, rows, cols }, labels };
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
export function stratifiedSubset(set: LabeledImages, n: number, seed = 0): LabeledImages {
  checkLabeledImages('set', set);
  checkInteger('n', n, 1);
  if (n >= set.labels.length) return set;
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
export function trainTestSplit(set: LabeledImages, options: SplitOptions = {}): { train: LabeledImages; test: LabeledImages } {
  checkLabeledImages('set', set);
  const { testSize = 0.2, seed = 0, stratify = true } = options;
  const n = set.labels.length;
  checkNumber('testSize', testSize, Number.MIN_VALUE, n - 1);
  const nTest = testSize < 1 ? Math.round(testSize * n) : testSize;
  checkInteger('testSize (as a count)', nTest, 1, n - 1, 'Both parts need at least one sample.');
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
