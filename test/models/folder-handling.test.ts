/**
 * A saved model is a plain folder that survives what users do with folders: `mv`, `cp -r`, `tar`
 * (then loaded under the old and the new name, with nothing deleted), and models saved by earlier
 * versions of this package (a link to a version folder) still load, or say clearly what to do.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CHECKSUMS_JSON, loadModel, MODEL_JSON, ModelFileError, readModelArtifacts, saveModel, sha256, WEIGHTS_BIN } from '../../src/models/io.js';
import { initBackend, type TF } from '../../src/tf/backend.js';
import { tempDir } from '../helpers/tmp.js';

let tf: TF;
const root = tempDir('fmnist-folders-');
let saved: string;
let savedSum: string;

before(async () => {
  ({ tf } = await initBackend());
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 3, inputShape: [4], activation: 'relu' })] });
  model.setWeights([tf.randomNormal([4, 3], 0, 1, 'float32', 5), tf.randomNormal([3], 0, 1, 'float32', 6)]);
  saved = path.join(root, 'template');
  await saveModel(model, saved);
  savedSum = await sumOf(saved);
  model.dispose();
});

async function sumOf(dir: string): Promise<string> {
  const { artifacts } = await readModelArtifacts(dir);
  return sha256(new Uint8Array(artifacts.weightData as ArrayBuffer));
}

/** Every path under `dir`, relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

test('mv, cp -r and tar of a saved model: the copy loads under its new name, the original under its old one, nothing is deleted', async () => {
  const dir = path.join(root, 'handling');
  mkdirSync(dir);
  const model = path.join(dir, 'model');
  cpSync(saved, model, { recursive: true });
  assert.ok(lstatSync(model).isDirectory(), 'a plain folder, not a link');

  // mv model keep; the old name is gone, the new one loads, and a later load of the old name deletes nothing
  execFileSync('mv', [model, path.join(dir, 'keep')]);
  assert.equal(await sumOf(path.join(dir, 'keep')), savedSum);
  const afterMv = tree(dir);
  await assert.rejects(loadModel(model), (e: Error) => e instanceof ModelFileError && /No saved model at .*model: model\.json does not exist/.test(e.message));
  assert.deepEqual(tree(dir), afterMv);

  // cp -r to another folder: both load
  mkdirSync(path.join(root, 'elsewhere'));
  execFileSync('cp', ['-r', path.join(dir, 'keep'), path.join(root, 'elsewhere', 'copy')]);
  assert.equal(await sumOf(path.join(root, 'elsewhere', 'copy')), savedSum);
  assert.equal(await sumOf(path.join(dir, 'keep')), savedSum);

  // tar, then unpack somewhere else: loads; and a save into the unpacked copy leaves the original alone
  const archive = path.join(root, 'model.tar');
  execFileSync('tar', ['-cf', archive, '-C', dir, 'keep']);
  const unpacked = path.join(root, 'unpacked');
  mkdirSync(unpacked);
  execFileSync('tar', ['-xf', archive, '-C', unpacked]);
  assert.equal(await sumOf(path.join(unpacked, 'keep')), savedSum);
  const m = await loadModel(path.join(unpacked, 'keep'));
  m.setWeights(m.getWeights().map((w) => tf.add(w, 1)));
  await saveModel(m, path.join(unpacked, 'keep'));
  m.dispose();
  assert.notEqual(await sumOf(path.join(unpacked, 'keep')), savedSum);
  assert.equal(await sumOf(path.join(dir, 'keep')), savedSum);
  assert.deepEqual(tree(dir), afterMv);
});

/** A model as earlier versions of this package saved it: `<dir>/model` a link to `<dir>/model.v-…` (model.json, weights.bin, checksums.json). */
function earlierFormat(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const version = path.join(dir, 'model.v-4242-1700000000000-abc');
  mkdirSync(version);
  const { integrity: _, ...json } = JSON.parse(readFileSync(path.join(saved, MODEL_JSON), 'utf8'));
  const weights = readFileSync(path.join(saved, json.weightsManifest[0].paths[0]));
  json.weightsManifest[0].paths = [WEIGHTS_BIN];
  const text = JSON.stringify(json);
  writeFileSync(path.join(version, MODEL_JSON), text);
  writeFileSync(path.join(version, WEIGHTS_BIN), weights);
  writeFileSync(path.join(version, CHECKSUMS_JSON), JSON.stringify({ algorithm: 'sha256', files: { [MODEL_JSON]: sha256(text), [WEIGHTS_BIN]: sha256(weights) } }));
  symlinkSync(path.basename(version), path.join(dir, 'model'));
  return path.join(dir, 'model');
}

test('models saved by earlier versions (a link to a version folder) still load, verified by their checksums.json; moved links too, and nothing is deleted', async () => {
  const dir = path.join(root, 'earlier');
  const link = earlierFormat(dir);
  assert.equal(await sumOf(link), savedSum);
  // the move that used to destroy the model: mv model keep, then load model (gone) and keep
  renameSync(link, path.join(dir, 'keep'));
  const before = tree(dir);
  await assert.rejects(loadModel(link), /model\.json does not exist/);
  assert.equal(await sumOf(path.join(dir, 'keep')), savedSum);
  assert.deepEqual(tree(dir), before, 'nothing deleted');
  // its checksums still guard it
  const version = path.join(dir, 'model.v-4242-1700000000000-abc');
  const text = readFileSync(path.join(version, MODEL_JSON), 'utf8');
  writeFileSync(path.join(version, MODEL_JSON), text.replace('"relu"', '"tanh"'));
  await assert.rejects(loadModel(path.join(dir, 'keep')), /model\.json does not match the SHA-256 recorded in checksums\.json/);
  writeFileSync(path.join(version, MODEL_JSON), text);
  // saving over it writes the plain-folder format into the folder the link points to
  const m = await loadModel(path.join(dir, 'keep'));
  await saveModel(m, path.join(dir, 'keep'));
  m.dispose();
  assert.deepEqual(readdirSync(version).filter((n) => !n.startsWith('weights.')), [MODEL_JSON]);
  assert.equal((await readModelArtifacts(path.join(dir, 'keep'))).verifiedBy, 'model.json');
});

test('an earlier-format link copied without its version folder (cp -r, tar) is refused with what to do', async () => {
  const dir = path.join(root, 'dangling');
  const link = earlierFormat(path.join(dir, 'src'));
  mkdirSync(path.join(dir, 'dst'));
  execFileSync('cp', ['-r', link, path.join(dir, 'dst', 'model')]); // cp -r copies the link itself
  await assert.rejects(loadModel(path.join(dir, 'dst', 'model')), (e: Error) => e instanceof ModelFileError &&
    /is a symbolic link to model\.v-4242-1700000000000-abc, which does not exist\. Earlier versions of this package saved a model as a link .*Copy the folder it pointed to with the link resolved \(cp -rL\), or save the model again/.test(e.message));
  // cp -rL gives a plain folder that loads, verified by the checksums.json it carries
  execFileSync('cp', ['-rL', link, path.join(dir, 'dst', 'resolved')]);
  assert.equal(await sumOf(path.join(dir, 'dst', 'resolved')), savedSum);
  assert.equal((await readModelArtifacts(path.join(dir, 'dst', 'resolved'))).verifiedBy, 'checksums.json');
});

test('an edited model.json, or one whose integrity record was removed, is refused by every load', async () => {
  const dir = path.join(root, 'edited');
  cpSync(saved, dir, { recursive: true });
  const file = path.join(dir, MODEL_JSON);
  const good = readFileSync(file, 'utf8');
  assert.match(good, /"activation":"relu"/);
  writeFileSync(file, good.replace('"activation":"relu"', '"activation":"tanh"'));
  await assert.rejects(loadModel(dir), (e: Error) => e instanceof ModelFileError &&
    /model\.json was changed after it was saved: its content no longer matches the SHA-256 recorded in it .* it is not used\. Delete the folder and save \(or train\) the model again\./.test(e.message));
  const json = JSON.parse(good);
  delete json.integrity;
  writeFileSync(file, JSON.stringify(json));
  await assert.rejects(loadModel(dir), /records no SHA-256 of the model's files/);
  // unless explicitly trusted (files from another tool), then re-saved, which records the checksums again
  const m = await loadModel(dir, { trustUnverified: true });
  await saveModel(m, dir);
  m.dispose();
  assert.equal(await sumOf(dir), savedSum);
});
