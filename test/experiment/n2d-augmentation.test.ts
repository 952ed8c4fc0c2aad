/**
 * N2D's dense autoencoder trained with shift augmentation, as the experiment layer records it:
 * the training's optional `augmentation` reaches the model's options (and cache key) only when set,
 * so the keys of N2D's existing trainings (the protocol's running one included) are unchanged, and
 * runs on augmented codes carry it in `ae.architecture`: a variant apart from the plain model's runs.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { GaussianMixture } from '../../src/cluster/index.js';
import { autoencoderSettings } from '../../src/experiment/autoencoders.js';
import { settingsOf } from '../../src/experiment/experiment.js';
import { denseArchitectureLabel, n2dDenseTraining, N2D_DENSE_AUTOENCODER, type DenseAutoencoderTraining } from '../../src/experiment/n2d-autoencoder.js';
import { scaleSettings } from '../../src/experiment/scale.js';
import { identifyRun, type Settings } from '../../src/experiment/settings.js';

/** A fixed small matrix: the keys below were computed from it on the code before augmentation existed (commit 8837654). */
const rows = 3;
const fixed = { data: Float32Array.from({ length: rows * 784 }, (_, i) => ((i * 37) % 256) / 255), rows, cols: 784 };
/** N2D's protocol training (d-500-500-2000-10, Adam 0.001, batch 256, seed 0; 1,000 epochs, 3 at smoke scale). */
const protocol = (epochs: number): DenseAutoencoderTraining => ({ ...n2dDenseTraining(scaleSettings('full')), epochs });

test("the cache keys of N2D's protocol training are those of before the augmentation option (pinned), and augmentation gives others", () => {
  const full = N2D_DENSE_AUTOENCODER.cacheLocation(fixed, protocol(1000), undefined, '/nonexistent') as { key: string; runDir?: string };
  assert.equal(full.key, 'dense-ae-0ee1610331542950f94a');
  assert.equal(path.basename(full.runDir!), 'dense-ae-run-ae81ff2ab833e18723b7', 'the checkpoint folder of the run');
  assert.equal(N2D_DENSE_AUTOENCODER.cacheLocation(fixed, protocol(3), undefined).key, 'dense-ae-9f33665a7ff6383522c8', 'smoke scale');

  const shifted = N2D_DENSE_AUTOENCODER.cacheLocation(fixed, { ...protocol(1000), augmentation: { maxShift: 2 } }, undefined, '/nonexistent') as { key: string; runDir?: string };
  assert.notEqual(shifted.key, full.key);
  assert.notEqual(path.basename(shifted.runDir!), path.basename(full.runDir!));
  assert.notEqual(N2D_DENSE_AUTOENCODER.cacheLocation(fixed, { ...protocol(1000), augmentation: { maxShift: 1 } }, undefined).key, shifted.key);
});

test('runs on augmented codes record the shifts in ae.architecture: a variant apart from the plain dense model', () => {
  const s = scaleSettings('full');
  const plain = n2dDenseTraining(s);
  const shifted: DenseAutoencoderTraining = { ...plain, augmentation: { maxShift: 2 } };
  assert.equal(denseArchitectureLabel(plain), 'dense 784-500-500-2000-10');
  assert.equal(denseArchitectureLabel(shifted), 'dense 784-500-500-2000-10, shifts ±2 px');
  assert.equal(N2D_DENSE_AUTOENCODER.architecture(shifted, 784), 'dense 784-500-500-2000-10, shifts ±2 px');
  assert.throws(() => denseArchitectureLabel({ ...plain, augmentation: { maxShift: 0 } }), /augmentation.maxShift must be an integer in 1..4, got 0/);

  const gmm = settingsOf(new GaussianMixture({ nComponents: 10, seed: 2 }));
  const umap = { preprocessing: 'UMAP', 'umap.nComponents': 10, 'umap.nNeighbors': 20, 'umap.minDist': 0, 'umap.metric': 'euclidean' };
  const run = (t: DenseAutoencoderTraining): Settings => ({ ...gmm, ...umap, ...autoencoderSettings(t, { architecture: denseArchitectureLabel(t) }) });
  const id = identifyRun('n2d', run(shifted), s, 'improved');
  assert.equal(id.label, 'variant');
  assert.ok(id.diff.includes('autoencoder = dense 784-500-500-2000-10, shifts ±2 px'), id.diff.join(' | '));
  assert.notEqual(run(shifted)['ae.architecture'], run(plain)['ae.architecture'], 'the two runs have different settings');
});
