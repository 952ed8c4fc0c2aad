import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import type { io } from '@tensorflow/tfjs';
import { ConvAutoencoder, loadModel, ModelFileError, readModelArtifacts, saveModel, sha256 } from '../../src/models/index.js';
import { initBackend } from '../../src/tf/backend.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData } from './helpers.js';

/**
 * What tfjs-node's `file://` handler writes (NodeFileSystem.save in tfjs-node/src/io/file_system.ts,
 * v4.22): model.json = JSON.stringify({ modelTopology, weightsManifest: [{ paths: ['weights.bin'],
 * weights: weightSpecs }], format, generatedBy, convertedBy }) plus trainingConfig / signature /
 * userDefinedMetadata when present; weights.bin = the raw weight data.
 */
function tfjsNodeSave(artifacts: io.ModelArtifacts, dir: string, shards = 1): void {
  mkdirSync(dir, { recursive: true });
  const data = new Uint8Array(artifacts.weightData as ArrayBuffer);
  const paths = shards === 1 ? ['weights.bin'] : Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  const step = Math.ceil(data.length / shards);
  paths.forEach((p, i) => writeFileSync(path.join(dir, p), data.subarray(i * step, (i + 1) * step)));
  const modelJSON: Record<string, unknown> = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths, weights: artifacts.weightSpecs }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.userDefinedMetadata != null) modelJSON['userDefinedMetadata'] = artifacts.userDefinedMetadata;
  writeFileSync(path.join(dir, 'model.json'), JSON.stringify(modelJSON), 'utf8');
}

/** What tfjs-node's `file://` loader does with a model.json: parse, concatenate the weight files in manifest order. */
function tfjsNodeLoad(jsonPath: string): io.ModelArtifacts {
  const modelJSON = JSON.parse(readFileSync(jsonPath, 'utf8'));
  const buffers: Buffer[] = [];
  const weightSpecs: io.WeightsManifestEntry[] = [];
  for (const group of modelJSON.weightsManifest) {
    for (const p of group.paths) buffers.push(readFileSync(path.join(path.dirname(jsonPath), p)));
    weightSpecs.push(...group.weights);
  }
  const all = Buffer.concat(buffers);
  return {
    modelTopology: modelJSON.modelTopology, format: modelJSON.format, generatedBy: modelJSON.generatedBy,
    convertedBy: modelJSON.convertedBy, weightSpecs,
    weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
  };
}

async function trained(): Promise<ConvAutoencoder> {
  const { train } = await smallData();
  return new ConvAutoencoder({ epochs: 1, batchSize: 64, seed: 4 }).fit(head(train, 128));
}

test('save → load gives identical predictions, codes and history; the files are the tfjs-node format', async () => {
  const dir = path.join(tempDir(), 'ae');
  const { val } = await smallData();
  const ae = await trained();
  await ae.save(dir);
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 2);
  assert.equal(files[0], 'model.json');
  assert.match(files[1]!, /^weights\.[0-9a-f]{16}\.bin$/);
  const json = JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8'));
  assert.deepEqual(Object.keys(json), ['modelTopology', 'weightsManifest', 'format', 'generatedBy', 'convertedBy', 'userDefinedMetadata', 'integrity']);
  assert.equal(json.integrity.algorithm, 'sha256');
  assert.equal(json.integrity.files[files[1]!], sha256(readFileSync(path.join(dir, files[1]!))));
  assert.equal(json.format, 'layers-model');
  assert.match(json.generatedBy, /^TensorFlow\.js tfjs-layers v4\.22\.0$/);
  assert.equal(json.weightsManifest.length, 1);
  assert.deepEqual(json.weightsManifest[0].paths, [files[1]]);
  assert.deepEqual(json.weightsManifest[0].weights.map((w: { name: string }) => w.name).slice(0, 2), ['conv2d/kernel', 'conv2d/bias']);
  assert.equal(readFileSync(path.join(dir, files[1]!)).length, 4385 * 4);

  const loaded = await ConvAutoencoder.load(dir);
  assert.deepEqual(loaded.reconstruct(val).data, ae.reconstruct(val).data);
  assert.deepEqual(loaded.encode(val).data, ae.encode(val).data);
  assert.equal(loaded.codeSize, 128);
  assert.deepEqual(loaded.history, ae.history);
  assert.deepEqual(loaded.options, ae.options);
  // a loaded model can keep training
  await loaded.fit(head(val, 64));
  assert.equal(loaded.history.length, 2);
  ae.dispose();
  loaded.dispose();
});

test('files written the way tfjs-node writes them (also sharded) are refused unverified, load when trusted, and ours load the way tfjs-node loads', async () => {
  const root = tempDir();
  const { tf } = await initBackend();
  const { val } = await smallData();
  const ae = await trained();
  let artifacts: io.ModelArtifacts | undefined;
  await ae.autoencoder.save(tf.io.withSaveHandler(async (a) => { artifacts = a; return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }; }));
  const expected = ae.reconstruct(val).data;
  for (const shards of [1, 3]) {
    const dir = path.join(root, `node-${shards}`);
    tfjsNodeSave(artifacts!, dir, shards);
    // no checksums: refused, with how to re-save
    await assert.rejects(ConvAutoencoder.load(dir), (e: Error) => e instanceof ModelFileError &&
      /records no SHA-256 of the model's files .* it is refused\. If you trust these files, load them once with `loadModel\(dir, \{ trustUnverified: true \}\)`.* save the model again/.test(e.message));
    const viaDir = await ConvAutoencoder.load(dir, { trustUnverified: true });
    assert.deepEqual(viaDir.reconstruct(val).data, expected);
    viaDir.dispose();
    const model = await loadModel(path.join(dir, 'model.json'), { trustUnverified: true });
    // re-saved by this package: verified from then on, the foreign weight files replaced
    await saveModel(model, dir);
    model.dispose();
    assert.deepEqual(readdirSync(dir).filter((n) => !/^weights\.[0-9a-f]{16}\.bin$/.test(n)), ['model.json']);
    (await loadModel(dir)).dispose();
  }
  // our files through tfjs-node's loading logic
  const ours = path.join(root, 'ours');
  await saveModel(ae.autoencoder, ours);
  const viaNode = await tf.loadLayersModel(tf.io.fromMemory(tfjsNodeLoad(path.join(ours, 'model.json'))));
  const x = tf.tensor4d(val.data.slice(0, 784 * 8), [8, 28, 28, 1]);
  const y = viaNode.predict(x) as import('@tensorflow/tfjs').Tensor;
  assert.deepEqual(Array.from(y.dataSync()), Array.from(expected.subarray(0, 784 * 8)));
  tf.dispose([x, y]);
  viaNode.dispose();
  // tfjs-node's model.json but for the weight file's name and our integrity record; the same weight bytes
  const nodeDir = path.join(root, 'node-ref');
  tfjsNodeSave(artifacts!, nodeDir);
  const { integrity, ...oursJson } = JSON.parse(readFileSync(path.join(ours, 'model.json'), 'utf8'));
  const weightsName = oursJson.weightsManifest[0].paths[0];
  oursJson.weightsManifest[0].paths = ['weights.bin'];
  assert.equal(JSON.stringify(oursJson), readFileSync(path.join(nodeDir, 'model.json'), 'utf8'));
  assert.deepEqual(Object.keys(integrity.files), [weightsName]);
  assert.deepEqual(readFileSync(path.join(ours, weightsName)), readFileSync(path.join(nodeDir, 'weights.bin')));
  ae.dispose();
});

test('saving over an existing model replaces it in place, keeps files the format does not own, and leaves nothing beside it', async () => {
  const root = tempDir();
  const dir = path.join(root, 'm');
  const ae = await trained();
  await ae.save(dir);
  const first = readdirSync(dir).sort();
  writeFileSync(path.join(dir, 'notes.txt'), 'mine');
  await ae.fit(head((await smallData()).val, 64));
  await ae.save(dir);
  const files = readdirSync(dir).sort();
  assert.equal(files.length, 3);
  assert.deepEqual(files.filter((n) => !n.startsWith('weights.')), ['model.json', 'notes.txt']);
  assert.notDeepEqual(files, first, 'new weights, new content name');
  assert.deepEqual(readdirSync(root), ['m']);
  assert.equal(statSync(dir).isDirectory() && !lstatSync(dir).isSymbolicLink(), true);
  ae.dispose();
});

test('missing, truncated or malformed files are named in a ModelFileError', async () => {
  const root = tempDir();
  await assert.rejects(readModelArtifacts(path.join(root, 'nothing')), (e: Error) =>
    e instanceof ModelFileError && /No saved model at .*nothing: model.json does not exist/.test(e.message));

  const ae = await trained();
  const truncated = path.join(root, 'truncated');
  await ae.save(truncated);
  const weightsOf = (d: string) => path.join(d, readdirSync(d).find((n) => n.startsWith('weights.'))!);
  truncateSync(weightsOf(truncated), 1000);
  await assert.rejects(ConvAutoencoder.load(truncated), (e: Error) =>
    e instanceof ModelFileError && e.message.includes(weightsOf(truncated)) && /does not match the SHA-256 recorded in model.json when it was saved/.test(e.message));

  const badJson = path.join(root, 'badjson');
  await ae.save(badJson);
  const text = readFileSync(path.join(badJson, 'model.json'), 'utf8');
  writeFileSync(path.join(badJson, 'model.json'), text.slice(0, text.length / 2));
  await assert.rejects(ConvAutoencoder.load(badJson), (e: Error) =>
    e instanceof ModelFileError && e.message.includes(path.join(badJson, 'model.json')) && /not valid JSON/.test(e.message));

  const noWeights = path.join(root, 'noweights');
  await ae.save(noWeights);
  rmSync(weightsOf(noWeights));
  await assert.rejects(ConvAutoencoder.load(noWeights), /Weight file .*weights\.[0-9a-f]{16}\.bin named in .*model.json does not exist/);
  assert.deepEqual(readdirSync(noWeights), ['model.json']);
  ae.dispose();
});
