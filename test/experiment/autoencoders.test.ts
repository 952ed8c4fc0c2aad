/**
 * The autoencoder kinds (issue 20, item 6): one training value names its autoencoder, the report's
 * settings are written once, and the refactoring keeps every cache key, recorded setting and
 * result id of unchanged settings.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AUTOENCODER_DEFAULTS } from '../../src/models/autoencoder.js';
import { cacheLocation, DENSE_AUTOENCODER_KIND, modelCacheLocation } from '../../src/models/cache.js';
import { autoencoderSettings } from '../../src/experiment/autoencoders.js';
import { resultId, stepSettings, prepareStep, runStep } from '../../src/experiment/experiment.js';
import { denseArchitectureLabel, n2dDenseTraining, N2D_DENSE_AUTOENCODER } from '../../src/experiment/n2d-autoencoder.js';
import { AUTOENCODERS, autoencoderOf, type ExperimentData } from '../../src/experiment/pipeline.js';
import { REPORT_AUTOENCODER, reportAutoencoderTraining } from '../../src/experiment/report-autoencoder.js';
import { scaleSettings, SCALES } from '../../src/experiment/scale.js';
import { namedSettings } from '../../src/experiment/settings.js';
import { KMeans } from '../../src/cluster/index.js';
import { createRandom } from '../../src/util/random.js';
import type { Matrix } from '../../src/util/matrix.js';
import { blobs } from './helpers.js';

function randomImages(rows: number, seed: number): Matrix {
  const random = createRandom(seed);
  return { data: Float32Array.from({ length: rows * 784 }, () => random.next()), rows, cols: 784 };
}

test("the report's training is AUTOENCODER_DEFAULTS with the scale's epochs; N2D's is the dense model's defaults", () => {
  for (const scale of ['smoke', 'full'] as const) {
    const s = scaleSettings(scale);
    assert.deepEqual(reportAutoencoderTraining(s), { kind: 'conv', epochs: s.epochs, batchSize: 128, learningRate: 0.001, seed: 0 });
    assert.deepEqual(REPORT_AUTOENCODER.training(s), reportAutoencoderTraining(s));
  }
  assert.equal(AUTOENCODER_DEFAULTS.batchSize, reportAutoencoderTraining().batchSize, 'one definition');
  assert.deepEqual(n2dDenseTraining(scaleSettings('full')), { kind: 'dense', epochs: 60, batchSize: 256, learningRate: 0.001, seed: 0, hiddenSizes: [500, 500, 2000], codeSize: 10 });
  assert.equal(n2dDenseTraining(scaleSettings('smoke')).epochs, 2);
});

test('autoencoderOf: the kind a training names (the conv one when it names none); an unknown kind lists the known ones', () => {
  assert.equal(autoencoderOf(reportAutoencoderTraining()), REPORT_AUTOENCODER);
  assert.equal(autoencoderOf({ epochs: 2, batchSize: 64, learningRate: 0.001, seed: 0 }), REPORT_AUTOENCODER);
  assert.equal(autoencoderOf(n2dDenseTraining()), N2D_DENSE_AUTOENCODER);
  assert.deepEqual(Object.keys(AUTOENCODERS), ['conv', 'dense']);
  assert.throws(() => autoencoderOf({ ...reportAutoencoderTraining(), kind: 'vae' }),
    (err: Error) => err instanceof RangeError && /Unknown autoencoder kind 'vae': expected one of 'conv', 'dense'/.test(err.message));
  assert.throws(() => autoencoderOf({ ...reportAutoencoderTraining(), kind: 'toString' }), RangeError);
});

test('cache keys are the ones the models layer gives for the same options (models trained before stay cached)', () => {
  const images = randomImages(6, 1);
  const validation = randomImages(4, 2);
  const conv = reportAutoencoderTraining(scaleSettings('smoke'));
  const before = cacheLocation(images, { epochs: conv.epochs, batchSize: conv.batchSize, learningRate: conv.learningRate, seed: conv.seed, validation });
  assert.equal(REPORT_AUTOENCODER.cacheLocation(images, conv, validation).key, before.key);
  const { kind: _kind, ...withoutKind } = conv;
  assert.equal(REPORT_AUTOENCODER.cacheLocation(images, withoutKind, validation).key, before.key, 'a training without kind is the same model');
  assert.notEqual(REPORT_AUTOENCODER.cacheLocation(images, { ...conv, epochs: 3 }, validation).key, before.key);
  const dense = n2dDenseTraining(scaleSettings('smoke'));
  const { kind: _dense, ...denseOptions } = dense;
  const denseBefore = modelCacheLocation(DENSE_AUTOENCODER_KIND, images, denseOptions, { validation });
  assert.equal(N2D_DENSE_AUTOENCODER.cacheLocation(images, dense, validation).key, denseBefore.key);
  assert.match(denseBefore.key, /^dense-ae-/);
});

test("recorded autoencoder settings and the named settings' autoencoder part are as before", () => {
  const s = scaleSettings('smoke');
  assert.deepEqual(autoencoderSettings(reportAutoencoderTraining(s)), { 'ae.epochs': 2, 'ae.batchSize': 128, 'ae.learningRate': 0.001, 'ae.seed': 0 });
  const dense = n2dDenseTraining(s);
  assert.deepEqual(Object.entries(autoencoderSettings(dense, { architecture: denseArchitectureLabel(dense), interruptedAt: { epoch: 1, batch: 3 } })), [
    ['ae.epochs', 2], ['ae.batchSize', 256], ['ae.learningRate', 0.001], ['ae.seed', 0],
    ['ae.architecture', 'dense 784-500-500-2000-10'], ['ae.interruptedAt', 'epoch 1, batch 3'],
  ]);
  for (const pipeline of ['ae-kmeans', 'ae-gmm', 'n2d'] as const) {
    for (const named of namedSettings(pipeline, scaleSettings('full'))) {
      const ae = Object.entries(named.params).filter(([k]) => k.startsWith('ae.'));
      assert.deepEqual(ae, [['ae.epochs', 50], ['ae.batchSize', 128], ['ae.learningRate', 0.001]], `${pipeline} ${named.kind}`);
    }
  }
});

test('result ids: pipeline, protocol, improved base and the variant\'s differences, as recorded before', () => {
  const report = { label: 'report', diff: [] } as const;
  assert.equal(resultId('kmeans-raw', 'test', 'report', report), 'kmeans-raw');
  assert.equal(resultId('ae-gmm', 'train', 'report', report), 'ae-gmm-train');
  assert.equal(resultId('n2d', 'all', 'improved', { label: 'improved', diff: [] }), 'n2d-all-improved');
  assert.equal(resultId('kmeans-raw', 'test', 'improved', { label: 'report', diff: [] }), 'kmeans-raw', 'the report\'s settings run under the improved intent');
  assert.equal(resultId('kmeans-raw', 'test', 'report', { label: 'variant', diff: ['k = 5'] }), 'kmeans-raw~k=5');
  assert.equal(resultId('kmeans-raw', 'test', 'improved', { label: 'variant', diff: ['k = 5'] }), 'kmeans-raw-improved~k=5');
  assert.equal(resultId('n2d', 'test', 'improved', { label: 'variant', diff: ['autoencoder batch = 256', 'autoencoder = dense 784-500-500-2000-10'] }),
    'n2d-improved~autoencoderbatch=256,autoencoder=dense784-500-500-2000-10');
  assert.equal(resultId('ae-gmm', 'test', 'report', { label: 'variant', diff: ['autoencoder interrupted at = epoch 1, batch 3'] }),
    'ae-gmm~autoencoderinterruptedat=epoch1,batch3');
});

test('prepare / run / record: each step on its own gives what cluster records', () => {
  const test = blobs(8);
  const train = blobs(10, 1);
  const data: ExperimentData = { train, test, settings: { ...SCALES.smoke, seeds: [4, 5] } };
  const inputs = { train: train.images, test: test.images };
  const prepared = prepareStep(data, { pipeline: 'kmeans-raw', intent: 'report', protocol: 'all', inputs });
  assert.deepEqual([prepared.protocol, prepared.seeds, prepared.labelsTrue.length, prepared.preprocessing.name], ['all', [4, 5], 54, 'none']);
  assert.equal(prepared.inputsFor(4), prepared.inputsFor(5), 'an unseeded preprocessing is fitted once');
  const runs = runStep(prepared, (seed) => new KMeans({ nClusters: 3, nInit: 1, seed, engine: 'js' }));
  assert.deepEqual(runs.map((r) => [r.seed, r.fitSet.rows, r.evaluation.labelsPred.length, r.evaluation.acc]), [[4, 54, 54, 1], [5, 54, 54, 1]]);
  assert.ok(runs.every((r) => r.seconds >= 0));
  const codes = { ...inputs, modelKey: 'ae-x', fromCache: true, training: reportAutoencoderTraining(data.settings) };
  assert.deepEqual(stepSettings(runs[0]!.model, { codes }), {
    estimator: 'KMeans', nClusters: 3, init: 'kmeans++', nInit: 1, maxIter: 300, tol: 1e-4,
    preprocessing: 'none', 'ae.epochs': 2, 'ae.batchSize': 128, 'ae.learningRate': 0.001, 'ae.seed': 0,
  });
  assert.throws(() => prepareStep(data, { pipeline: 'kmeans-raw', intent: 'report', inputs, seeds: [] }), /at least one seed/);
});
