import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { CACHE_RECORD_KEY, cacheKey, canonicalJson, fingerprint, loadOrTrain, loadOrTrainDense, ModelCacheError, sha256, type CacheMeta } from '../../src/models/index.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData } from './helpers.js';

const OPTIONS = { epochs: 1, batchSize: 64, seed: 7 } as const;

test('loadOrTrain trains once, then returns the cached model with identical codes', async () => {
  const cacheDir = tempDir();
  const { train, val } = await smallData();
  const data = head(train, 128);
  const first = await loadOrTrain(data, { ...OPTIONS, cacheDir, validation: head(val, 64) });
  assert.equal(first.fromCache, false);
  assert.match(first.key, /^ae-[0-9a-f]{20}$/);
  assert.equal(first.dir, path.join(cacheDir, first.key));
  const files = readdirSync(first.dir).sort();
  assert.equal(files.length, 2);
  assert.equal(files[0], 'model.json');
  assert.match(files[1]!, /^weights\.[0-9a-f]{16}\.bin$/);
  const meta = cacheRecord(first.dir);
  assert.equal(meta.key, first.key);
  assert.deepEqual(first.meta, meta);
  assert.equal(meta.material.data, fingerprint(data));
  assert.equal(meta.history.length, 1);
  assert.equal(meta.weights.bytes, 4385 * 4);
  assert.ok(meta.versions.tfjs && meta.versions.backend && meta.versions.node);

  const second = await loadOrTrain(data, { ...OPTIONS, cacheDir, validation: head(val, 64) });
  assert.equal(second.fromCache, true);
  assert.equal(second.key, first.key);
  assert.deepEqual(second.model.encode(val).data, first.model.encode(val).data);
  assert.deepEqual(second.model.history, first.model.history);
  assert.deepEqual(second.notices, []);
  assert.deepEqual(second.meta, meta);
  second.model.dispose();

  // another seed, other data or other validation data → another key (not the cached model)
  const otherSeed = await loadOrTrain(data, { ...OPTIONS, seed: 8, cacheDir, validation: head(val, 64) });
  assert.equal(otherSeed.fromCache, false);
  assert.notEqual(otherSeed.key, first.key);
  const otherData = await loadOrTrain(head(train, 127), { ...OPTIONS, cacheDir, validation: head(val, 64) });
  assert.notEqual(otherData.key, first.key);
  for (const r of [first, otherSeed, otherData]) r.model.dispose();
});

test('the key and fingerprint cover every setting and every value of the data', () => {
  const a = { data: new Float32Array([0.1, 0.2, 0.3, 0.4]), rows: 2, cols: 2 };
  const b = { data: new Float32Array([0.1, 0.2, 0.3, 0.40001]), rows: 2, cols: 2 };
  const c = { data: a.data, rows: 1, cols: 4 };
  assert.notEqual(fingerprint(a), fingerprint(b));
  assert.notEqual(fingerprint(a), fingerprint(c));
  assert.equal(fingerprint(a), fingerprint({ data: new Float32Array(a.data), rows: 2, cols: 2 }));
  const base = {
    cacheVersion: 1, seed: 0, data: 'd', validation: null,
    architecture: { inputShape: [28, 28, 1] as const, encoderFilters: [16, 8], codeChannels: 8, decoderFilters: [8, 8, 16], kernelSize: 3 },
    training: { epochs: 50, batchSize: 128, learningRate: 0.001, validationSplit: 0, earlyStopping: null },
  };
  const k = cacheKey(base);
  assert.equal(cacheKey({ ...base, training: { ...base.training } }), k);
  assert.notEqual(cacheKey({ ...base, seed: 1 }), k);
  assert.notEqual(cacheKey({ ...base, training: { ...base.training, epochs: 49 } }), k);
  assert.notEqual(cacheKey({ ...base, architecture: { ...base.architecture, codeChannels: 4 } }), k);
  assert.notEqual(cacheKey({ ...base, validation: 'v' }), k);
});

/** The cache record inside an entry's model.json. */
function cacheRecord(dir: string): CacheMeta {
  return JSON.parse(readFileSync(path.join(dir, 'model.json'), 'utf8')).userDefinedMetadata[CACHE_RECORD_KEY] as CacheMeta;
}

/** Rewrites model.json with `edit` applied, optionally re-signing it (as a copy from elsewhere would be signed). */
function editModelJson(dir: string, edit: (json: any) => void, resign: boolean): void {
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  edit(json);
  if (resign) {
    const { integrity, ...rest } = json;
    json.integrity = { ...integrity, content: sha256(canonicalJson(rest)) };
  }
  writeFileSync(file, JSON.stringify(json));
}

test('a corrupt, edited or mismatching cache entry is detected and named, never used', async () => {
  const cacheDir = tempDir();
  const { train } = await smallData();
  const data = head(train, 64);
  const { dir, model } = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  model.dispose();
  const weights = path.join(dir, readdirSync(dir).find((n) => n.startsWith('weights.'))!);
  const modelJson = path.join(dir, 'model.json');
  const goodWeights = readFileSync(weights);
  const goodModelJson = readFileSync(modelJson, 'utf8');
  const expectInvalid = async (pattern: RegExp) =>
    assert.rejects(loadOrTrain(data, { ...OPTIONS, cacheDir }), (e: Error) =>
      e instanceof ModelCacheError && e.message.includes(dir) && pattern.test(e.message) && /delete the folder or pass onInvalidCache: 'retrain'/.test(e.message));

  truncateSync(weights, 100);
  await expectInvalid(/weights\.[0-9a-f]{16}\.bin does not match the SHA-256 recorded in model.json/);
  const flipped = Buffer.from(goodWeights);
  flipped[5000] = flipped[5000]! ^ 0xff;
  writeFileSync(weights, flipped);
  await expectInvalid(/weights\.[0-9a-f]{16}\.bin does not match the SHA-256 recorded in model.json/);
  writeFileSync(weights, goodWeights);

  // an edited topology (relu → tanh) is not the trained model: refused, never fromCache
  assert.match(goodModelJson, /"activation":"relu"/);
  writeFileSync(modelJson, goodModelJson.replace('"activation":"relu"', '"activation":"tanh"'));
  await expectInvalid(/model.json was changed after it was saved: its content no longer matches the SHA-256 recorded in it/);
  // ... also with the integrity record deleted
  editModelJson(dir, (j) => { delete j.integrity; j.modelTopology.config.layers[1].config.activation = 'tanh'; }, false);
  await expectInvalid(/records no SHA-256 of the model's files/);

  writeFileSync(modelJson, '{"modelTopology":');
  await expectInvalid(/model.json is not valid JSON/);

  // an entry copied from another key's folder (consistent in itself) does not belong here
  writeFileSync(modelJson, goodModelJson);
  editModelJson(dir, (j) => { j.userDefinedMetadata[CACHE_RECORD_KEY].key = 'ae-00000000000000000000'; }, true);
  await expectInvalid(/has key 'ae-00000000000000000000' but the folder is for key/);
  editModelJson(dir, (j) => { const r = j.userDefinedMetadata[CACHE_RECORD_KEY]; r.key = path.basename(dir); r.material.seed = 99; }, true);
  await expectInvalid(/made with other settings or data than its key says \(differs in seed\)/);

  // repaired: used again
  writeFileSync(modelJson, goodModelJson);
  const ok = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  assert.equal(ok.fromCache, true);
  ok.model.dispose();
});

test('a cache folder that is a file or cannot be written is refused before training starts, naming the setting', async () => {
  const root = tempDir();
  const { train } = await smallData();
  const data = head(train, 64);
  const file = path.join(root, 'not-a-folder');
  writeFileSync(file, 'x');
  let progressed = 0;
  const saved = process.env.FMNIST_CACHE_DIR;
  process.env.FMNIST_CACHE_DIR = file;
  try {
    await assert.rejects(loadOrTrain(data, { ...OPTIONS, onProgress: () => { progressed++; } }), (e: Error) =>
      e.message.startsWith(`FMNIST_CACHE_DIR (${path.join(file, 'models')}) cannot be used: ${file} is a file, not a folder. Point FMNIST_CACHE_DIR at a folder`));
  } finally {
    if (saved === undefined) delete process.env.FMNIST_CACHE_DIR;
    else process.env.FMNIST_CACHE_DIR = saved;
  }
  await assert.rejects(loadOrTrainDense(data, { epochs: 1, cacheDir: path.join(file, 'x'), onProgress: () => { progressed++; } }),
    /^Error: cacheDir \(.*\) cannot be used: .*not-a-folder is a file, not a folder\. Point cacheDir at a folder/);
  if (process.getuid?.() !== 0) {
    const locked = path.join(root, 'locked');
    mkdirSync(locked, { mode: 0o500 });
    await assert.rejects(loadOrTrain(data, { ...OPTIONS, cacheDir: locked, onProgress: () => { progressed++; } }), /cacheDir \(.*locked\) cannot be used: it is not writable \(EACCES\)/);
  } else {
    // as root permissions stop nothing; sysfs refuses new folders to everyone
    await assert.rejects(loadOrTrain(data, { ...OPTIONS, cacheDir: '/sys/fmnist-cache-test', onProgress: () => { progressed++; } }),
      /^Error: cacheDir \(\/sys\/fmnist-cache-test\) cannot be used: the folder cannot be created \(E(PERM|ACCES|ROFS)\)\. Point cacheDir at a folder you can write to\./);
  }
  assert.equal(progressed, 0, 'no training ran');
});

test("onInvalidCache: 'retrain' warns, naming the folder, and replaces the entry", async () => {
  const cacheDir = tempDir();
  const { train } = await smallData();
  const data = head(train, 64);
  const first = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  first.model.dispose();
  const weights = path.join(first.dir, readdirSync(first.dir).find((n) => n.startsWith('weights.'))!);
  truncateSync(weights, 10);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const again = await loadOrTrain(data, { ...OPTIONS, cacheDir, onInvalidCache: 'retrain' });
    await new Promise((r) => setImmediate(r));
    assert.equal(again.fromCache, false);
    assert.equal(readdirSync(first.dir).filter((n) => n.startsWith('weights.')).length, 1, 'the damaged weights were replaced');
    assert.equal(readFileSync(weights).length, 17540);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.name, 'ModelCacheWarning');
    assert.ok(warnings[0]!.message.includes(first.dir));
    again.model.dispose();
    const third = await loadOrTrain(data, { ...OPTIONS, cacheDir });
    assert.equal(third.fromCache, true);
    third.model.dispose();
  } finally {
    process.off('warning', onWarning);
  }
});

test('an entry cached by an earlier version (a link to a version folder with meta.json) is verified and adopted, not retrained, and left in place', async () => {
  const cacheDir = tempDir();
  const { train, val } = await smallData();
  const data = head(train, 64);
  const opts = { ...OPTIONS, cacheDir, validation: head(val, 32) };
  const trained = await loadOrTrain(data, opts);
  const codes = trained.model.encode(val).data;
  // what version 1 wrote for the same settings: <key1> -> <key1>.v-… holding model.json, weights.bin, meta.json, checksums.json
  const material1 = { ...trained.meta!.material, cacheVersion: 1 };
  const key1 = cacheKey(material1);
  const version = path.join(cacheDir, `${key1}.v-4242-1700000000000-abc`);
  mkdirSync(version);
  const json = JSON.parse(readFileSync(path.join(trained.dir, 'model.json'), 'utf8'));
  const weightsName = json.weightsManifest[0].paths[0];
  const weights = readFileSync(path.join(trained.dir, weightsName));
  delete json.integrity;
  delete json.userDefinedMetadata[CACHE_RECORD_KEY];
  json.weightsManifest[0].paths = ['weights.bin'];
  const files: Record<string, string | Buffer> = {
    'model.json': JSON.stringify(json), 'weights.bin': weights,
    'meta.json': JSON.stringify({ ...trained.meta, key: key1, material: material1 }),
  };
  for (const [n, d] of Object.entries(files)) writeFileSync(path.join(version, n), d);
  const sums = Object.fromEntries(Object.entries(files).map(([n, d]) => [n, sha256(d)]));
  writeFileSync(path.join(version, 'checksums.json'), JSON.stringify({ algorithm: 'sha256', files: sums }));
  symlinkSync(path.basename(version), path.join(cacheDir, key1));
  trained.model.dispose();
  rmSync(trained.dir, { recursive: true });
  rmSync(trained.checkpointDir!, { recursive: true });

  const adopted = await loadOrTrain(data, opts);
  assert.equal(adopted.fromCache, true);
  assert.equal(adopted.adoptedFrom, path.join(cacheDir, key1));
  assert.deepEqual(adopted.model.encode(val).data, codes);
  assert.ok(readdirSync(adopted.dir).includes('model.json'));
  assert.deepEqual(readdirSync(version).sort(), ['checksums.json', 'meta.json', 'model.json', 'weights.bin']);
  adopted.model.dispose();
  const again = await loadOrTrain(data, opts);
  assert.equal(again.fromCache, true);
  assert.equal(again.adoptedFrom, undefined);
  again.model.dispose();

  // a damaged earlier entry is not adopted: trained again
  rmSync(adopted.dir, { recursive: true });
  writeFileSync(path.join(version, 'weights.bin'), Buffer.alloc(weights.length));
  const retrained = await loadOrTrain(data, opts);
  assert.equal(retrained.fromCache, false);
  assert.equal(retrained.adoptedFrom, undefined);
  retrained.model.dispose();
});
