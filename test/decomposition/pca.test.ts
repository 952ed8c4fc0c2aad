import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { PCA } from '../../src/decomposition/index.js';
import { NotFittedError } from '../../src/util/validate.js';

interface Case { n: number; d: number; k: number; whiten: boolean; X: number[]; Y: number[]; components: number[]; explainedVariance: number[]; explainedVarianceRatio: number[]; mean: number[]; transformY: number[] }
const fixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'pca_nd.json'), 'utf8')) as { cases: Case[] };

const close = (a: number, b: number, rel: number, what: string) =>
  assert.ok(Math.abs(a - b) <= rel * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);

test('PCA equals scikit-learn (components up to sign, variances, transform) on random correlated data', () => {
  for (const c of fixture.cases) {
    const pca = new PCA({ nComponents: c.k, whiten: c.whiten }).fit({ data: Float32Array.from(c.X), rows: c.n, cols: c.d });
    const comps = pca.components.data;
    const signs: number[] = [];
    for (let i = 0; i < c.k; i++) {
      let dot = 0;
      for (let j = 0; j < c.d; j++) dot += comps[i * c.d + j]! * c.components[i * c.d + j]!;
      signs.push(Math.sign(dot));
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-5, `case d=${c.d}: component ${i} |cos| = ${Math.abs(dot)}`);
      close(pca.explainedVariance[i]!, c.explainedVariance[i]!, 1e-5, `variance ${i}`);
      close(pca.explainedVarianceRatio[i]!, c.explainedVarianceRatio[i]!, 1e-5, `ratio ${i}`);
    }
    pca.mean.forEach((m, j) => close(m, c.mean[j]!, 1e-6, `mean ${j}`));
    const t = pca.transform({ data: Float32Array.from(c.Y), rows: 7, cols: c.d });
    for (let r = 0; r < 7; r++) for (let i = 0; i < c.k; i++) close(t.data[r * c.k + i]! * signs[i]!, c.transformY[r * c.k + i]!, 1e-4, `transform ${r},${i}`);
  }
});

test('PCA rejects bad input and use before fit', () => {
  const X = { data: Float32Array.from({ length: 30 }, (_, i) => Math.sin(i)), rows: 10, cols: 3 };
  assert.throws(() => new PCA({ nComponents: 4 }).fit(X), /nComponents must be an integer in 1\.\.3, got 4/);
  assert.throws(() => new PCA({ nComponents: 1 }).transform(X), NotFittedError);
  assert.throws(() => new PCA({ nComponents: 2 }).fit(X).transform({ data: new Float32Array(4), rows: 1, cols: 4 }), /4 columns but the PCA was fitted on 3/);
  const bad = { ...X, data: X.data.slice() };
  bad.data[7] = NaN;
  assert.throws(() => new PCA({ nComponents: 1 }).fit(bad), /NaN at row 2, column 1/);
});

interface OffsetCase { rows: number; cols: number; X: number[]; mean: number[]; components: number[]; explainedVariance: number[] }
const floorFixture = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'floor.json'), 'utf8')) as { pcaOffset: OffsetCase };

test('PCA of float32 UTM-like data around 3e6 equals scikit-learn on every engine (the data is centred before any product)', async () => {
  const c = floorFixture.pcaOffset;
  const X = { data: Float32Array.from(c.X), rows: c.rows, cols: c.cols };
  const { initBackend } = await import('../../src/tf/backend.js');
  await initBackend();
  for (const engine of ['js', 'tfjs'] as const) {
    const pca = new PCA({ nComponents: 3, engine }).fit(X);
    assert.equal(pca.engineUsed, engine);
    assert.equal(pca.converged, true);
    assert.ok(pca.nIter >= 1);
    for (let i = 0; i < 3; i++) {
      const rel = Math.abs(pca.explainedVariance[i]! - c.explainedVariance[i]!) / c.explainedVariance[i]!;
      assert.ok(rel <= 1e-3, `[${engine}] variance ${i}: ${pca.explainedVariance[i]} vs scikit-learn ${c.explainedVariance[i]}`);
      let dot = 0;
      for (let j = 0; j < 3; j++) dot += pca.components.data[i * 3 + j]! * c.components[i * 3 + j]!;
      assert.ok(Math.abs(Math.abs(dot) - 1) < 1e-4, `[${engine}] component ${i}: |cos| = ${Math.abs(dot)}`);
    }
  }
});

test('PCA reports converged = false and nIter with a ConvergenceWarning naming the remedy when maxIter is too small', async () => {
  // 12 columns with decaying variances: the 6-vector subspace needs several iterations.
  const rng = (await import('../../src/util/random.js')).createRandom(3);
  const d = 12;
  const X = { data: Float32Array.from({ length: 200 * d }, (_, i) => (1 + (i % d)) * rng.normal() + 1e4), rows: 200, cols: d };
  const warnings: string[] = [];
  const onWarning = (w: Error): void => { warnings.push(`${w.name}: ${w.message}`); };
  process.on('warning', onWarning);
  try {
    const pca = new PCA({ nComponents: 2, maxIter: 1, engine: 'js' }).fit(X);
    await new Promise((r) => setImmediate(r));
    assert.equal(pca.converged, false);
    assert.equal(pca.nIter, 1);
  } finally {
    process.off('warning', onWarning);
  }
  assert.ok(warnings.some((w) => /ConvergenceWarning: PCA did not converge in maxIter = 1 iterations\. Increase maxIter/.test(w)), warnings.join('; '));
  assert.throws(() => new PCA({ nComponents: 1, engine: 'native' }).fit(X), /covariance has no 'native' engine/);
  assert.throws(() => new PCA({ nComponents: 1, engine: 'gpu' as never }).fit(X), /engine must be one of 'auto', 'js', 'tfjs', 'native', got 'gpu'/);
  assert.throws(() => new PCA({ nComponents: 1 }).converged, NotFittedError);
});
