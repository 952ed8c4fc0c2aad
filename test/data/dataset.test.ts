import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  CLASS_NAMES, DATA_DIR_ENV, DEBIAN_DATA_DIR, DataFormatError, OFFICIAL_FILES, classCounts, encodeIdx,
  loadFashionMnist, locateDataset, verifyOfficialFile,
} from '../../src/data/index.js';
import { tempDir } from '../helpers/tmp.js';

const realDir = locateDataset();

test('the real dataset loads: 60k/10k, 784 pixels in 0..1, 6,000/1,000 images per class', async () => {
  const { train, test: testSet } = await loadFashionMnist();
  assert.equal(train.images.rows, 60000);
  assert.equal(testSet.images.rows, 10000);
  assert.equal(train.images.cols, 784);
  assert.deepEqual(classCounts(train.labels), new Array(10).fill(6000));
  assert.deepEqual(classCounts(testSet.labels), new Array(10).fill(1000));
  // The first official labels: Ankle boot, T-shirt/top, T-shirt/top, Dress, ...
  assert.deepEqual(Array.from(train.labels.subarray(0, 4)), [9, 0, 0, 3]);
  assert.equal(CLASS_NAMES[train.labels[0]!], 'Ankle boot');
  let min = Infinity, max = -Infinity, sum = 0;
  for (const v of testSet.images.data) { min = Math.min(min, v); max = Math.max(max, v); sum += v; }
  assert.equal(min, 0);
  assert.equal(max, 1);
  assert.ok(Math.abs(sum / testSet.images.data.length - 0.2868) < 0.002, `mean pixel ${sum / testSet.images.data.length}`);
});

test('the locator uses FASHION_MNIST_DIR when set (or refuses it), else ./data, then the Debian folder', () => {
  const dir = tempDir();
  for (const f of OFFICIAL_FILES) symlinkSync(path.join(realDir, f.name), path.join(dir, f.name));
  const partial = tempDir();
  for (const f of OFFICIAL_FILES.slice(0, 3)) symlinkSync(path.join(realDir, f.name), path.join(partial, f.name));
  const file = path.join(dir, OFFICIAL_FILES[0]!.name);
  const saved = process.env[DATA_DIR_ENV];
  try {
    process.env[DATA_DIR_ENV] = dir;
    assert.equal(locateDataset(), dir);
    // a named location that is wrong is an error naming the variable, never replaced by another copy
    const refused: Array<[string, RegExp]> = [
      [path.join(dir, 'nowhere'), /FASHION_MNIST_DIR = .*nowhere: that folder does not exist\. Point FASHION_MNIST_DIR at/],
      [partial, /FASHION_MNIST_DIR = .*: Fashion-MNIST not found there: the folder holds 3 of the 4 files; it lacks t10k-labels-idx1-ubyte\.gz/],
      [file, /FASHION_MNIST_DIR = .*: that is a file, not a folder/],
    ];
    for (const [value, re] of refused) {
      process.env[DATA_DIR_ENV] = value;
      assert.throws(() => locateDataset(), (e: Error) => e instanceof DataFormatError && re.test(e.message) && /unset it/.test(e.message), value);
    }
    delete process.env[DATA_DIR_ENV];
    assert.equal(locateDataset(), realDir);
    // an explicit dir is used or refused the same way
    assert.throws(() => locateDataset(partial), /dir = .*: the folder holds 3 of the 4/);
    assert.throws(() => locateDataset(file), /dir = .*: that is a file, not a folder/);
  } finally {
    if (saved === undefined) delete process.env[DATA_DIR_ENV]; else process.env[DATA_DIR_ENV] = saved;
  }
  assert.ok([DEBIAN_DATA_DIR, path.resolve('data')].includes(realDir));
});

test('a folder with missing files is named with what it lacks and how to get the data', () => {
  const dir = tempDir();
  copyFileSync(path.join(realDir, 'train-labels-idx1-ubyte.gz'), path.join(dir, 'train-labels-idx1-ubyte.gz'));
  assert.throws(() => locateDataset(dir), (e: Error) =>
    e instanceof DataFormatError && /lacks train-images-idx3-ubyte\.gz/.test(e.message) && /npm run data/.test(e.message));
});

test('verification accepts the official content, gzipped or not', async () => {
  const dir = tempDir();
  const f = OFFICIAL_FILES.find((x) => x.name === 't10k-labels-idx1-ubyte.gz')!;
  const raw = gunzipSync(readFileSync(path.join(realDir, f.name)));
  const plain = path.join(dir, 't10k-labels-idx1-ubyte');
  writeFileSync(plain, raw);
  assert.equal((await verifyOfficialFile(plain, f)).length, f.payloadBytes);
  const regz = path.join(dir, f.name);
  writeFileSync(regz, gzipSync(raw, { level: 1 }));
  assert.equal((await verifyOfficialFile(regz, f)).length, f.payloadBytes);
});

test('verification names swapped files, MNIST digits and modified files for what they are', async () => {
  const dir = tempDir();
  const testLabels = OFFICIAL_FILES.find((x) => x.name === 't10k-labels-idx1-ubyte.gz')!;
  const trainLabels = OFFICIAL_FILES.find((x) => x.name === 'train-labels-idx1-ubyte.gz')!;
  const testImages = OFFICIAL_FILES.find((x) => x.name === 't10k-images-idx3-ubyte.gz')!;
  // The train labels under the test labels' name.
  const swapped = path.join(dir, 'swapped.gz');
  copyFileSync(path.join(realDir, trainLabels.name), swapped);
  await assert.rejects(verifyOfficialFile(swapped, testLabels), /holds the content of train-labels-idx1-ubyte\.gz, not t10k-labels/);
  // MNIST digit labels (recognised by their first labels 7,2,1,0,4,1,4,9,5,9).
  const digits = path.join(dir, 'digits.gz');
  const labels = new Uint8Array(10000);
  [7, 2, 1, 0, 4, 1, 4, 9, 5, 9].forEach((v, i) => { labels[i] = v; });
  writeFileSync(digits, gzipSync(encodeIdx([10000], labels)));
  await assert.rejects(verifyOfficialFile(digits, testLabels), /MNIST handwritten-digit test labels, not Fashion-MNIST/);
  // Dark, digit-like images.
  const dark = new Uint8Array(100 * 784);
  for (let i = 0; i < dark.length; i++) dark[i] = i % 8 === 0 ? 255 : 0;
  const darkFile = path.join(dir, 'dark.gz');
  writeFileSync(darkFile, gzipSync(encodeIdx([100, 28, 28], dark)));
  await assert.rejects(verifyOfficialFile(darkFile, testImages), /look like MNIST handwritten-digit images/);
  // One flipped byte in the real test labels.
  const raw = gunzipSync(readFileSync(path.join(realDir, testLabels.name)));
  raw[500] = (raw[500]! + 1) % 10;
  const modified = path.join(dir, 'modified.gz');
  writeFileSync(modified, gzipSync(raw));
  await assert.rejects(verifyOfficialFile(modified, testLabels), /does not match the official t10k-labels.*Expected MD5/);
});

test('loadFashionMnist refuses a folder whose files fail verification, returning nothing', async () => {
  const dir = tempDir();
  for (const f of OFFICIAL_FILES) copyFileSync(path.join(realDir, f.name), path.join(dir, f.name));
  const raw = gunzipSync(readFileSync(path.join(realDir, 't10k-images-idx3-ubyte.gz')));
  writeFileSync(path.join(dir, 't10k-images-idx3-ubyte.gz'), gzipSync(raw.subarray(0, raw.length - 784)));
  await assert.rejects(loadFashionMnist({ dir }), /t10k-images/);
  mkdirSync(path.join(dir, 'sub'));
  await assert.rejects(loadFashionMnist({ dir: path.join(dir, 'sub') }), /Fashion-MNIST not found/);
});
