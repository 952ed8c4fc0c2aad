/**
 * Large- and tiny-magnitude data on the float32 TF.js engines: the answer must be the float64
 * engine's (the issue: rows of norm ≳ 1e19 gave NMI 0.03 or one cluster with converged = true on
 * K-Means' tfjs engine, and a singular-covariance error from the GMM's).
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, KMeans } from '../../src/cluster/index.js';
import { float32SafeScale } from '../../src/linalg/index.js';
import { nmi } from '../../src/metrics/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { blobs } from './helpers.js';

before(async () => { await initBackend(); });

/** Per-value magnitudes: rows of 20 values ≈ 10·m each, so row norms ≈ 45·m. */
const MAGNITUDES = [2e17 /* row norm ≈ 1e19 */, 3e18, 1e30, 3e36, 1e-20, 1e-38];

test('float32SafeScale leaves ordinary data alone and brings extreme data to [1, 2) by a power of two', () => {
  assert.equal(float32SafeScale(Float32Array.of(0, 255, -3)), 1);
  assert.equal(float32SafeScale(Float32Array.of(0, 0)), 1);
  for (const m of [3e19, 1e-25, 3.4e38, 1e-44]) {
    const s = float32SafeScale(Float32Array.of(Math.fround(m), 1e-45));
    assert.equal(Math.log2(s), Math.round(Math.log2(s)), 'a power of two');
    assert.ok(Math.fround(m) * s >= 1 && Math.fround(m) * s < 2, `${m} → ${Math.fround(m) * s}`);
  }
});

test('KMeans on the tfjs engine finds the exact clusters at every magnitude, like the float64 engine', () => {
  for (const m of MAGNITUDES) {
    const { x, labels } = blobs(400, 20, 4, m);
    const exact = new KMeans({ nClusters: 4, nInit: 2, seed: 0, engine: 'js' }).fit(x);
    for (const algorithm of ['lloyd', 'hamerly'] as const) {
      const km = new KMeans({ nClusters: 4, nInit: 2, seed: 0, engine: 'tfjs', algorithm }).fit(x);
      assert.equal(nmi(labels, km.labels), 1, `magnitude ${m} ${algorithm}`);
      assert.deepEqual(km.labels, exact.labels, `magnitude ${m} ${algorithm}`);
      assert.ok(Math.abs(km.inertia / exact.inertia - 1) < 1e-6, `inertia ${km.inertia} vs ${exact.inertia}`);
      assert.ok(km.clusterCenters.data.every(Number.isFinite));
      assert.deepEqual(km.predict(x), exact.labels);
      const t = km.transform(x);
      assert.ok(t.data.every(Number.isFinite), `transform at ${m}`);
    }
  }
});

test('GaussianMixture on the tfjs engine agrees with the float64 engine at every magnitude and covariance type', () => {
  for (const m of MAGNITUDES) {
    const { x, labels } = blobs(300, 6, 3, m);
    for (const covarianceType of ['full', 'tied', 'diag', 'spherical'] as const) {
      const exact = new GaussianMixture({ nComponents: 3, covarianceType, seed: 0, engine: 'js' }).fit(x);
      const gm = new GaussianMixture({ nComponents: 3, covarianceType, seed: 0, engine: 'tfjs' }).fit(x);
      const what = `magnitude ${m} ${covarianceType}`;
      assert.deepEqual(gm.predict(x), exact.predict(x), what);
      // regCovar (1e-6) dominates the variances of tiny data, exactly as in scikit-learn; large data must cluster exactly
      if (m > 1) assert.equal(nmi(labels, gm.predict(x)), 1, what);
      assert.ok(Math.abs(gm.lowerBound - exact.lowerBound) < 1e-4 * Math.max(1, Math.abs(exact.lowerBound)), `${what}: ${gm.lowerBound} vs ${exact.lowerBound}`);
      const mu = gm.means64, mu0 = exact.means64;
      for (let i = 0; i < mu.length; i++) assert.ok(Math.abs(mu[i]! - mu0[i]!) <= 1e-4 * Math.abs(m) * 10, `${what} mean ${i}`);
      const cov = gm.covariances, cov0 = exact.covariances;
      for (let i = 0; i < cov.length; i++) assert.ok(Math.abs(cov[i]! / cov0[i]! - 1) < 1e-2 || Math.abs(cov[i]! - cov0[i]!) < 1e-3 * m * m + 1e-9, `${what} cov ${i}: ${cov[i]} vs ${cov0[i]}`);
    }
  }
});
