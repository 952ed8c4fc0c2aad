import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataFormatError, encodeIdx, loadIdxPair, parseIdx, readIdxFile } from '../../src/data/index.js';
import { tempDir } from '../helpers/tmp.js';

function randomBytes(n: number, max = 256, seed = 7): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) { s = (s * 1103515245 + 12345) >>> 0; out[i] = (s >>> 16) % max; }
  return out;
}

function writeSet(dir: string, n: number, opts: { gzip?: boolean; labels?: Uint8Array; nLabels?: number } = {}) {
  const pixels = randomBytes(n * 784);
  const labels = opts.labels ?? randomBytes(opts.nLabels ?? n, 10, 3);
  const enc = (b: Uint8Array) => (opts.gzip === false ? b : gzipSync(b));
  const imagesFile = path.join(dir, 'images.idx' + (opts.gzip === false ? '' : '.gz'));
  const labelsFile = path.join(dir, 'labels.idx' + (opts.gzip === false ? '' : '.gz'));
  writeFileSync(imagesFile, enc(encodeIdx([n, 28, 28], pixels)));
  writeFileSync(labelsFile, enc(encodeIdx([labels.length], labels)));
  return { imagesFile, labelsFile, pixels, labels };
}

test('IDX round trip: gzip and raw files give the same scaled images and labels', async () => {
  const dir = tempDir();
  for (const gzip of [true, false]) {
    const sub = path.join(dir, String(gzip));
    const { imagesFile, labelsFile, pixels, labels } = writeSet(tempDirIn(sub), 5, { gzip });
    const set = await loadIdxPair(imagesFile, labelsFile);
    assert.equal(set.images.rows, 5);
    assert.equal(set.images.cols, 784);
    assert.ok(set.images.data instanceof Float32Array);
    assert.deepEqual(Array.from(set.labels), Array.from(labels));
    for (const i of [0, 100, 3919]) assert.ok(Math.abs(set.images.data[i]! - pixels[i]! / 255) < 1e-7);
  }
});

function tempDirIn(p: string): string {
  mkdirSync(p, { recursive: true });
  return p;
}

test('parseIdx rejects a wrong magic number and names the expected ones', () => {
  const bytes = encodeIdx([2], new Uint8Array([1, 2]));
  bytes[0] = 0x50; // e.g. a PNG or text file
  assert.throws(() => parseIdx(bytes, 'x.idx'), (e: Error) => e instanceof DataFormatError && /wrong magic number/.test(e.message) && /x\.idx/.test(e.message));
});

test('parseIdx rejects a non-uint8 dtype, a wrong rank, and truncated or padded data', () => {
  const ok = encodeIdx([3, 28, 28], randomBytes(3 * 784));
  const f32 = ok.slice(); f32[2] = 0x0d;
  assert.throws(() => parseIdx(f32, 'f'), /dtype is float32/);
  assert.throws(() => parseIdx(ok, 'images', 1), /rank is 3 but 1 was expected.*swapped/);
  assert.throws(() => parseIdx(ok.subarray(0, ok.length - 10), 't'), /truncated/);
  const padded = new Uint8Array(ok.length + 4); padded.set(ok);
  assert.throws(() => parseIdx(padded, 'p'), /trailing bytes/);
  assert.throws(() => parseIdx(new Uint8Array([0, 0]), 'tiny'), /only 2 bytes/);
  assert.throws(() => parseIdx(ok.subarray(0, 9), 'hdr'), /declares 3 dimensions/);
});

test('a truncated gzip file is a clear error naming the file', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'cut.gz');
  const gz = gzipSync(encodeIdx([1000], randomBytes(1000, 10)));
  writeFileSync(file, gz.subarray(0, gz.length - 20));
  await assert.rejects(readIdxFile(file), (e: Error) => e instanceof DataFormatError && /cut\.gz.*truncated or corrupt/.test(e.message));
});

test('a missing file says how to install the data', async () => {
  await assert.rejects(readIdxFile('/nonexistent/train-images-idx3-ubyte.gz'), /file not found.*npm run setup/);
});

test('images/labels count mismatch and labels > 9 are rejected, nothing returned', async () => {
  const dir = tempDir();
  const a = writeSet(tempDirIn(path.join(dir, 'a')), 4, { nLabels: 3 });
  await assert.rejects(loadIdxPair(a.imagesFile, a.labelsFile), /has 4 images but .* has 3 labels/);
  const b = writeSet(tempDirIn(path.join(dir, 'b')), 3, { labels: new Uint8Array([1, 12, 3]) });
  await assert.rejects(loadIdxPair(b.imagesFile, b.labelsFile), /label 12 at index 1 is outside 0\.\.9/);
});

test('images that are not 28×28 are rejected', async () => {
  const dir = tempDir();
  const imagesFile = path.join(dir, 'i.gz');
  const labelsFile = path.join(dir, 'l.gz');
  writeFileSync(imagesFile, gzipSync(encodeIdx([2, 32, 32], randomBytes(2 * 1024))));
  writeFileSync(labelsFile, gzipSync(encodeIdx([2], new Uint8Array([1, 2]))));
  await assert.rejects(loadIdxPair(imagesFile, labelsFile), /32×32/);
});
