import { test } from 'node:test';
import assert from 'node:assert/strict';
import { initBackend } from '../../src/tf/backend.js';
import { GaussianMixture, responsibilitiesFromLabels } from '../../src/cluster/gmm.js';
import { covarianceModel, estimateParameters, logGaussianProb } from '../../src/cluster/gmm-covariance.js';
import { centreData } from '../../src/linalg/gaussian.js';
import { TYPES, assertClose, makeBlobs } from './gmm-helpers.js';

// The covariance models over the floor's TF.js products (float32 over row chunks, used for large
// data) against the same models over the float64 products, on data large enough to span several
// chunks (8192 rows each).
const { x, labels } = makeBlobs(9000, 12, 4, 3, 3);

test('tfjs engine: M-step and E-step agree with the float64 engine for every covariance type', async () => {
  const { tf } = await initBackend();
  const before = tf.memory().numTensors;
  // Soft responsibilities: the one-hot truth blended with a uniform share.
  const resp = responsibilitiesFromLabels(labels, 4).map((v) => 0.8 * v + 0.05);
  for (const type of TYPES) {
    const model = covarianceModel(type);
    const js = centreData(x, 'js');
    const tfe = centreData(x, 'tfjs');
    try {
      const a = estimateParameters(js, resp, model, 1e-6);
      const b = estimateParameters(tfe, resp, model, 1e-6);
      assertClose(b.nk, a.nk, 1e-6, `${type} nk`);
      assertClose(b.means, a.means, 1e-5, `${type} means`, 1e-6);
      assertClose(b.covariances, a.covariances, 1e-4, `${type} covariances`, 1e-5);
      const pc = model.precisionCholesky(a.covariances, 4, 12, 1e-6);
      const la = logGaussianProb(js, a.means, pc, model);
      const lb = logGaussianProb(tfe, a.means, pc, model);
      assertClose(lb, la, 1e-5, `${type} log N(x)`, 1e-6);
    } finally {
      tfe.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});

test('tfjs engine: a fit matches the js engine (full and diag) without leaking tensors', async () => {
  const { tf } = await initBackend();
  const before = tf.memory().numTensors;
  for (const type of ['full', 'diag'] as const) {
    const a = new GaussianMixture({ nComponents: 4, covarianceType: type, engine: 'js', seed: 2 }).fit(x);
    const b = new GaussianMixture({ nComponents: 4, covarianceType: type, engine: 'tfjs', seed: 2 }).fit(x);
    assert.equal(b.engine, 'tfjs');
    assert.equal(b.nIter, a.nIter);
    assert.ok(Math.abs(a.lowerBound - b.lowerBound) < 1e-5 * Math.abs(a.lowerBound));
    assertClose(b.means64, a.means64, 1e-4, `${type} means`, 1e-5);
    assertClose(b.weights, a.weights, 1e-4, `${type} weights`);
    const pa = a.predict(x), pb = b.predict(x);
    let same = 0;
    for (let i = 0; i < x.rows; i++) if (pa[i] === pb[i]) same++;
    assert.ok(same >= x.rows - 2, `${x.rows - same} labels differ`);
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});

test('tfjs engine: the triangular split of the full/tied E-step (d ≥ 32) agrees with the float64 engine', async () => {
  const { tf } = await initBackend();
  const before = tf.memory().numTensors;
  const big = makeBlobs(3000, 40, 3, 5, 2);
  const resp = responsibilitiesFromLabels(big.labels, 3).map((v) => 0.9 * v + 0.1 / 3);
  for (const type of ['full', 'tied'] as const) {
    const model = covarianceModel(type);
    const js = centreData(big.x, 'js');
    const tfe = centreData(big.x, 'tfjs');
    try {
      const a = estimateParameters(js, resp, model, 1e-6);
      assertClose(estimateParameters(tfe, resp, model, 1e-6).covariances, a.covariances, 1e-4, `${type} covariances`, 1e-5);
      const pc = model.precisionCholesky(a.covariances, 3, 40, 1e-6);
      assertClose(logGaussianProb(tfe, a.means, pc, model), logGaussianProb(js, a.means, pc, model), 1e-5, `${type} log N(x)`, 1e-6);
    } finally {
      tfe.dispose();
    }
  }
  assert.equal(tf.memory().numTensors, before, 'no tensor leak');
});
