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
