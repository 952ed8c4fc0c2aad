import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ArtifactStore } from '../../src/experiment/artifacts.js';
import { describeScale, describeTraining, estimatedTrainingSeconds, reportScale, scaleSettings } from '../../src/experiment/scale.js';
import { DENSE_TRAINING_MS_PER_1K_IMAGES } from '../../src/experiment/n2d-autoencoder.js';
import { tempDir } from '../helpers/tmp.js';

test('artifacts round-trip per key; a stale key or another scale is a miss, never a wrong value', () => {
  const root = tempDir();
  const store = new ArtifactStore('smoke', root);
  const data = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1));
  store.saveFloat32('codes', 'model-a', data, [3, 4]);
  const back = store.loadFloat32('codes', 'model-a')!;
  assert.deepEqual(back.shape, [3, 4]);
  assert.deepEqual(back.data, data);
  assert.equal(store.loadFloat32('codes', 'model-b'), undefined);
  assert.equal(new ArtifactStore('full', root).loadFloat32('codes', 'model-a'), undefined);
  store.saveJson('labels', 'k', { a: [1, 2] });
  assert.deepEqual(store.loadJson('labels', 'k'), { a: [1, 2] });
});

test('a truncated or corrupt artifact is an error that says to delete it', () => {
  const root = tempDir();
  const store = new ArtifactStore('smoke', root);
  store.saveFloat32('codes', 'k', new Float32Array(8).fill(1.5), [2, 4]);
  writeFileSync(path.join(store.dir, 'codes.f32'), new Uint8Array(12));
  assert.throws(() => store.loadFloat32('codes', 'k'), /has 12 bytes but 32 were written; delete it/);
  writeFileSync(path.join(store.dir, 'bad.json'), '{"key": ');
  assert.throws(() => store.loadJson('bad', 'k'), /corrupt.*delete it/);
  assert.throws(() => store.saveJson('../escape', 'k', 1), /Artifact names/);
  assert.throws(() => store.readJson('bad'), /corrupt.*delete it/);
  writeFileSync(path.join(store.dir, 'keyless.json'), '{"value": 1}');
  assert.throws(() => store.readJson('keyless'), /corrupt \(it records no key\); delete it/);
});

test('readJson: whatever is stored under a name, with its key and time, for a reader that does not know the key', () => {
  const store = new ArtifactStore('smoke', tempDir());
  assert.equal(store.readJson('model'), undefined);
  store.saveJson('model', 'ae-1', { epochs: 3 });
  const stored = store.readJson<{ epochs: number }>('model')!;
  assert.deepEqual([stored.key, stored.value], ['ae-1', { epochs: 3 }]);
  assert.ok(Number.isFinite(Date.parse(stored.savedAt)), stored.savedAt);
  store.saveJson('model', 'ae-2', { epochs: 4 });
  assert.deepEqual(store.readJson('model')!.value, { epochs: 4 }, 'a new save replaces the old one');
  assert.equal(store.loadJson('model', 'ae-1'), undefined);
});

test('REPORT_SCALE selects the scale; anything else is rejected', () => {
  assert.equal(reportScale({}), 'full');
  assert.equal(reportScale({ REPORT_SCALE: 'smoke' }), 'smoke');
  assert.throws(() => reportScale({ REPORT_SCALE: 'tiny' }), /REPORT_SCALE must be 'smoke' or 'full', got 'tiny'/);
  assert.equal(scaleSettings('full').epochs, 50);
  assert.equal(scaleSettings('full').trainImages, 60000);
});

test('describeScale states the scale, its cost (images, epochs, estimated time) and how to switch', () => {
  const full = scaleSettings('full');
  assert.equal(estimatedTrainingSeconds(full, 'wasm'), 1800);
  assert.equal(estimatedTrainingSeconds(full, 'tensorflow'), 600);
  assert.equal(estimatedTrainingSeconds(full, 'unknown-backend'), undefined);
  const text = describeScale(full, { backend: 'wasm', training: { epochs: 50, cached: false } });
  assert.match(text, /Scale 'full' \(the report's\): 60,000 train \/ 10,000 test images/);
  assert.match(text, /trains it for 50 epochs on 60,000 images, about 30m00s on the wasm backend/);
  assert.match(text, /REPORT_SCALE=smoke/);
  const cached = describeScale(scaleSettings('smoke'), { backend: 'wasm', training: { epochs: 2, cached: true } });
  assert.match(cached, /Scale 'smoke' \(small subsets/);
  assert.match(cached, /in the model cache: no training/);
  assert.match(cached, /REPORT_SCALE=full/);
  // another model: its name and its own speeds
  const dense = { epochs: 60, cached: false, name: 'The dense autoencoder', msPer1kImages: DENSE_TRAINING_MS_PER_1K_IMAGES };
  assert.equal(describeTraining(full, { ...dense, backend: 'tensorflow' }),
    'The dense autoencoder is not cached: this notebook trains it for 60 epochs on 60,000 images, about 21m00s on the tensorflow backend (progress shows per batch; ■ interrupts at the end of a batch).');
  assert.equal(describeTraining(full, { ...dense, backend: 'wasm' }), 'The dense autoencoder is not cached: this notebook trains it for 60 epochs on 60,000 images.');
  assert.equal(describeTraining(full, { ...dense, cached: true }), 'The dense autoencoder (60 epochs) is in the model cache: no training.');
});
