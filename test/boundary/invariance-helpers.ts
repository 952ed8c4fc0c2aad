/**
 * Shared pieces of the metamorphic batteries (test/boundary/invariance*.test.ts): data whose
 * translations are exact in float32, the transformations (translate, scale, permute rows or
 * features), the engines to run on (js, and tfjs on every TF.js backend that loads), and the
 * comparisons (NMI of partitions, neighbour recall, relative closeness).
 */
import type { Matrix } from '../../src/util/matrix.js';
import { createRandom, permutation } from '../../src/util/random.js';
import { loadAllBackends, type BackendName } from '../../src/tf/backend.js';

/** Offsets of the translation checks (every one exact in float32 for {@link integerBlobs}). */
export const TRANSLATIONS = [1e2, 1e3, 1e5, 1e7];
/** Factors of the scaling checks. */
export const SCALES = [1e-6, 1e-3, 1e3, 1e6];

/**
 * k well-separated blobs of integer values (centres within ±300, spread ≈ 20 per feature), n
 * rows in round-robin order, with the true blob of each row. Integers below 2²⁴ − 10⁷ stay exact
 * in float32 when translated by up to 10⁷, so a translated copy holds exactly the same geometry:
 * any difference in an answer is the estimator's arithmetic.
 */
export function integerBlobs(n: number, d: number, k: number, seed: number): { x: Matrix; truth: Int32Array } {
  const rng = createRandom(seed);
  const centres = Array.from({ length: k }, () => Array.from({ length: d }, () => Math.round(600 * rng.next() - 300)));
  const data = new Float32Array(n * d);
  const truth = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    truth[i] = c;
    // Feature-dependent spread (10..30) keeps the covariance's eigenvalues apart.
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + Math.round((10 + (20 * j) / d) * rng.normal());
  }
  return { x: { data, rows: n, cols: d }, truth };
}

/** One metamorphic transformation: the new data, and how to map a row of it back to the original. */
export interface Transformed {
  readonly name: string;
  readonly x: Matrix;
  /** `rowOf[i]`: the original row of transformed row i. */
  readonly rowOf: Int32Array;
  /** Factor by which distances grow (1 except for scaling). */
  readonly scale: number;
}

/** x + t in every value. */
export function translate(x: Matrix, t: number): Transformed {
  return { name: `translate ${t.toExponential(0)}`, x: { ...x, data: x.data.map((v) => v + t) }, rowOf: identity(x.rows), scale: 1 };
}

/** x · s in every value. */
export function scale(x: Matrix, s: number): Transformed {
  return { name: `scale ${s.toExponential(0)}`, x: { ...x, data: x.data.map((v) => v * s) }, rowOf: identity(x.rows), scale: s };
}

/** The rows in a seeded random order. */
export function permuteRows(x: Matrix, seed: number): Transformed {
  const perm = permutation(x.rows, createRandom(seed));
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < x.rows; i++) data.set(x.data.subarray(perm[i]! * x.cols, (perm[i]! + 1) * x.cols), i * x.cols);
  return { name: 'permute rows', x: { ...x, data }, rowOf: Int32Array.from(perm), scale: 1 };
}

/** The features (columns) in a seeded random order. */
export function permuteFeatures(x: Matrix, seed: number): Transformed {
  const perm = permutation(x.cols, createRandom(seed));
  const data = new Float32Array(x.data.length);
  for (let i = 0; i < x.rows; i++) for (let j = 0; j < x.cols; j++) data[i * x.cols + j] = x.data[i * x.cols + perm[j]!]!;
  return { name: 'permute features', x: { ...x, data }, rowOf: identity(x.rows), scale: 1 };
}

/** Every transformation of the battery. */
export function allTransforms(x: Matrix): Transformed[] {
  return [
    ...TRANSLATIONS.map((t) => translate(x, t)),
    ...SCALES.map((s) => scale(x, s)),
    permuteRows(x, 11),
    permuteFeatures(x, 12),
  ];
}

function identity(n: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => i);
}

/** Labels of the transformed rows put back in the original row order. */
export function backToOriginalOrder(labels: ArrayLike<number>, rowOf: Int32Array): Int32Array {
  const out = new Int32Array(labels.length);
  for (let i = 0; i < labels.length; i++) out[rowOf[i]!] = labels[i]!;
  return out;
}

/**
 * Mean fraction of each row's neighbours (indices into the data, `k` per row) found in the
 * reference lists, after mapping the transformed rows back to the original ones.
 */
export function neighbourRecall(reference: Int32Array, found: Int32Array, k: number, rowOf: Int32Array): number {
  const n = reference.length / k;
  let hits = 0;
  for (let i = 0; i < n; i++) {
    const orig = rowOf[i]!;
    const set = new Set(reference.subarray(orig * k, (orig + 1) * k));
    for (let j = 0; j < k; j++) if (set.has(rowOf[found[i * k + j]!]!)) hits++;
  }
  return hits / (n * k);
}

/** An engine to run the battery on: `'js'`, or `'tfjs'` with one TF.js backend selected. */
export interface EngineRun {
  readonly label: string;
  readonly engine: 'js' | 'tfjs';
  readonly backend?: BackendName;
}

/**
 * The engines that load here: js, then tfjs on every TF.js backend {@link loadAllBackends} finds
 * (tensorflow, wasm, cpu); `select` switches the process-wide backend for a tfjs run.
 */
export async function enginesThatLoad(): Promise<{ runs: EngineRun[]; select(run: EngineRun): Promise<void> }> {
  const { tf, backends } = await loadAllBackends();
  const runs: EngineRun[] = [{ label: 'js', engine: 'js' }, ...backends.map((b) => ({ label: `tfjs/${b}`, engine: 'tfjs' as const, backend: b }))];
  return {
    runs,
    async select(run) {
      if (run.backend) await tf.setBackend(run.backend);
    },
  };
}
