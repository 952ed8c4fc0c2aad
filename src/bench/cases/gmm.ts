import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { BenchCase, BenchContext } from '../types.js';
import type { Matrix } from '../../util/matrix.js';
import { clusterScores, round } from '../stats.js';
import { ArtifactStore } from '../../experiment/artifacts.js';

/**
 * The autoencoder's full-scale codes when `npm run report` has cached them (the same files
 * `bench/sklearn_reference.py` reads), else undefined.
 */
export function cachedCodes(): { train: Matrix; test: Matrix } | undefined {
  const store = new ArtifactStore('full');
  const load = (name: string): Matrix | undefined => {
    const meta = path.join(store.dir, `${name}.meta.json`);
    if (!existsSync(meta)) return undefined;
    const key = (JSON.parse(readFileSync(meta, 'utf8')) as { key: string }).key;
    const a = store.loadFloat32(name, key);
    return a ? { data: a.data, rows: a.shape[0]!, cols: a.shape[1]! } : undefined;
  };
  const train = load('codes-train');
  const test = load('codes-test');
  return train && test && train.rows === 60000 && test.rows === 10000 ? { train, test } : undefined;
}

/**
 * Stand-in for the autoencoder's 128-d codes until the encoder exists: a fixed random projection
 * of the pixels, X·R with R (784 × 128) drawn by a 32-bit LCG (s ← 1664525·s + 1013904223 mod 2³²,
 * u = s / 2³², seed 12345) as Irwin–Hall normals (Σ of 12 uniforms − 6) divided by √784.
 * `bench/sklearn_reference.py` builds the identical R, so both sides cluster the same data (up to
 * float32 rounding of the product).
 */
export function standInProjection(inDim = 784, outDim = 128, seed = 12345): Float32Array {
  const r = new Float32Array(inDim * outDim);
  let s = seed >>> 0;
  const scale = 1 / Math.sqrt(inDim);
  for (let i = 0; i < r.length; i++) {
    let sum = 0;
    for (let t = 0; t < 12; t++) {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      sum += s / 4294967296;
    }
    r[i] = (sum - 6) * scale;
  }
  return r;
}

/** X·R on the TF.js backend (float32), in row chunks. */
export function projectRows(ctx: BenchContext, x: Matrix, r: Float32Array, outDim: number): Matrix {
  const { tf } = ctx;
  const out = new Float32Array(x.rows * outDim);
  const rt = tf.tensor2d(r, [x.cols, outDim], 'float32');
  const chunk = 8192;
  for (let s = 0; s < x.rows; s += chunk) {
    const m = Math.min(chunk, x.rows - s);
    const xt = tf.tensor2d(x.data.subarray(s * x.cols, (s + m) * x.cols), [m, x.cols], 'float32');
    const y = tf.matMul(xt, rt);
    out.set(y.dataSync() as Float32Array, s * outDim);
    xt.dispose(); y.dispose();
  }
  rt.dispose();
  return { data: out, rows: x.rows, cols: outDim };
}

function gmmCase(name: string, covarianceType: 'full' | 'diag'): BenchCase {
  return {
    name,
    description:
      `GaussianMixture(10, ${covarianceType}) on the 128-d autoencoder codes cached by \`npm run report\` (else a fixed random projection of the pixels) of the 60k train ` +
      'split (kmeans init, seed 0, tol 1e-3, maxIter 100), then predict the 10k test split; NMI/ARI/ACC on the test labels.',
    async run(ctx) {
      const { loadFashionMnist } = await import('../../data/index.js');
      const { GaussianMixture } = await import('../../cluster/gmm.js');
      const { train, test } = await loadFashionMnist();
      const cached = cachedCodes();
      const r = cached ? undefined : standInProjection();
      const codesTrain = cached ? cached.train : projectRows(ctx, train.images, r!, 128);
      const codesTest = cached ? cached.test : projectRows(ctx, test.images, r!, 128);
      const t0 = performance.now();
      const gm = new GaussianMixture({ nComponents: 10, covarianceType, seed: 0 }).fit(codesTrain);
      const fitSeconds = (performance.now() - t0) / 1000;
      const pred = gm.predict(codesTest);
      const seconds = (performance.now() - t0) / 1000;
      const scores = clusterScores(test.labels, pred);
      return {
        seconds, fitSeconds, engine: gm.engine, nIter: gm.nIter, converged: gm.converged,
        lowerBound: round(gm.lowerBound, 4), secondsPerIter: round(fitSeconds / Math.max(1, gm.nIter)),
        data: cached ? 'autoencoder codes' : 'random projection of the pixels',
        ...scores,
      };
    },
  };
}

/** `gmm-full-128`: full-covariance GaussianMixture(10) on 60k × 128 (goal ≤ scikit-learn, ≈60 s here). */
export const gmmFull128 = gmmCase('gmm-full-128', 'full');
/** `gmm-diag-128`: diagonal-covariance GaussianMixture(10) on 60k × 128 (goal ≤ 3 s). */
export const gmmDiag128 = gmmCase('gmm-diag-128', 'diag');
