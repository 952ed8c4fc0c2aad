import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  GaussianMixture, estimateGaussianParameters, responsibilitiesFromLabels,
} from '../../src/cluster/gmm.js';
import { covarianceModel, estimateParameters } from '../../src/cluster/gmm-covariance.js';
import { centreData } from '../../src/linalg/gaussian.js';
import { TYPES, assertClose, fixtureMatrix, loadGmmFixtures, type GmmFixture, type OneStep, type CovType } from './gmm-helpers.js';

// Cross-check against scikit-learn 1.2.1 (test/fixtures/make_gmm_fixtures.py): identical inputs
// (float32 data), identical initial responsibilities → identical EM path.

const fixtures = loadGmmFixtures();

function checkOneStep(f: GmmFixture, type: CovType, resp: ArrayLike<number>, expected: OneStep, what: string): void {
  const est = estimateParameters(centreData(fixtureMatrix(f), 'js'), Float64Array.from(resp), covarianceModel(type), f.regCovar);
  assertClose(est.nk, expected.nk, 1e-12, `${what} nk`);
  assertClose(est.means, expected.means, 1e-10, `${what} means`, 1e-12);
  // scikit-learn's diag formula (E[x²] − 2μE[x] + μ²) cancels: allow 1e-12 × max|x|² absolute.
  let maxSq = 0;
  for (const v of f.X) maxSq = Math.max(maxSq, v * v);
  const scale = Math.max(...expected.covariances.map(Math.abs));
  assertClose(est.covariances, expected.covariances, 1e-9, `${what} covariances`, Math.max(1e-12, (1e-12 * maxSq) / scale));
}

/** A model started from the one-hot initial labels' parameters, like the fixture's. */
function modelFromInit(f: GmmFixture, type: CovType, extra: { maxIter?: number } = {}): GaussianMixture {
  const x = fixtureMatrix(f);
  const p = estimateGaussianParameters(x, responsibilitiesFromLabels(f.initLabels, f.k), type, f.regCovar);
  return new GaussianMixture({
    nComponents: f.k, covarianceType: type, regCovar: f.regCovar, engine: 'js',
    weightsInit: p.weights, meansInit: { data: Float32Array.from(p.means), rows: f.k, cols: f.cols }, precisionsInit: p.precisions,
    ...extra,
  });
}

for (const f of fixtures) {
  for (const type of TYPES) {
    const ref = f.types[type];

    test(`one M-step equals _estimate_gaussian_parameters: ${f.name}, ${type}`, () => {
      checkOneStep(f, type, responsibilitiesFromLabels(f.initLabels, f.k), ref.oneStepOneHot, 'one-hot');
      checkOneStep(f, type, f.softResp, ref.oneStepSoft, 'soft');
      checkOneStep(f, type, f.partialResp, ref.oneStepPartial, 'partial (rows of zeros)');
      const p = estimateGaussianParameters(fixtureMatrix(f), responsibilitiesFromLabels(f.initLabels, f.k), type, f.regCovar);
      assertClose(p.weights, ref.oneStepOneHot.nk.map((v) => v / f.rows), 1e-12, 'weights = nk / n');
    });

    test(`score_samples, predict_proba, bic, aic on given parameters: ${f.name}, ${type}`, () => {
      // meansInit goes through a Float32 Matrix: pass float32-exact means via the fixture instead.
      const x = fixtureMatrix(f);
      const gm = modelFromInit(f, type, { maxIter: 0 }).fit(x);
      // The means were rounded to float32 by meansInit; rebuild the expectation tolerance accordingly.
      assert.equal(gm.nIter, 0);
      assert.equal(gm.converged, false);
      assert.equal(gm.lowerBound, -Infinity);
      const first = { data: x.data.subarray(0, 20 * f.cols), rows: 20, cols: f.cols };
      assertClose(gm.scoreSamples(first), ref.given.scoreSamples, 1e-5, 'scoreSamples');
      assertClose(gm.predictProba(first).data, ref.given.predictProba, 1e-4, 'predictProba', 1e-5);
      assertClose([gm.score(x), gm.bic(x), gm.aic(x)], [ref.given.score, ref.given.bic, ref.given.aic], 1e-5, 'score/bic/aic', 0);
    });

    test(`EM from the same initial responsibilities matches scikit-learn: ${f.name}, ${type}`, () => {
      const x = fixtureMatrix(f);
      // Exact start: weights/means/precisions straight from the one-hot responsibilities (means
      // kept in float64 by passing number[][] rows).
      const p = estimateGaussianParameters(x, responsibilitiesFromLabels(f.initLabels, f.k), type, f.regCovar);
      const meansRows = Array.from({ length: f.k }, (_, c) => Array.from(p.means.subarray(c * f.cols, (c + 1) * f.cols)));
      const gm = new GaussianMixture({
        nComponents: f.k, covarianceType: type, regCovar: f.regCovar, engine: 'js',
        weightsInit: p.weights, meansInit: meansRows, precisionsInit: p.precisions,
      });
      const labels = gm.fitPredict(x);
      const em = ref.em;
      assert.equal(gm.nIter, em.nIter, 'nIter');
      assert.equal(gm.converged, em.converged, 'converged');
      assert.equal(gm.lowerBounds.length, em.nIter);
      assertClose([gm.lowerBound], [em.lowerBound], 1e-9, 'lowerBound');
      assertClose(gm.weights, em.weights, 1e-6, 'weights', 1e-9);
      assertClose(gm.means64, em.means, 1e-6, 'means', 1e-9);
      assertClose(gm.covariances, em.covariances, 1e-6, 'covariances', 1e-8);
      assert.deepEqual(gm.covarianceShape, type === 'full' ? [f.k, f.cols, f.cols] : type === 'tied' ? [f.cols, f.cols] : type === 'diag' ? [f.k, f.cols] : [f.k]);
      assertClose([gm.score(x), gm.bic(x), gm.aic(x)], [em.score, em.bic, em.aic], 1e-9, 'score/bic/aic', 0);
      const first = { data: x.data.subarray(0, 20 * f.cols), rows: 20, cols: f.cols };
      assertClose(gm.scoreSamples(first), em.scoreSamples, 1e-7, 'scoreSamples', 1e-9);
      assertClose(gm.predictProba(first).data, em.predictProba, 1e-5, 'predictProba', 1e-6);
      assert.deepEqual(Array.from(labels), em.predict, 'fitPredict labels = sklearn predict');
      assert.deepEqual(Array.from(gm.predict(x)), em.predict, 'predict');
      // Lower bounds never decrease (EM monotonicity, up to rounding).
      const lb = gm.lowerBounds;
      for (let i = 1; i < lb.length; i++) assert.ok(lb[i]! >= lb[i - 1]! - 1e-9, `lowerBounds[${i}] decreased`);
    });
  }
}

test('precisions and precisionsCholesky are consistent with the covariances (full)', () => {
  const f = fixtures[1]!;
  const x = fixtureMatrix(f);
  const gm = new GaussianMixture({ nComponents: f.k, seed: 1, engine: 'js' }).fit(x);
  const d = f.cols;
  const cov = gm.covariances, prec = gm.precisions, pc = gm.precisionsCholesky;
  for (let c = 0; c < f.k; c++) {
    const o = c * d * d;
    for (let i = 0; i < d; i++) {
      for (let j = 0; j < d; j++) {
        let s = 0;
        for (let q = 0; q < d; q++) s += cov[o + i * d + q]! * prec[o + q * d + j]!;
        assert.ok(Math.abs(s - (i === j ? 1 : 0)) < 1e-9, `Σ·Σ⁻¹ [${i},${j}] = ${s}`);
        if (i > j) assert.equal(pc[o + i * d + j], 0, 'precision Cholesky is upper triangular');
      }
    }
  }
});
