/**
 * Metamorphic battery of the GaussianMixture (issue 17, in the spirit of scikit-learn's
 * `check_estimator`): translating the data (1e2 … 1e7), scaling it (1e-6 … 1e6, with regCovar
 * scaled by the square: regCovar is an absolute variance, in scikit-learn too), permuting its rows
 * or its features must give the same partition up to relabelling (NMI ≥ 0.99), for every covariance
 * type, on the js engine and on the tfjs engine on every TF.js backend that loads; the engines must
 * agree with each other on the same data. A covariance no regularisation-free fit can define
 * (regCovar 0 with a constant column) is a clear error at every offset, never a fit.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, SingularCovarianceError, type CovarianceType } from '../../src/cluster/gmm.js';
import { loadAllBackends, type BackendName, type TF } from '../../src/tf/backend.js';
import { nmi } from '../../src/metrics/index.js';
import { createRandom, permutation } from '../../src/util/random.js';
import type { Matrix } from '../../src/util/matrix.js';

const TYPES: readonly CovarianceType[] = ['full', 'tied', 'diag', 'spherical'];
const TRANSLATIONS = [1e2, 1e3, 1e4, 1e5, 1e6, 1e7];
const SCALES = [1e-6, 1e-3, 1e3, 1e6];
const K = 3;
const REG = 1e-6;

/**
 * Three blobs in 3-d, centres ≥ 60 apart with standard deviations 3–6 (different per blob and
 * column, so that every covariance type has something to fit), n = 120. At an offset of 1e7 a
 * float32 still resolves 1 unit, a fraction of every spread.
 */
function base(): { x: Matrix; labels: Int32Array } {
  const rng = createRandom(17);
  const centres = [[0, 0, 0], [80, -20, 40], [-30, 70, -60]];
  const sds = [[3, 5, 4], [6, 3, 3], [4, 4, 6]];
  const n = 120, d = 3;
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % K;
    labels[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c]![j]! + sds[c]![j]! * rng.normal();
  }
  return { x: { data, rows: n, cols: d }, labels };
}

/** A transformation of the data, the regCovar that goes with it, and how to map labels back to the base rows. */
interface Variant { name: string; x: Matrix; regCovar: number; backToBase(labels: Int32Array): Int32Array }

function variants(x: Matrix): Variant[] {
  const { rows: n, cols: d } = x;
  const same = (l: Int32Array): Int32Array => l;
  const out: Variant[] = [];
  for (const t of TRANSLATIONS) {
    // A different offset per column, mixed signs.
    out.push({ name: `translate ${t}`, x: { data: x.data.map((v, i) => v + t * [1, -0.7, 0.3][i % d]!), rows: n, cols: d }, regCovar: REG, backToBase: same });
  }
  for (const s of SCALES) out.push({ name: `scale ${s}`, x: { data: x.data.map((v) => v * s), rows: n, cols: d }, regCovar: REG * s * s, backToBase: same });
  const rowPerm = permutation(n, createRandom(3));
  const rows = new Float32Array(n * d);
  for (let i = 0; i < n; i++) rows.set(x.data.subarray(rowPerm[i]! * d, (rowPerm[i]! + 1) * d), i * d);
  out.push({
    name: 'permute rows', x: { data: rows, rows: n, cols: d }, regCovar: REG,
    backToBase: (l) => { const b = new Int32Array(n); for (let i = 0; i < n; i++) b[rowPerm[i]!] = l[i]!; return b; },
  });
  const colPerm = [2, 0, 1];
  out.push({ name: 'permute features', x: { data: x.data.map((_, i) => x.data[Math.floor(i / d) * d + colPerm[i % d]!]!), rows: n, cols: d }, regCovar: REG, backToBase: same });
  return out;
}

type EngineRun = { name: string; engine: 'js' | 'tfjs'; backend?: BackendName };

let tf: TF;
let engines: EngineRun[] = [];
let previous = '';

before(async () => {
  const loaded = await loadAllBackends();
  tf = loaded.tf;
  previous = tf.getBackend();
  engines = [{ name: 'js', engine: 'js' }, ...loaded.backends.map((b): EngineRun => ({ name: `tfjs on ${b}`, engine: 'tfjs', backend: b }))];
});

async function onEngine<T>(e: EngineRun, fn: () => T): Promise<T> {
  if (e.backend !== undefined) await tf.setBackend(e.backend);
  try { return fn(); } finally { if (e.backend !== undefined) await tf.setBackend(previous); }
}

function fitLabels(x: Matrix, type: CovarianceType, engine: 'js' | 'tfjs', regCovar: number): Int32Array {
  const gm = new GaussianMixture({ nComponents: K, covarianceType: type, engine, regCovar, seed: 0 });
  const labels = gm.fitPredict(x);
  assert.equal(gm.engine, engine);
  assert.ok(Number.isFinite(gm.lowerBound), `${type} on ${engine}: lower bound ${gm.lowerBound}`);
  return labels;
}

test('GaussianMixture: translated, scaled, row- and feature-permuted data give the same partition on every engine and covariance type', async () => {
  const { x, labels: truth } = base();
  const vs = variants(x);
  const failures: string[] = [];
  for (const type of TYPES) {
    const reference = new Map<string, Int32Array[]>();
    for (const e of engines) {
      await onEngine(e, () => {
        const l0 = fitLabels(x, type, e.engine, REG);
        assert.equal(nmi(truth, l0), 1, `${type} on ${e.name}: the base data's blobs are recovered exactly`);
        const perVariant: Int32Array[] = [];
        for (const v of vs) {
          let got: Int32Array;
          try {
            got = v.backToBase(fitLabels(v.x, type, e.engine, v.regCovar));
          } catch (err) {
            failures.push(`${type} on ${e.name}, ${v.name}: threw ${(err as Error).message}`);
            continue;
          }
          perVariant.push(got);
          const score = nmi(l0, got);
          if (!(score >= 0.99)) failures.push(`${type} on ${e.name}, ${v.name}: NMI ${score.toFixed(4)} to the base partition`);
        }
        reference.set(e.name, [l0, ...perVariant]);
      });
    }
    // Engines agree with each other on the same data (the base and every variant).
    const js = reference.get('js')!;
    for (const [name, runs] of reference) {
      if (name === 'js') continue;
      runs.forEach((l, i) => {
        const score = nmi(js[i]!, l);
        if (!(score >= 0.99)) failures.push(`${type}: ${name} against js on ${i === 0 ? 'the base data' : vs[i - 1]!.name}: NMI ${score.toFixed(4)}`);
      });
    }
  }
  assert.deepEqual(failures, [], failures.join('\n'));
  assert.ok(engines.length >= 2, `expected js and at least one TF.js backend, got ${engines.map((e) => e.name).join(', ')}`);
});

test('GaussianMixture: regCovar 0 with a constant column is refused at every offset and on every engine (spherical only when every column is constant)', async () => {
  const { x } = base();
  const d = x.cols;
  for (const offset of [0, 1e3, 1e7]) {
    const constant: Matrix = { data: x.data.map((v, i) => (i % d === 1 ? offset + 5 : v + offset)), rows: x.rows, cols: d };
    const allConstant: Matrix = { data: x.data.map(() => offset + 5), rows: x.rows, cols: d };
    for (const e of engines) {
      await onEngine(e, () => {
        for (const type of TYPES) {
          const fit = (m: Matrix, regCovar: number): GaussianMixture => new GaussianMixture({ nComponents: K, covarianceType: type, engine: e.engine, regCovar, seed: 0 }).fit(m);
          const what = `${type} on ${e.name} at offset ${offset}`;
          if (type === 'spherical') {
            // scikit-learn fits this too: σ² is defined by the other columns.
            assert.ok(Number.isFinite(fit(constant, 0).lowerBound), what);
            assert.throws(() => fit(allConstant, 0), (err: Error) => err instanceof SingularCovarianceError && /every column is constant/.test(err.message), what);
          } else {
            assert.throws(() => fit(constant, 0), (err: Error) => err instanceof SingularCovarianceError
              && /ill-defined empirical covariance \(column 1 of X is constant.*Increase regCovar.*fewer components/.test(err.message), what);
          }
          // The default regularisation makes the same data well defined.
          const gm = fit(constant, REG);
          assert.ok(Number.isFinite(gm.lowerBound), `${what} with regCovar ${REG}`);
          const cov = gm.covariances;
          const variance1 = type === 'full' ? cov[1 * d + 1]! : type === 'tied' ? cov[1 * d + 1]! : type === 'diag' ? cov[1]! : cov[0]!;
          if (type !== 'spherical') assert.ok(Math.abs(variance1 - REG) <= 1e-12, `${what}: the constant column's variance is regCovar, got ${variance1}`);
        }
      });
    }
  }
});

test('GaussianMixture: engines agree when clusters sit far from the data mean compared with their spread (separation 1e4 × the spread)', async () => {
  // Expanding Σp(x − μ)² into float32 squares loses every digit here (the tfjs diag path did:
  // lower bound −2.5e6 against −5.32); each engine must give the float64 answer.
  const rng = createRandom(8);
  const n = 300, d = 3;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) data[i * d + j] = (i % K) * 1e4 + (1 + j) * 0.5 * rng.normal();
  const x: Matrix = { data, rows: n, cols: d };
  for (const type of TYPES) {
    const js = new GaussianMixture({ nComponents: K, covarianceType: type, engine: 'js', seed: 0 }).fit(x);
    for (const e of engines.filter((r) => r.engine === 'tfjs')) {
      await onEngine(e, () => {
        const gm = new GaussianMixture({ nComponents: K, covarianceType: type, engine: 'tfjs', seed: 0 }).fit(x);
        const what = `${type} on ${e.name}`;
        assert.ok(Math.abs(gm.lowerBound - js.lowerBound) <= 1e-4 * Math.abs(js.lowerBound), `${what}: lower bound ${gm.lowerBound} vs ${js.lowerBound}`);
        const a = gm.covariances, b = js.covariances;
        for (let i = 0; i < b.length; i++) assert.ok(Math.abs(a[i]! - b[i]!) <= 1e-3 * Math.max(...b.map(Math.abs)), `${what}: covariance ${i} ${a[i]} vs ${b[i]}`);
        assert.deepEqual(gm.predict(x), js.predict(x), what);
      });
    }
  }
});
