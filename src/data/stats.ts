import type { Matrix } from '../util/matrix.js';
import { createRandom, permutation } from '../util/random.js';
import { NUM_CLASSES, type LabeledImages } from './classes.js';
import { checkLabeledImages } from './split.js';
import { checkInteger, checkMatrix } from '../util/validate.js';

/**
 * The mean image of each class: a `nClasses × 784` Matrix (row k = mean of the images labelled k;
 * zeros for an absent class). Accumulates in float64.
 */
export function classMeanImages(set: LabeledImages, nClasses = NUM_CLASSES): Matrix {
  checkLabeledImages('set', set);
  checkInteger('nClasses', nClasses, 1);
  const { data, rows, cols } = set.images;
  const sums = new Float64Array(nClasses * cols);
  const counts = new Float64Array(nClasses);
  for (let i = 0; i < rows; i++) {
    const k = set.labels[i]!;
    if (!(k >= 0 && k < nClasses)) throw new RangeError(`classMeanImages: label ${k} at index ${i} is outside 0..${nClasses - 1}.`);
    counts[k]!++;
    const base = i * cols;
    const out = k * cols;
    for (let j = 0; j < cols; j++) sums[out + j]! += data[base + j]!;
  }
  const means = new Float32Array(nClasses * cols);
  for (let k = 0; k < nClasses; k++) {
    if (counts[k] === 0) continue;
    for (let j = 0; j < cols; j++) means[k * cols + j] = sums[k * cols + j]! / counts[k]!;
  }
  return { data: means, rows: nClasses, cols };
}

/**
 * Indices of `perClass` random samples of each class, grouped by class (class 0's first), for
 * galleries: row k of a `nClasses × perClass` grid. A class with fewer samples contributes all.
 */
export function samplesPerClass(labels: ArrayLike<number>, perClass: number, seed = 0, nClasses = NUM_CLASSES): Int32Array {
  const order = permutation(labels.length, createRandom(seed));
  const picked: number[][] = Array.from({ length: nClasses }, () => []);
  for (const i of order) {
    const k = labels[i]!;
    if (k < nClasses && picked[k]!.length < perClass) picked[k]!.push(i);
  }
  return Int32Array.from(picked.flat());
}

/** Mean and standard deviation of all pixel values (float64 accumulation). */
export function pixelStats(images: Matrix): { mean: number; std: number; zeroFraction: number } {
  checkMatrix('images', images, { minRows: 1 });
  let sum = 0, sumSq = 0, zeros = 0;
  const d = images.data;
  for (let i = 0; i < d.length; i++) {
    const v = d[i]!;
    sum += v;
    sumSq += v * v;
    if (v === 0) zeros++;
  }
  const mean = sum / d.length;
  return { mean, std: Math.sqrt(Math.max(0, sumSq / d.length - mean * mean)), zeroFraction: zeros / d.length };
}
