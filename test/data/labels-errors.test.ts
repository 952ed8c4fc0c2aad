/**
 * Labels are kept exactly by splits (or refused with a message), and the data layer's unclear
 * errors are clear: testSize 0 / −0.2 / NaN, a FASHION_MNIST_DIR that loops or cannot be read, a
 * plain CSV named .csv.gz, string or negative labels in a CSV, a download folder that is a file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import * as path from 'node:path';
import { concatSamples, DataFormatError, downloadFashionMnist, locateDataset, readFashionCsv, shuffleSamples, stratifiedSubset, trainTestSplit } from '../../src/data/index.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '..', '..');

function set<L>(labels: L & ArrayLike<unknown>) {
  const n = labels.length;
  const data = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) data[2 * i] = i; // row identity
  return { images: { data, rows: n, cols: 2 }, labels };
}

/** Every row keeps its label: row i of the input had labels[i]. */
function rowsKeepLabels(part: { images: { data: Float32Array; rows: number }; labels: ArrayLike<number> }, labels: ArrayLike<number>): void {
  for (let k = 0; k < part.images.rows; k++) assert.equal(part.labels[k], labels[part.images.data[2 * k]!]);
}

test('trainTestSplit keeps labels exactly, in the same kind of array (300 and −1 stay 300 and −1)', () => {
  const values = Array.from({ length: 40 }, (_, i) => [300, -1, 7, 70000][i % 4]!);
  for (const labels of [Int32Array.from(values), Float64Array.from(values), values]) {
    const { train, test: testPart } = trainTestSplit(set(labels), { testSize: 0.5, seed: 1 });
    assert.equal(train.labels.constructor, labels.constructor, `${labels.constructor.name} in, same out`);
    assert.equal(testPart.labels.length, 20);
    rowsKeepLabels(train, labels);
    rowsKeepLabels(testPart, labels);
    const all = [...train.labels, ...testPart.labels].sort((a, b) => a - b);
    assert.deepEqual(all, [...values].sort((a, b) => a - b), 'the same multiset of labels');
    for (const v of [300, -1, 7, 70000]) assert.equal(testPart.labels.filter((l) => l === v).length, 5, `stratified by the real labels: half of the ten ${v}s in test`);
  }
  const u8 = trainTestSplit(set(Uint8Array.from({ length: 20 }, (_, i) => i % 10)), { testSize: 0.5 });
  assert.ok(u8.train.labels instanceof Uint8Array, 'the dataset\'s Uint8Array stays one');
  const i16 = Int16Array.from([-300, 300, -300, 300]);
  assert.deepEqual([...shuffleSamples(set(i16), 3).labels].sort(), [-300, -300, 300, 300]);
  assert.deepEqual([...stratifiedSubset(set(i16), 2, 0).labels].sort(), [-300, 300]);
  const joined = concatSamples(set(Int32Array.of(300)), set(Int32Array.of(-1)));
  assert.ok(joined.labels instanceof Int32Array);
  assert.deepEqual([...joined.labels], [300, -1]);
});

test('string, fractional and unsafe labels are refused with the index, the value and the fix', () => {
  assert.throws(() => trainTestSplit(set(['Sandal', 'Bag', 'Sandal', 'Bag'] as unknown as number[])),
    (e: Error) => e instanceof TypeError && /set\.labels\[0\] is string 'Sandal', not a number: labels must be integers\. Map class names to integers first/.test(e.message));
  assert.throws(() => trainTestSplit(set([0, 1, 0.5, 1])), (e: Error) => e instanceof RangeError && /set\.labels\[2\] is 0\.5: labels must be integers\. Round or re-encode/.test(e.message));
  assert.throws(() => trainTestSplit(set(Float32Array.of(0, NaN, 1, 1))), (e: Error) => e instanceof RangeError && /set\.labels\[1\] is NaN/.test(e.message));
  assert.throws(() => trainTestSplit(set([0, 2 ** 60, 1, 1])), (e: Error) => e instanceof RangeError && /larger ones cannot be kept exactly/.test(e.message));
});

test('testSize 0, −0.2, NaN and impossible counts are refused, naming both accepted forms', () => {
  const s = set(Uint8Array.from({ length: 10 }, (_, i) => i % 2));
  const forms = /testSize is either a fraction of the samples strictly between 0 and 1 \(e\.g\. 0\.2 for 20 %\) or a whole number of test samples from 1 to 9/;
  for (const bad of [0, -0.2, NaN, -Infinity]) {
    assert.throws(() => trainTestSplit(s, { testSize: bad }), (e: Error) => e instanceof RangeError && new RegExp(`testSize must be greater than 0, got ${bad}`).test(e.message) && forms.test(e.message) && /Pass e\.g\. testSize: 0\.2/.test(e.message), String(bad));
  }
  assert.throws(() => trainTestSplit(s, { testSize: 1.5 }), /testSize 1\.5 is neither a fraction below 1 nor a whole count/);
  assert.throws(() => trainTestSplit(s, { testSize: 10 }), /testSize 10 leaves 0 training samples of 10; both parts need at least one sample/);
  assert.throws(() => trainTestSplit(s, { testSize: 0.01 }), /testSize 0\.01 of 10 samples gives 0 test samples/);
  assert.throws(() => trainTestSplit(s, { testSize: '0.2' as unknown as number }), (e: Error) => e instanceof TypeError && /testSize must be a number/.test(e.message));
  assert.equal(trainTestSplit(s, { testSize: 3 }).test.labels.length, 3);
});

const HEADER = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');
const row = (label: string | number) => [label, ...Array.from({ length: 784 }, (_, j) => j % 256)].join(',');

test('a plain CSV named .csv.gz and a gzip named .csv are read by their content', async () => {
  const dir = tempDir();
  const text = [HEADER, row(3), row(9)].join('\n');
  writeFileSync(path.join(dir, 'plain.csv.gz'), text);
  writeFileSync(path.join(dir, 'packed.csv'), gzipSync(text));
  for (const name of ['plain.csv.gz', 'packed.csv']) {
    const s = await readFashionCsv(path.join(dir, name));
    assert.deepEqual([...s.labels], [3, 9], name);
    assert.equal(s.images.rows, 2);
  }
});

test('a CSV label that is a class name or negative is refused with line, column and the fix', async () => {
  const dir = tempDir();
  writeFileSync(path.join(dir, 'names.csv'), [HEADER, row(3), row('Sandal')].join('\n'));
  writeFileSync(path.join(dir, 'negative.csv'), [HEADER, row(-1)].join('\n'));
  await assert.rejects(readFashionCsv(path.join(dir, 'names.csv')),
    (e: Error) => e instanceof DataFormatError && /names\.csv, line 3, column 1, 'label': label 'Sandal' is not a number: labels are integers 0\.\.9 \(class names must be mapped to their index in CLASS_NAMES first\)/.test(e.message));
  await assert.rejects(readFashionCsv(path.join(dir, 'negative.csv')),
    (e: Error) => e instanceof DataFormatError && /line 2, column 1, 'label': label '-1' is not a class label: labels are integers 0\.\.9/.test(e.message));
});

test('FASHION_MNIST_DIR a symbolic link loop, a dangling link, or a path through a file: named as such', () => {
  const dir = tempDir();
  const loop = path.join(dir, 'loop');
  symlinkSync(loop, loop);
  const dangling = path.join(dir, 'dangling');
  symlinkSync(path.join(dir, 'gone'), dangling);
  writeFileSync(path.join(dir, 'file'), 'x');
  const saved = process.env.FASHION_MNIST_DIR;
  try {
    for (const [where, re] of [
      [loop, /FASHION_MNIST_DIR = .*loop: that folder is a symbolic link that loops \(it points, directly or through other links, back to itself\)\. Point FASHION_MNIST_DIR at a folder/],
      [dangling, /that folder is a symbolic link to a path that does not exist/],
      [path.join(dir, 'file', 'data'), /that folder cannot exist: a part of the path above it is a file, not a folder \(.*file\)/],
    ] as const) {
      process.env.FASHION_MNIST_DIR = where;
      assert.throws(() => locateDataset(), (e: Error) => e instanceof DataFormatError && re.test(e.message), where);
    }
  } finally {
    if (saved === undefined) delete process.env.FASHION_MNIST_DIR;
    else process.env.FASHION_MNIST_DIR = saved;
  }
});

test('FASHION_MNIST_DIR a folder that cannot be read: "permission denied" and chmod, not "holds 0 of the 4 files"', () => {
  const dir = tempDir();
  const locked = path.join(dir, 'locked');
  mkdirSync(locked);
  chmodSync(dir, 0o755);
  chmodSync(locked, 0o000);
  try {
    // root reads any folder: the check runs as an unprivileged user then.
    const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
    // That user must reach the checkout (and its node_modules) to run the check at all.
    const reach = spawnSync(process.execPath, ['-e', `require('fs').accessSync(${JSON.stringify(path.join(ROOT, 'node_modules', 'tsx', 'package.json'))})`], { cwd: '/', encoding: 'utf8', ...asUser });
    assert.equal(reach.status, 0, `uid ${process.getuid?.() === 0 ? 65534 : process.getuid?.()} cannot read ${ROOT}/node_modules (a parent folder without o+x, e.g. one made by mktemp -d?): this test runs its check as that user; chmod o+x the parents. ${reach.stderr.split('\n').find((l) => /Error/.test(l)) ?? ''}`);
    const script = `const { locateDataset } = require(${JSON.stringify(path.join(ROOT, 'src', 'data', 'locate.ts'))});
      try { locateDataset(); console.log('no error'); } catch (e) { console.log(e.message); }`;
    const run = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], {
      cwd: ROOT, encoding: 'utf8', ...asUser,
      env: { ...process.env, FASHION_MNIST_DIR: locked, HOME: dir, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') },
    });
    assert.match(run.stdout, /FASHION_MNIST_DIR = .*locked: that folder cannot be read: permission denied\. Give yourself read access \(e\.g\. chmod u\+rx .*locked\)/, run.stdout + run.stderr);
  } finally {
    chmodSync(locked, 0o755);
  }
});

test('a download folder that is a file is refused before anything is downloaded (not EEXIST)', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'data');
  writeFileSync(file, 'not a folder');
  // An address nothing answers: a check made after the first request would report a network error instead.
  const opts = { baseUrl: 'http://127.0.0.1:9/', timeoutMs: 2000 };
  await assert.rejects(downloadFashionMnist({ dir: file, ...opts }),
    (e: Error) => e instanceof DataFormatError && /Cannot download Fashion-MNIST: the download folder .*data is a file, not a folder\. Point dir at a folder .*or move that file away/.test(e.message));
  await assert.rejects(downloadFashionMnist({ dir: path.join(file, 'sub'), ...opts }),
    (e: Error) => e instanceof DataFormatError && /the download folder .*sub cannot exist: a part of the path above it is a file/.test(e.message));
});
