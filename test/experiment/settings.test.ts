import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, KMeans } from '../../src/cluster/index.js';
import { settingsOf } from '../../src/experiment/experiment.js';
import { denseArchitectureLabel, n2dDenseTraining } from '../../src/experiment/n2d-autoencoder.js';
import { scaleSettings, type ScaleSettings } from '../../src/experiment/scale.js';
import { formatSetting, identifyRun, namedSettings, type SettingKind, type Settings } from '../../src/experiment/settings.js';

/** The report's K-Means options as notebook 02's config cell writes them. */
const reportKMeans = (s: ScaleSettings) => ({ nClusters: 10, init: 'kmeans++' as const, nInit: s.nInit, maxIter: 300, tol: 1e-4 });
/** A run's settings as the experiment layer records them: read from the estimator, plus the preprocessing. */
const kmeansRun = (options: ConstructorParameters<typeof KMeans>[0], preprocessing = 'none', seed = 3): Settings => ({ ...settingsOf(new KMeans({ ...options, seed })), preprocessing });
const aeTraining = (s: ScaleSettings, extra: Settings = {}): Settings => ({ 'ae.epochs': s.epochs, 'ae.batchSize': 128, 'ae.learningRate': 0.001, 'ae.seed': 0, ...extra });

for (const scale of ['smoke', 'full'] as const) {
  test(`the report's K-Means settings at ${scale} scale are labelled 'report', whatever the seed`, () => {
    const s = scaleSettings(scale);
    for (const seed of [0, 4]) {
      const id = identifyRun('kmeans-raw', kmeansRun(reportKMeans(s), 'none', seed), s, 'report');
      assert.deepEqual(id, { label: 'report', description: "the report's settings", diff: [] });
    }
  });
}

test('k = 5 is a variant of the report\'s settings, described with what differs', () => {
  const s = scaleSettings('smoke');
  const id = identifyRun('kmeans-raw', kmeansRun({ ...reportKMeans(s), nClusters: 5 }), s, 'report');
  assert.equal(id.label, 'variant');
  assert.deepEqual(id.diff, ['k = 5']);
  assert.equal(id.description, "variant of the report's settings: k = 5");
  // The full scale's restarts at smoke scale are a variant too (the scale defines the report's setting).
  const fullRestarts = identifyRun('kmeans-raw', kmeansRun({ ...reportKMeans(s), nInit: 10 }), s, 'report');
  assert.deepEqual([fullRestarts.label, fullRestarts.diff], ['variant', ['nInit = 10']]);
  // Several differences are all listed.
  const two = identifyRun('kmeans-raw', kmeansRun({ ...reportKMeans(s), nClusters: 12, init: 'random' }), s, 'report');
  assert.deepEqual(two.diff, ['k = 12', 'init = random']);
});

test('unit-length preprocessing is the improved setting (whichever intent); a changed improved run is its variant', () => {
  const s = scaleSettings('full');
  const settings = kmeansRun(reportKMeans(s), 'unit-length rows');
  for (const intent of ['improved', 'report'] as SettingKind[]) {
    const id = identifyRun('kmeans-raw', settings, s, intent);
    assert.deepEqual(id, { label: 'improved', description: 'improved: unit-length images (cosine)', diff: [] });
  }
  // And the report's settings run under the 'improved' intent are still the report's.
  assert.equal(identifyRun('kmeans-raw', kmeansRun(reportKMeans(s)), s, 'improved').label, 'report');
  const v = identifyRun('kmeans-raw', kmeansRun({ ...reportKMeans(s), nClusters: 5 }, 'unit-length rows'), s, 'improved');
  assert.equal(v.label, 'variant');
  assert.equal(v.description, 'variant of improved setting (unit-length images (cosine)): k = 5');
});

test('GMM on autoencoder codes: the report\'s settings, the improved one, and an interrupted autoencoder is always a variant', () => {
  const s = scaleSettings('smoke');
  const gmm = (options: ConstructorParameters<typeof GaussianMixture>[0] = {}) => settingsOf(new GaussianMixture({ nComponents: 10, seed: 1, ...options }));
  const report = { ...gmm(), preprocessing: 'none', ...aeTraining(s) };
  assert.equal(identifyRun('ae-gmm', report, s, 'report').label, 'report');
  const improved = { ...gmm({ nInit: 5 }), preprocessing: 'unit-length rows + PCA', pcaComponents: 20, ...aeTraining(s) };
  assert.equal(identifyRun('ae-gmm', improved, s, 'improved').label, 'improved');
  const fewerEpochs = identifyRun('ae-gmm', { ...report, 'ae.epochs': 1 }, s, 'report');
  assert.deepEqual(fewerEpochs.diff, ['autoencoder epochs = 1']);
  const interrupted = identifyRun('ae-gmm', { ...report, 'ae.interruptedAt': 'epoch 1, batch 3' }, s, 'report');
  assert.equal(interrupted.label, 'variant');
  assert.deepEqual(interrupted.diff, ['autoencoder interrupted at = epoch 1, batch 3']);
  assert.match(interrupted.description, /^variant of the report's settings: autoencoder interrupted at = epoch 1, batch 3$/);
  const improvedInterrupted = identifyRun('ae-gmm', { ...improved, 'ae.interruptedAt': 'epoch 2, batch 1' }, s, 'improved');
  assert.equal(improvedInterrupted.label, 'variant');
});

test("N2D on the dense autoencoder's codes is always a variant, named by its architecture and training", () => {
  const s = scaleSettings('full');
  const gmm = settingsOf(new GaussianMixture({ nComponents: 10, seed: 2 }));
  const umap = { preprocessing: 'UMAP', 'umap.nComponents': 10, 'umap.nNeighbors': 20, 'umap.minDist': 0, 'umap.metric': 'euclidean' };
  assert.equal(identifyRun('n2d', { ...gmm, ...umap, ...aeTraining(s) }, s, 'improved').label, 'improved');
  const training = n2dDenseTraining(s);
  const dense = { ...gmm, ...umap, ...aeTraining(s, { 'ae.epochs': training.epochs, 'ae.batchSize': training.batchSize, 'ae.architecture': denseArchitectureLabel(training) }) };
  const id = identifyRun('n2d', dense, s, 'improved');
  assert.equal(id.label, 'variant');
  assert.deepEqual(id.diff, [`autoencoder epochs = ${training.epochs}`, 'autoencoder batch = 256', 'autoencoder = dense 784-500-500-2000-10']);
  assert.equal(id.description, `variant of improved setting (N2D: UMAP to 10-d (20 neighbours, minDist 0), GMM full): autoencoder epochs = ${training.epochs}, autoencoder batch = 256, autoencoder = dense 784-500-500-2000-10`);
  // even with the report's epochs and batch size, another autoencoder is not the report's
  assert.deepEqual(identifyRun('n2d', { ...gmm, ...umap, ...aeTraining(s, { 'ae.architecture': 'dense 784-500-500-2000-10' }) }, s, 'improved').diff, ['autoencoder = dense 784-500-500-2000-10']);
  assert.equal(n2dDenseTraining(scaleSettings('smoke')).epochs, 2);
});

test('an intent the pipeline does not have is a RangeError naming the ones it has', () => {
  const s = scaleSettings('smoke');
  assert.throws(() => identifyRun('n2d', {}, s, 'report'), (err: Error) => err instanceof RangeError && /Pipeline 'n2d' has no 'report' setting; it has 'improved'/.test(err.message));
  assert.throws(() => identifyRun('kmeans-raw', {}, s, 'best' as SettingKind), RangeError);
  assert.throws(() => namedSettings('pca' as never, s), /Unknown pipeline 'pca'/);
});

test('formatSetting uses readable names and short numbers', () => {
  assert.equal(formatSetting('nClusters', 5), 'k = 5');
  assert.equal(formatSetting('covarianceType', 'diag'), 'covariance = diag');
  assert.equal(formatSetting('tol', 1e-4 + 1e-19), 'tol = 0.0001');
  assert.equal(formatSetting('nInit', undefined), 'nInit = (unset)');
});
