/**
 * Boundary suite of the estimators, organised by entry point: every public method that takes data
 * gets the same battery of bad inputs (battery.ts) and must throw the stated error class with a
 * message naming the input, before any value work; methods of an unfitted estimator throw
 * NotFittedError.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { elbow, estimateGaussianParameters, GaussianMixture, informationCriteria, KMeans } from '../../src/cluster/index.js';
import { PCA } from '../../src/decomposition/index.js';
import { ConvAutoencoder } from '../../src/models/index.js';
import { matrix, toMatrix } from '../../src/util/matrix.js';
import { NotFittedError } from '../../src/util/validate.js';
import { badMatrices, badOptions, expectAll, expectAllAsync, goodMatrix } from './battery.js';

const D = 3;
const X = goodMatrix(30, D);
const wrongCols = goodMatrix(5, D + 1);

test('util: matrix() and toMatrix() refuse wrong types and inconsistent sizes', () => {
  assert.throws(() => matrix(new Float64Array(6) as unknown as Float32Array, 2, 3), /matrix: data must be a Float32Array, got a Float64Array/);
  assert.throws(() => matrix(new Float32Array(5), 2, 3), /expected 2 × 3 = 6 values but got 5/);
  expectAll('toMatrix', badMatrices('X', D).filter((c) => !/NaN|Infinity|empty$/.test(c.what)), (v) => toMatrix(v as never));
});

test('KMeans: fit, fitPredict, predict, transform, score refuse the battery; unfitted methods throw NotFittedError', () => {
  expectAll('KMeans.fit', badMatrices('X', D), (v) => new KMeans({ nClusters: 2, nInit: 1 }).fit(v as never));
  expectAll('KMeans.fitPredict', badMatrices('X', D), (v) => new KMeans({ nClusters: 2, nInit: 1 }).fitPredict(v as never));
  const fresh = new KMeans({ nClusters: 2 });
  for (const call of [() => fresh.predict(X), () => fresh.transform(X), () => fresh.score(X), () => fresh.labels, () => fresh.clusterCenters, () => fresh.inertia]) {
    assert.throws(call, (e: Error) => e instanceof NotFittedError && /This KMeans is not fitted yet: call fit\(X\)/.test(e.message));
  }
  const km = new KMeans({ nClusters: 2, nInit: 1, seed: 0 }).fit(X);
  for (const [name, call] of [['predict', (v: unknown) => km.predict(v as never)], ['transform', (v: unknown) => km.transform(v as never)], ['score', (v: unknown) => km.score(v as never)]] as const) {
    expectAll(`KMeans.${name}`, badMatrices('X', D), call);
    assert.throws(() => call(wrongCols), /X has 4 features \(columns\) but this KMeans was fitted on 3/);
  }
});

test('KMeans: options are type- and range-checked, naming the option', () => {
  for (const [name, integer, min] of [['nClusters', true, 1], ['nInit', true, 1], ['maxIter', true, 1], ['tol', false, 0]] as const) {
    expectAll(`KMeans({${name}})`, badOptions(name, { min, integer }), (v) => new KMeans({ nClusters: 2, [name]: v }).fit(X));
  }
  assert.throws(() => new KMeans({ nClusters: 31 }).fit(X), (e: Error) => e instanceof RangeError && /X has 30 rows but nClusters = 31/.test(e.message));
  assert.throws(() => new KMeans({ engine: 'gpu' as never }).fit(X), /engine must be one of 'auto', 'js', 'tfjs', 'native', got 'gpu'/);
  assert.throws(() => new KMeans({ engine: 'ml-kmeans' as never }).fit(X), /engine 'ml-kmeans' was removed: use engine 'js'/);
  assert.throws(() => new KMeans({ engine: 'native' }).fit(X), /KMeans has no 'native' engine; use engine 'auto' or one of: js, tfjs/);
  assert.throws(() => new KMeans({ engine: 3 as never }).fit(X), TypeError);
  assert.throws(() => new KMeans({ init: { data: new Float64Array(6), rows: 2, cols: 3 } as never }).fit(X), (e: Error) => e instanceof TypeError && /init\.data must be a Float32Array/.test(e.message));
  assert.throws(() => new KMeans({ init: goodMatrix(2, 4) }).fit(X), /init: the given centres are 2 × 4 but must be nClusters × n_features = 2 × 3/);
  assert.throws(() => new KMeans({ init: 5 as never }).fit(X), (e: Error) => e instanceof TypeError && /init must be 'kmeans\+\+', 'random' or the centres \(a Matrix or number\[\]\[\]\)/.test(e.message));
  assert.throws(() => elbow(X, { kMax: 31 }), /kMax must be an integer in 1\.\.30/);
  expectAll('elbow', badMatrices('X', D), (v) => elbow(v as never, { kMax: 2 }));
});

test('GaussianMixture: fit and every predict-like method refuse the battery; unfitted methods throw NotFittedError', () => {
  expectAll('GaussianMixture.fit', badMatrices('X', D), (v) => new GaussianMixture({ nComponents: 2 }).fit(v as never));
  const fresh = new GaussianMixture({ nComponents: 2 });
  for (const call of [() => fresh.predict(X), () => fresh.predictProba(X), () => fresh.score(X), () => fresh.scoreSamples(X), () => fresh.bic(X), () => fresh.means, () => fresh.weights]) {
    assert.throws(call, (e: Error) => e instanceof NotFittedError && /GaussianMixture is not fitted yet/.test(e.message));
  }
  const gm = new GaussianMixture({ nComponents: 2, seed: 0 }).fit(X);
  for (const [name, call] of [
    ['predict', (v: unknown) => gm.predict(v as never)], ['predictProba', (v: unknown) => gm.predictProba(v as never)],
    ['scoreSamples', (v: unknown) => gm.scoreSamples(v as never)], ['score', (v: unknown) => gm.score(v as never)],
  ] as const) {
    expectAll(`GaussianMixture.${name}`, badMatrices('X', D), call);
    assert.throws(() => call(wrongCols), /X has 4 features \(columns\) but GaussianMixture was fitted with 3/);
  }
  expectAll('informationCriteria', badMatrices('X', D, { arrays: false }), (v) => informationCriteria(v as never, [1, 2]));
  assert.throws(() => informationCriteria(X, 2 as never), (e: Error) => e instanceof TypeError && /nComponents must be an array of component counts/.test(e.message));
  expectAll('estimateGaussianParameters', badMatrices('X', D).filter((c) => c.what !== 'empty'), (v) => estimateGaussianParameters(v as never, new Float64Array(24)));
});

test('GaussianMixture: options and initial parameters are checked, naming them', () => {
  for (const [name, integer, min] of [['nComponents', true, 1], ['maxIter', true, 0], ['nInit', true, 1], ['regCovar', false, 0], ['tol', false, 0]] as const) {
    expectAll(`GaussianMixture({${name}})`, badOptions(name, { min, integer }), (v) => new GaussianMixture({ nComponents: 2, [name]: v }).fit(X));
  }
  assert.throws(() => new GaussianMixture({ covarianceType: 'fuller' as never }).fit(X), /covarianceType must be one of 'full', 'tied', 'diag', 'spherical', got 'fuller'/);
  assert.throws(() => new GaussianMixture({ nComponents: 2 }).fit(goodMatrix(1, D)), /needs at least 2 rows/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, weightsInit: [1] }).fit(X), /weightsInit must have nComponents = 2 values, got 1/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, weightsInit: [0.2, 0.2] }).fit(X), /weightsInit must sum to 1/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, meansInit: goodMatrix(2, 4) }).fit(X), /meansInit must be nComponents × n_features = 2 × 3, got 2 × 4/);
  assert.throws(() => new GaussianMixture({ nComponents: 2, meansInit: { data: new Float64Array(6), rows: 2, cols: 3 } as never }).fit(X), (e: Error) => e instanceof TypeError && /meansInit\.data must be a Float32Array/.test(e.message));
  assert.throws(() => new GaussianMixture({ nComponents: 2, covarianceType: 'diag', precisionsInit: [1, 1, 1, 1, 1, -1] }).fit(X), /precisionsInit values must be positive/);
});

test('PCA: fit and transform refuse the battery; transform before fit throws NotFittedError', () => {
  expectAll('PCA.fit', badMatrices('X', D, { arrays: false }), (v) => new PCA({ nComponents: 2 }).fit(v as never));
  assert.throws(() => new PCA({ nComponents: 2 }).transform(X), (e: Error) => e instanceof NotFittedError && /PCA is not fitted yet/.test(e.message));
  const pca = new PCA({ nComponents: 2 }).fit(X);
  expectAll('PCA.transform', badMatrices('X', D, { arrays: false }), (v) => pca.transform(v as never));
  assert.throws(() => pca.transform(wrongCols), /X has 4 columns but the PCA was fitted on 3/);
  expectAll('PCA({nComponents})', badOptions('nComponents', { min: 1, integer: true }), (v) => new PCA({ nComponents: v as number }).fit(X));
  assert.throws(() => new PCA({ nComponents: 4 }).fit(X), /nComponents must be an integer in 1\.\.3/);
  assert.throws(() => new PCA({ nComponents: 1 }).fit(goodMatrix(1, D)), /at least 2 rows/);
});

test('ConvAutoencoder: fit, evaluate, encode, reconstruct and decode refuse the battery and 0..255 pixels', async () => {
  const ae = new ConvAutoencoder({ epochs: 1 });
  const img = goodMatrix(2, 784);
  assert.throws(() => ae.encode(img), (e: Error) => e instanceof NotFittedError && /ConvAutoencoder is not fitted yet/.test(e.message));
  assert.throws(() => ae.decode(goodMatrix(1, 128)), NotFittedError);
  const images = badMatrices('images', 784, { arrays: false, n: 3 });
  const bytes = { data: Float32Array.from(img.data, (v) => Math.round(v * 255)), rows: 2, cols: 784 };
  const pixels = [...images,
    { what: '0..255 pixels', value: bytes, error: RangeError, message: /pixels must be in 0\.\.1 \(these look like 0\.\.255 values: divide by 255/ },
    { what: 'wrong width', value: goodMatrix(2, 100), error: RangeError, message: /images must have 784 columns \(one image per row\), got 2 × 100/ },
  ];
  await expectAllAsync('ConvAutoencoder.fit', pixels, (v) => ae.fit(v as never));
  await expectAllAsync('ConvAutoencoder.fit({validation})', pixels.map((c) => ({ ...c, message: new RegExp(c.message.source.replace(/images/g, 'validation')) })),
    (v) => ae.fit(img, { validation: v as never }));
  await ae.build();
  expectAll('ConvAutoencoder.encode', pixels, (v) => ae.encode(v as never));
  expectAll('ConvAutoencoder.reconstruct', pixels, (v) => ae.reconstruct(v as never));
  expectAll('ConvAutoencoder.evaluate', pixels, (v) => ae.evaluate(v as never));
  const codes = badMatrices('codes', 128, { arrays: false, n: 3 });
  expectAll('ConvAutoencoder.decode', [...codes, { what: 'wrong width', value: goodMatrix(1, 64), error: RangeError, message: /codes must have 128 columns \(the code size\)/ }], (v) => ae.decode(v as never));
  expectAll('ConvAutoencoder({epochs})', badOptions('epochs', { min: 1, integer: true }), (v) => new ConvAutoencoder({ epochs: v as number }));
  ae.dispose();
});
