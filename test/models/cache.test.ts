import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readdirSync, readFileSync, realpathSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { cacheKey, fingerprint, loadOrTrain, ModelCacheError, type CacheMeta } from '../../src/models/index.js';
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
  assert.deepEqual(readdirSync(first.dir).sort(), ['checksums.json', 'meta.json', 'model.json', 'weights.bin']);
  const meta = JSON.parse(readFileSync(path.join(first.dir, 'meta.json'), 'utf8')) as CacheMeta;
  assert.equal(meta.key, first.key);
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

  // a save of this entry killed between moving the old copy aside and linking the new one: the
  // entry is missing, a complete copy lies beside it; the next call restores it and says so
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const version = realpathSync(first.dir);
  const aside = `${first.dir}.old-${dead}-1700000000000-x`;
  cpSync(version, aside, { recursive: true });
  rmSync(first.dir);
  rmSync(version, { recursive: true });
  const told: string[] = [];
  const restored = await loadOrTrain(data, { ...OPTIONS, cacheDir, validation: head(val, 64), onNotice: (n) => told.push(n.message) });
  assert.equal(restored.fromCache, true);
  assert.deepEqual(restored.notices.map((n) => n.action), ['restored']);
  assert.match(told[0]!, /was missing after an interrupted save; restored the complete copy .*\.old-/);
  assert.deepEqual(restored.model.encode(val).data, first.model.encode(val).data);
  restored.model.dispose();

  // another seed, other data or other validation data → another key (not the cached model)
  const otherSeed = await loadOrTrain(data, { ...OPTIONS, seed: 8, cacheDir, validation: head(val, 64) });
  assert.equal(otherSeed.fromCache, false);
  assert.notEqual(otherSeed.key, first.key);
  const otherData = await loadOrTrain(head(train, 127), { ...OPTIONS, cacheDir, validation: head(val, 64) });
  assert.notEqual(otherData.key, first.key);
  for (const r of [first, second, otherSeed, otherData]) r.model.dispose();
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

test('a corrupt or mismatching cache entry is detected and named, never used', async () => {
  const cacheDir = tempDir();
  const { train } = await smallData();
  const data = head(train, 64);
  const { dir, model } = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  model.dispose();
  const weights = path.join(dir, 'weights.bin');
  const metaFile = path.join(dir, 'meta.json');
  const goodWeights = readFileSync(weights);
  const goodMeta = readFileSync(metaFile, 'utf8');
  const expectInvalid = async (pattern: RegExp) =>
    assert.rejects(loadOrTrain(data, { ...OPTIONS, cacheDir }), (e: Error) =>
      e instanceof ModelCacheError && e.message.includes(dir) && pattern.test(e.message) && /delete the folder or pass onInvalidCache: 'retrain'/.test(e.message));

  truncateSync(weights, 100);
  await expectInvalid(/weights.bin has 100 bytes but 17540 were written/);
  writeFileSync(weights, goodWeights);

  const flipped = Buffer.from(goodWeights);
  flipped[5000] = flipped[5000]! ^ 0xff;
  writeFileSync(weights, flipped);
  await expectInvalid(/weights.bin does not match its recorded SHA-256/);
  writeFileSync(weights, goodWeights);

  writeFileSync(metaFile, goodMeta.slice(0, 50));
  await expectInvalid(/meta.json cannot be parsed/);

  const meta = JSON.parse(goodMeta) as CacheMeta;
  writeFileSync(metaFile, JSON.stringify({ ...meta, key: 'ae-00000000000000000000' }));
  await expectInvalid(/records key 'ae-00000000000000000000' but the folder is for key/);

  writeFileSync(metaFile, JSON.stringify({ ...meta, material: { ...meta.material, seed: 99 } }));
  await expectInvalid(/made with other settings or data than its key says \(differs in seed\)/);

  writeFileSync(metaFile, goodMeta);
  const modelJson = path.join(dir, 'model.json');
  const goodModelJson = readFileSync(modelJson, 'utf8');
  writeFileSync(modelJson, '{"modelTopology":');
  await expectInvalid(/model.json is not valid JSON/);
  writeFileSync(modelJson, goodModelJson);

  // repaired: used again
  const ok = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  assert.equal(ok.fromCache, true);
  ok.model.dispose();
});

test("onInvalidCache: 'retrain' warns, naming the folder, and replaces the entry", async () => {
  const cacheDir = tempDir();
  const { train } = await smallData();
  const data = head(train, 64);
  const first = await loadOrTrain(data, { ...OPTIONS, cacheDir });
  first.model.dispose();
  truncateSync(path.join(first.dir, 'weights.bin'), 10);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    const again = await loadOrTrain(data, { ...OPTIONS, cacheDir, onInvalidCache: 'retrain' });
    await new Promise((r) => setImmediate(r));
    assert.equal(again.fromCache, false);
    assert.equal(readFileSync(path.join(first.dir, 'weights.bin')).length, 17540);
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
