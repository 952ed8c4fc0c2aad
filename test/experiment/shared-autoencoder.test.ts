/**
 * Issue 20's "Done when": after an edit of 03's training, 04/05/07 use the model 03 trained. Notebook
 * 03 records which autoencoder it trained; the others read that record instead of their own config.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans } from '../../src/cluster/index.js';
import { stratifiedSubset } from '../../src/data/index.js';
import { ArtifactStore } from '../../src/experiment/artifacts.js';
import { Experiment } from '../../src/experiment/experiment.js';
import { autoencoderCodes, isAutoencoderCached, trainedAutoencoder, type ExperimentData } from '../../src/experiment/pipeline.js';
import { reportAutoencoderTraining } from '../../src/experiment/report-autoencoder.js';
import { ResultStore } from '../../src/experiment/results.js';
import { SCALES, type ScaleSettings } from '../../src/experiment/scale.js';
import { SHARED_AUTOENCODER_ARTIFACT, shareAutoencoder, sharedAutoencoderTraining } from '../../src/experiment/shared-autoencoder.js';
import { initBackend } from '../../src/tf/backend.js';
import { CACHE_ENV } from '../../src/util/paths.js';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { fashionTestSplit } from '../helpers/fmnist.js';
import { tempDir } from '../helpers/tmp.js';
import { blobs } from './helpers.js';

const SMOKE: ScaleSettings = SCALES.smoke;

function toyData(): ExperimentData {
  return { train: blobs(10, 1), test: blobs(8), settings: SMOKE };
}

test('before notebook 03 has run at a scale: the report\'s settings, saying to run 03 first', () => {
  const store = new ArtifactStore('smoke', tempDir());
  const shared = sharedAutoencoderTraining(SMOKE, { store });
  assert.deepEqual({ ...shared, source: undefined }, { ...reportAutoencoderTraining(SMOKE), source: undefined });
  assert.equal(shared.modelKey, undefined);
  assert.match(shared.source, /^the report's settings: notebook 03-autoencoder has not trained an autoencoder at scale 'smoke' yet; run 03-autoencoder first/);
});

test('03 records the training and the model it trained; 04/05/07 read exactly that (per scale)', () => {
  const root = tempDir();
  const store = new ArtifactStore('smoke', root);
  const data = toyData();
  const edited = { ...reportAutoencoderTraining(SMOKE), epochs: 7 };
  const record = shareAutoencoder(data, { training: edited, key: 'ae-0123', interrupted: undefined }, { store });
  assert.deepEqual(record, { training: edited, modelKey: 'ae-0123', notebook: '03-autoencoder', trainImages: 30, testImages: 24 });
  const shared = sharedAutoencoderTraining(SMOKE, { store });
  assert.deepEqual({ ...shared, source: '' }, { ...edited, modelKey: 'ae-0123', source: '' });
  assert.match(shared.source, /^notebook 03-autoencoder \(recorded \d{4}-\d\d-\d\d \d\d:\d\d UTC\)$/);
  assert.match(sharedAutoencoderTraining(SCALES.full, { store: new ArtifactStore('full', root) }).source, /has not trained an autoencoder at scale 'full'/);

  // Recording a training read from the record keeps only the settings.
  const again = shareAutoencoder(data, { training: shared, key: 'ae-0123', interrupted: undefined }, { store });
  assert.deepEqual(again.training, edited);

  // An interrupted training is recorded with its settings: the next notebook trains that model.
  shareAutoencoder(data, { training: { ...edited, epochs: 20 }, key: 'ae-4567', interrupted: { epoch: 4, batch: 2, batches: 24 } }, { store });
  const interrupted = sharedAutoencoderTraining(SMOKE, { store });
  assert.deepEqual([interrupted.epochs, interrupted.modelKey], [20, 'ae-4567']);
  assert.match(interrupted.source, /its training was interrupted at epoch 4\/20, so the model is not cached and this notebook trains it$/);

  writeFileSync(path.join(store.dir, `${SHARED_AUTOENCODER_ARTIFACT}.json`), JSON.stringify({ key: 'ae-1', value: { notebook: '03' } }));
  assert.throws(() => sharedAutoencoderTraining(SMOKE, { store }), /shared-autoencoder in .* is corrupt \(no autoencoder training\); delete it and run 03-autoencoder again/);
});

test('a shared training whose model is not the one these images give is refused before any training', async () => {
  const data = toyData();
  const shared = { ...reportAutoencoderTraining(SMOKE), modelKey: 'ae-00000000000000000000', source: 'notebook 03-autoencoder (recorded …)' };
  let progress = 0;
  await assert.rejects(trainedAutoencoder(data, shared, () => progress++), (err: Error) =>
    err instanceof RangeError &&
    /^The autoencoder settings name model ae-00000000000000000000 \(notebook 03-autoencoder \(recorded …\)\), but on this notebook's images \(30 train \/ 24 test at scale 'smoke'\) they give model ae-[0-9a-f]{20}: notebook 03-autoencoder trained it on other images/.test(err.message) &&
    /Edit the autoencoder in 03-autoencoder's config cell and run 03-autoencoder again, then rerun this notebook\.$/.test(err.message));
  assert.equal(progress, 0);
});

test('Done when: after an edit of 03\'s training, 04 clusters the codes of the model 03 trained, recorded with its settings', { timeout: 5 * 60_000 }, async (t) => {
  const all = await fashionTestSplit();
  if (!all) return t.skip('Fashion-MNIST not installed (see src/data)');
  await initBackend();
  const root = tempDir();
  const previous = process.env[CACHE_ENV];
  process.env[CACHE_ENV] = root;
  t.after(() => (previous === undefined ? delete process.env[CACHE_ENV] : (process.env[CACHE_ENV] = previous)));
  const settings: ScaleSettings = { ...SMOKE, trainImages: 400, testImages: 200, nInit: 1, seeds: [0] };
  const data: ExperimentData = { train: stratifiedSubset(all, 400, 1), test: stratifiedSubset(all, 200, 0), settings };
  const artifacts = new ArtifactStore('smoke', root);

  // Notebook 03, its config cell edited: one epoch instead of the scale's two.
  const config03 = { autoencoder: { ...reportAutoencoderTraining(settings), epochs: 1 } };
  const trained = await trainedAutoencoder(data, config03.autoencoder);
  assert.equal(trained.fromCache, false);
  shareAutoencoder(data, trained, { store: artifacts });
  trained.model.dispose();

  // Notebook 04's config cell and codes cell, unedited.
  const config04 = { autoencoder: sharedAutoencoderTraining(settings, { store: artifacts }) };
  assert.equal(config04.autoencoder.epochs, 1);
  assert.equal(config04.autoencoder.modelKey, trained.key);
  assert.equal(isAutoencoderCached(data, config04.autoencoder), true, "03's model is in the cache: 04 trains nothing");
  assert.equal(isAutoencoderCached(data, reportAutoencoderTraining(settings)), false, "the report's two-epoch model (what 04 used before) was never trained");
  let progress = 0;
  const codes = await autoencoderCodes(data, config04.autoencoder, { store: artifacts, onProgress: () => progress++ });
  assert.equal(progress, 0, 'no training ran');
  assert.equal(codes.modelKey, trained.key);

  const exp = new Experiment('04-ae-kmeans', data, { store: new ResultStore({ scale: 'smoke', root }) });
  const run = exp.cluster({ pipeline: 'ae-kmeans', intent: 'report', codes, make: (seed) => new KMeans({ nClusters: 10, init: 'kmeans++', nInit: 1, maxIter: 300, tol: 1e-4, seed }) });
  assert.equal(run.result.settings['ae.epochs'], 1);
  assert.equal(run.result.label, 'variant');
  assert.deepEqual(run.result.diff, ['autoencoder epochs = 1']);
  assert.equal(run.result.id, 'ae-kmeans~autoencoderepochs=1');
});
