import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GaussianMixture, SingularCovarianceError, estimateGaussianParameters, responsibilitiesFromLabels,
} from '../../src/cluster/gmm.js';
import { NotFittedError } from '../../src/util/validate.js';
import { TYPES, makeBlobs } from './gmm-helpers.js';

const { x, labels: truth } = makeBlobs(240, 3, 3, 7);

/** Runs fn with ConvergenceWarnings captured instead of printed. */
function captureWarnings<T>(fn: () => T): { value: T; warnings: string[] } {
  const warnings: string[] = [];
  const orig = process.emitWarning;
  process.emitWarning = ((w: string | Error) => { warnings.push(String(w)); }) as typeof process.emitWarning;
  try { return { value: fn(), warnings }; } finally { process.emitWarning = orig; }
}

for (const type of TYPES) {
  for (const initParams of ['kmeans', 'random', 'random_from_data'] as const) {
    test(`deterministic under a seed and fitPredict == fit + predict: ${type}, ${initParams}`, () => {
      const opts = { nComponents: 3, covarianceType: type, initParams, seed: 11, nInit: 2, maxIter: 200 };
      const a = new GaussianMixture(opts);
      const la = captureWarnings(() => a.fitPredict(x)).value;
      const b = captureWarnings(() => new GaussianMixture(opts).fit(x)).value;
      assert.deepEqual(Array.from(la), Array.from(b.predict(x)));
      assert.deepEqual(Array.from(a.means.data), Array.from(b.means.data));
      assert.deepEqual(Array.from(a.lowerBounds), Array.from(b.lowerBounds));
      assert.equal(a.lowerBounds.length, a.nIter);
      assert.equal(a.lowerBound, a.lowerBounds[a.nIter - 1]);
      // weights sum to 1; probabilities are rows summing to 1 and agree with predict.
      assert.ok(Math.abs(a.weights.reduce((s, v) => s + v, 0) - 1) < 1e-12);
      const proba = a.predictProba(x);
      assert.equal(proba.rows, x.rows); assert.equal(proba.cols, 3);
      for (let i = 0; i < x.rows; i++) {
        let s = 0, best = 0;
        for (let c = 0; c < 3; c++) { s += proba.data[i * 3 + c]!; if (proba.data[i * 3 + c]! > proba.data[i * 3 + best]!) best = c; }
        assert.ok(Math.abs(s - 1) < 1e-5);
        assert.equal(best, la[i]);
      }
      // Training score equals the final lower bound up to one more EM step's change (< tol).
      assert.ok(Math.abs(a.score(x) - a.lowerBound) < 1e-2);
    });
  }
}

test('well-separated blobs are recovered (kmeans init, full)', () => {
  const gm = new GaussianMixture({ nComponents: 3, seed: 0 }).fit(x);
  assert.equal(gm.converged, true);
  const pred = gm.predict(x);
  // Each true blob maps to one component.
  for (let c = 0; c < 3; c++) {
    const seen = new Set<number>();
    for (let i = 0; i < x.rows; i++) if (truth[i] === c) seen.add(pred[i]!);
    assert.equal(seen.size, 1, `blob ${c} split across components ${[...seen]}`);
  }
});

test('different seeds can give different random inits; nInit keeps the best lower bound', () => {
  const single = [1, 2, 3, 4].map((s) => captureWarnings(() => new GaussianMixture({ nComponents: 3, initParams: 'random', seed: s, maxIter: 300 }).fit(x)).value.lowerBound);
  const multi = captureWarnings(() => new GaussianMixture({ nComponents: 3, initParams: 'random', seed: 1, nInit: 4, maxIter: 300 }).fit(x)).value;
  assert.ok(multi.lowerBound >= Math.min(...single) - 1e-12);
});

test('non-convergence: converged = false and a ConvergenceWarning with a remedy', () => {
  const { value: gm, warnings } = captureWarnings(() => new GaussianMixture({ nComponents: 3, initParams: 'random', maxIter: 1, tol: 0, seed: 3 }).fit(x));
  assert.equal(gm.converged, false);
  assert.equal(gm.nIter, 1);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0]!, /did not converge in maxIter = 1.*Increase maxIter/);
});

test('bic/aic follow the parameter count of each covariance type', () => {
  const d = 3, k = 3;
  const expected = { full: k * d * (d + 1) / 2, tied: d * (d + 1) / 2, diag: k * d, spherical: k };
  for (const type of TYPES) {
    const gm = new GaussianMixture({ nComponents: k, covarianceType: type }).fit(x);
    const p = expected[type] + k * d + k - 1;
    assert.equal(gm.nParameters(), p);
    const ll = gm.score(x) * x.rows;
    assert.ok(Math.abs(gm.bic(x) - (-2 * ll + p * Math.log(x.rows))) < 1e-6);
    assert.ok(Math.abs(gm.aic(x) - (-2 * ll + 2 * p)) < 1e-6);
  }
});

test('responsibilitiesFromLabels: one-hot, and rejects labels outside 0..k-1', () => {
  assert.deepEqual(Array.from(responsibilitiesFromLabels([0, 1, 1], 2)), [1, 0, 0, 1, 0, 1]);
  assert.throws(() => responsibilitiesFromLabels([0, 2], 2), /label 2 at index 1 is outside 0\.\.1/);
});

test('errors: predict before fit', () => {
  const gm = new GaussianMixture({ nComponents: 2 });
  assert.throws(() => gm.predict(x), NotFittedError);
  assert.throws(() => gm.scoreSamples(x), NotFittedError);
  assert.throws(() => gm.weights, NotFittedError);
});

test('errors: NaN / Infinity in X name the position', () => {
  const bad = { data: Float32Array.from(x.data), rows: x.rows, cols: x.cols };
  bad.data[5] = NaN;
  assert.throws(() => new GaussianMixture({ nComponents: 2 }).fit(bad), /X contains NaN at row 1, column 2/);
  bad.data[5] = Infinity;
  assert.throws(() => new GaussianMixture({ nComponents: 2 }).fit(bad), /Infinity/);
  const gm = new GaussianMixture({ nComponents: 2 }).fit(x);
  assert.throws(() => gm.predict(bad), /Infinity/);
});

test('errors: nComponents < 1 or > n_samples, and other invalid options', () => {
  assert.throws(() => new GaussianMixture({ nComponents: 0 }).fit(x), /nComponents must be an integer >= 1, got 0/);
  assert.throws(() => new GaussianMixture({ nComponents: 241 }).fit(x), /n_samples >= nComponents.*nComponents = 241, n_samples = 240/);
  assert.throws(() => new GaussianMixture({ regCovar: -1 }).fit(x), /regCovar/);
  assert.throws(() => new GaussianMixture({ tol: NaN }).fit(x), /tol/);
  assert.throws(() => new GaussianMixture({ nInit: 0 }).fit(x), /nInit/);
  assert.throws(() => new GaussianMixture({ maxIter: 1.5 }).fit(x), /maxIter/);
  // @ts-expect-error: not a covariance type
  assert.throws(() => new GaussianMixture({ covarianceType: 'banded' }).fit(x), /covarianceType must be one of 'full', 'tied', 'diag', 'spherical', got 'banded'/);
  // @ts-expect-error: not an init
  assert.throws(() => new GaussianMixture({ initParams: 'k-means++' }).fit(x), /initParams/);
});

test('errors: column-count mismatch between fit and predict', () => {
  const gm = new GaussianMixture({ nComponents: 2 }).fit(x);
  const other = makeBlobs(10, 4, 2, 1).x;
  assert.throws(() => gm.predict(other), /X has 4 features \(columns\) but GaussianMixture was fitted with 3/);
  assert.throws(() => gm.score(other), /fitted with 3/);
});

test('errors: init arrays of the wrong shape or invalid values', () => {
  assert.throws(() => new GaussianMixture({ nComponents: 2, weightsInit: [1] }).fit(x), /weightsInit must have nComponents = 2 values, got 1/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, weightsInit: [0.7, 0.7] }).fit(x), /weightsInit must sum to 1/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, meansInit: [[0, 0, 0]] }).fit(x), /meansInit must be nComponents × n_features = 2 × 3, got 1 × 3/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, covarianceType: 'diag', precisionsInit: [1, 1, 1] }).fit(x), /precisionsInit for covarianceType 'diag' must have 2 × 3 = 6 values, got 3/);
  assert.throws(() => new GaussianMixture({ nComponents: 1, covarianceType: 'tied', precisionsInit: [1, 0, 0, 0, -1, 0, 0, 0, 1] }).fit(x), /precisionsInit is not positive definite/);
});

test('a covariance that stays singular names regCovar, fewer components and scaling', () => {
  // Duplicate points: one component collapses onto identical rows, regCovar = 0 cannot save it.
  const n = 20, d = 2;
  const data = new Float32Array(n * d);
  for (let i = 0; i < n; i++) { data[i * d] = i < 10 ? 1 : 1000 + i; data[i * d + 1] = i < 10 ? 2 : 1000 + 3 * i; }
  const dup = { data, rows: n, cols: d };
  const labels = Int32Array.from({ length: n }, (_, i) => (i < 10 ? 0 : 1));
  let err: unknown;
  try {
    estimateGaussianParameters(dup, responsibilitiesFromLabels(labels, 2), 'full', 0);
  } catch (e) { err = e; }
  assert.ok(err instanceof SingularCovarianceError);
  assert.ok(err instanceof RangeError);
  assert.match((err as Error).message, /component 0 is not positive definite even with regCovar = 0.*Increase regCovar.*fewer components.*scale the input/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, regCovar: 0 }).fit(dup), SingularCovarianceError);
  // With the default regCovar the same data fits.
  const gm = new GaussianMixture({ nComponents: 2 }).fit(dup);
  assert.ok(Number.isFinite(gm.lowerBound));
});

test('maxIter 0 keeps the given parameters', () => {
  const p = estimateGaussianParameters(x, responsibilitiesFromLabels(truth, 3), 'diag');
  const gm = new GaussianMixture({
    nComponents: 3, covarianceType: 'diag', maxIter: 0,
    weightsInit: p.weights, meansInit: Array.from({ length: 3 }, (_, c) => Array.from(p.means.subarray(c * 3, c * 3 + 3))), precisionsInit: p.precisions,
  }).fit(x);
  assert.deepEqual(Array.from(gm.weights), Array.from(p.weights));
  for (let i = 0; i < p.covariances.length; i++) assert.ok(Math.abs(gm.covariances[i]! - p.covariances[i]!) < 1e-15 * 10 + 1e-12 * p.covariances[i]!);
  assert.equal(gm.nIter, 0);
  assert.equal(gm.lowerBounds.length, 0);
});

test('informationCriteria: BIC/AIC per component count equal separate fits, and BIC picks the true k on clear blobs', async () => {
  const { informationCriteria, GaussianMixture: GM } = await import('../../src/cluster/index.js');
  const { createRandom } = await import('../../src/util/random.js');
  const rng = createRandom(5);
  const centres = [[0, 0], [8, 0], [0, 8]];
  const data = new Float32Array(300 * 2);
  for (let i = 0; i < 300; i++) {
    const c = centres[i % 3]!;
    data[2 * i] = c[0]! + rng.normal();
    data[2 * i + 1] = c[1]! + rng.normal();
  }
  const X = { data, rows: 300, cols: 2 };
  const seen: number[] = [];
  const crit = informationCriteria(X, [1, 2, 3, 4, 5], { covarianceType: 'full', seed: 1 }, (k) => seen.push(k));
  assert.deepEqual(seen, [1, 2, 3, 4, 5]);
  const single = new GM({ nComponents: 4, covarianceType: 'full', seed: 1 }).fit(X);
  assert.ok(Math.abs(crit.bic[3]! - single.bic(X)) < 1e-9 * Math.abs(single.bic(X)));
  assert.ok(Math.abs(crit.aic[3]! - single.aic(X)) < 1e-9 * Math.abs(single.aic(X)));
  assert.equal(crit.nComponents[crit.bic.indexOf(Math.min(...crit.bic))], 3);
  assert.throws(() => informationCriteria(X, []), /at least one/);
});

test("engine: the compute floor's vocabulary; 'native' is refused by name, 'js' is what 'auto' picks for small data", () => {
  assert.throws(() => new GaussianMixture({ nComponents: 2, engine: 'native' }).fit(x), /GaussianMixture has no 'native' engine; use engine 'auto' or one of: js, tfjs/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, engine: 'gpu' as never }).fit(x), /engine must be one of 'auto', 'js', 'tfjs', 'native', got 'gpu'/);
  assert.equal(new GaussianMixture({ nComponents: 2 }).fit(x).engine, 'js');
});
