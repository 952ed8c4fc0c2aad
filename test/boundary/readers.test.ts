/**
 * The IDX and CSV readers at their boundary: bad arguments and bad files (the same battery for
 * each loader), round trips of generated files (fast-check properties), and a bounded, seeded
 * fuzz of random and mutated inputs: each input either gives a valid dataset or throws one of the
 * project's errors (DataFormatError) — never a TypeError, a hang or an out-of-memory.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import {
  DataFormatError, encodeIdx, gunzipFile, isGzip, loadFashionMnist, loadIdxPair, parseFashionCsv, parseIdx, readFashionCsv, readIdxFile,
  type LabeledImages,
} from '../../src/data/index.js';
import { ModelFileError, readModelArtifacts, loadModel } from '../../src/models/index.js';
import { tempDir } from '../helpers/tmp.js';

const root = tempDir('fmnist-readers-');
let fileNo = 0;
function file(name: string, content: string | Uint8Array): string {
  const dir = path.join(root, String(fileNo++));
  mkdirSync(dir);
  const p = path.join(dir, name);
  writeFileSync(p, content);
  return p;
}

/** A dataset as the readers must return it: shapes consistent, pixels in 0..1, labels 0..9. */
function assertValidDataset(set: LabeledImages, what: string): void {
  const { images, labels } = set;
  assert.ok(images.data instanceof Float32Array, what);
  assert.equal(images.cols, 784, what);
  assert.equal(images.data.length, images.rows * 784, what);
  assert.equal(labels.length, images.rows, what);
  assert.ok(images.rows >= 1, what);
  for (const v of images.data) assert.ok(v >= 0 && v <= 1, what);
  for (const l of labels) assert.ok(l <= 9, what);
}

const HEADER = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');

// ---------------------------------------------------------------------------------------------
// Boundary battery

test('loaders refuse bad arguments with a TypeError and bad files with a DataFormatError naming the file', async () => {
  const badPaths: unknown[] = [undefined, null, 42, '', { path: 'x' }];
  for (const p of badPaths) {
    await assert.rejects(readFashionCsv(p as string), (e: Error) => e instanceof TypeError && /file must be a path/.test(e.message), String(p));
  }
  assert.throws(() => parseIdx('abc' as never, 'x'), (e: Error) => e instanceof TypeError && /bytes must be a Uint8Array/.test(e.message));
  assert.throws(() => parseIdx(new Float32Array(4) as never, 'x'), /got Float32Array/);
  await assert.rejects(readModelArtifacts(3 as never), TypeError);
  await assert.rejects(loadFashionMnist({ dir: path.join(root, 'nowhere') }), (e: Error) => e instanceof DataFormatError && /dir = .*nowhere: that folder does not exist/.test(e.message));

  const images = encodeIdx([2, 28, 28], new Uint8Array(2 * 784));
  const labels = encodeIdx([2], Uint8Array.of(1, 2));
  const cases: Array<[string, () => Promise<unknown>, RegExp]> = [
    ['missing IDX', () => readIdxFile(path.join(root, 'missing.idx')), /missing\.idx: file not found/],
    ['empty IDX', () => readIdxFile(file('empty.idx', new Uint8Array(0))), /only 0 bytes/],
    ['truncated IDX', () => readIdxFile(file('trunc.idx', images.subarray(0, 500))), /header declares dimensions 2×28×28 \(1568 bytes of data\) but the file holds 484; it is truncated/],
    ['trailing bytes', () => readIdxFile(file('long.idx', Uint8Array.from([...labels, 7]))), /it has trailing bytes/],
    ['float IDX', () => readIdxFile(file('float.idx', Uint8Array.of(0, 0, 0x0d, 1, 0, 0, 0, 1, 0, 0, 0, 0))), /IDX dtype is float32; \(Fashion-\)MNIST files are uint8/],
    ['corrupt gzip', () => readIdxFile(file('bad.gz', gzipSync(images).subarray(0, 30))), /gzip stream is truncated or corrupt/],
    ['swapped files', () => loadIdxPair(file('l.idx', labels), file('i.idx', images)), /IDX rank is 1 but 3 was expected/],
    ['mismatched counts', () => loadIdxPair(file('i.idx', images), file('l.idx', encodeIdx([3], Uint8Array.of(1, 2, 3)))), /has 2 images but .* has 3 labels/],
    ['labels out of range', () => loadIdxPair(file('i.idx', images), file('l.idx', encodeIdx([2], Uint8Array.of(1, 12)))), /label 12 at index 1 is outside 0\.\.9/],
    ['wrong image size', () => loadIdxPair(file('i.idx', encodeIdx([1, 10, 10], new Uint8Array(100))), file('l.idx', encodeIdx([1], Uint8Array.of(1)))), /images are 10×10; Fashion-MNIST images are 28×28/],
    ['missing CSV', () => readFashionCsv(path.join(root, 'nope.csv')), /nope\.csv: file not found/],
    ['empty CSV', () => readFashionCsv(file('empty.csv', '')), /no data rows/],
    ['header-only CSV', () => readFashionCsv(file('h.csv', HEADER + '\n')), /no data rows/],
    ['huge value', () => readFashionCsv(file('huge.csv', [HEADER, ['3', '1e309', ...new Array(783).fill('0')].join(',')].join('\n'))), /column 2: '1e309' is not a non-negative integer/],
    ['fraction', () => readFashionCsv(file('frac.csv', [HEADER, ['3', '0.5', ...new Array(783).fill('0')].join(',')].join('\n'))), /'0\.5' is not a non-negative integer/],
    ['NaN', () => readFashionCsv(file('nan.csv', [HEADER, ['3', 'NaN', ...new Array(783).fill('0')].join(',')].join('\n'))), /'NaN' is not a non-negative integer/],
    ['too many columns', () => readFashionCsv(file('wide.csv', [HEADER, ['3', ...new Array(785).fill('0')].join(',')].join('\n'))), /expected 785 columns .* but found 786/],
    ['a folder', () => readFashionCsv(root), /is a folder, not a CSV file/],
    ['a gzip bomb without newlines', () => readFashionCsv(file('bomb.csv.gz', gzipSync(new Uint8Array(64 * 2 ** 20).fill(0x31)))), /cannot read \(a line is longer than 1 MB/],
  ];
  for (const [what, call, re] of cases) {
    await assert.rejects(call(), (e: Error) => e instanceof DataFormatError && re.test(e.message), what);
  }
  // a model folder that does not exist, or holds something else
  await assert.rejects(loadModel(path.join(root, 'no-model')), (e: Error) => e instanceof ModelFileError && /No saved model at .*no-model: model\.json does not exist/.test(e.message));
  await assert.rejects(loadModel(path.dirname(file('model.json', '{"modelTopology": null}'))), (e: Error) => e instanceof ModelFileError && /has no modelTopology/.test(e.message));
});

// ---------------------------------------------------------------------------------------------
// Round trips (properties)

const labelsArb = (n: number) => fc.uint8Array({ minLength: n, maxLength: n, max: 9 });

test('IDX round trip: any uint8 array of any shape encodes and parses back, raw or gzipped', () => {
  fc.assert(fc.property(
    fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 0, maxLength: 4 }).chain((dims) =>
      fc.tuple(fc.constant(dims), fc.uint8Array({ minLength: dims.reduce((a, b) => a * b, 1), maxLength: dims.reduce((a, b) => a * b, 1) }))),
    fc.boolean(),
    ([dims, data], gz) => {
      const bytes = encodeIdx(dims, data);
      const raw = gz ? gunzipFile(gzipSync(bytes), 'x') : bytes;
      const parsed = parseIdx(raw, 'x', dims.length);
      assert.deepEqual(parsed.dims, dims);
      assert.deepEqual(Uint8Array.from(parsed.data), data);
    },
  ), { seed: 10, numRuns: 300 });
});

test('IDX files round trip through loadIdxPair: pixels / 255 and labels, gzip detected from the content', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 4 }).chain((n) => fc.tuple(fc.uint8Array({ minLength: n * 784, maxLength: n * 784 }), labelsArb(n))),
    fc.boolean(),
    async ([pixels, labels], gz) => {
      const n = labels.length;
      const enc = (b: Uint8Array) => (gz ? gzipSync(b) : b);
      const set = await loadIdxPair(file('i', enc(encodeIdx([n, 28, 28], pixels))), file('l', enc(encodeIdx([n], labels))));
      assertValidDataset(set, 'round trip');
      assert.deepEqual(set.labels, labels);
      assert.deepEqual(set.images.data, Float32Array.from(pixels, (v) => v * (1 / 255)));
    },
  ), { seed: 11, numRuns: 25 });
});

test('CSV round trip: generated files (header or not, label first, last or in between, CRLF, gzip) read back exactly', async () => {
  await fc.assert(fc.asyncProperty(
    fc.integer({ min: 1, max: 3 }).chain((n) => fc.tuple(fc.uint8Array({ minLength: n * 784, maxLength: n * 784 }), labelsArb(n))),
    fc.constantFrom('first', 'last', 'middle', 'none'),
    fc.boolean(), fc.boolean(),
    async ([pixels, labels], layout, crlf, gz) => {
      const n = labels.length;
      const at = layout === 'last' ? 784 : layout === 'middle' ? 400 : 0;
      const names = Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`);
      names.splice(at, 0, 'label');
      const rows = Array.from({ length: n }, (_, i) => {
        const r: number[] = Array.from(pixels.subarray(i * 784, (i + 1) * 784));
        r.splice(at, 0, labels[i]!);
        return r.join(',');
      });
      if (layout === 'none') rows[0] = rows[0]!.replace(/,\d+$/, ',200'); // the last column is then clearly a pixel
      const text = [...(layout === 'none' ? [] : [names.join(',')]), ...rows].join(crlf ? '\r\n' : '\n');
      const set = await readFashionCsv(file(gz ? 'x.csv.gz' : 'x.csv', gz ? gzipSync(text) : text));
      assertValidDataset(set, layout);
      assert.deepEqual(set.labels, labels);
      const expected = Float32Array.from(pixels, (v) => v * (1 / 255));
      if (layout === 'none') expected[783] = 200 * (1 / 255);
      assert.deepEqual(set.images.data, expected);
    },
  ), { seed: 12, numRuns: 30 });
});

// ---------------------------------------------------------------------------------------------
// Bounded fuzz: a few thousand random and mutated inputs, seeded; seconds, not minutes.

/** A mutation of a valid byte string: flip, insert, delete, duplicate, truncate, splice random bytes. */
const mutationArb = fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat(), fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })), { minLength: 1, maxLength: 4 });

function mutate(input: Uint8Array, ops: Array<[number, number, number, Uint8Array]>): Uint8Array {
  let b = Array.from(input);
  for (const [op, p, q, bytes] of ops) {
    const i = b.length === 0 ? 0 : p % b.length;
    switch (op) {
      case 0: if (b.length) b[i] = b[i]! ^ (1 << (q % 8)); break;
      case 1: b.splice(i, 0, ...bytes); break;
      case 2: b.splice(i, 1 + (q % 16)); break;
      case 3: b = [...b.slice(0, i), ...b.slice(i, i + 1 + (q % 64)), ...b.slice(i)]; break;
      case 4: b = b.slice(0, i); break;
      case 5: for (let k = 0; k < bytes.length && i + k < b.length; k++) b[i + k] = bytes[k]!; break;
    }
  }
  return Uint8Array.from(b);
}

/** The only acceptable failure of a reader: the project's own error class. */
function expectOwnError(err: unknown, input: string): void {
  if (!(err instanceof DataFormatError)) {
    assert.fail(`reader threw ${(err as Error)?.name}: ${(err as Error)?.message} on ${input}`);
  }
}

test('fuzz: the IDX parser (raw and gzipped) returns a consistent array or throws DataFormatError, for 2,000 inputs', { timeout: 60_000 }, () => {
  const seeds = [encodeIdx([3, 2, 2], Uint8Array.from({ length: 12 }, (_, i) => i)), encodeIdx([5], Uint8Array.of(1, 2, 3, 4, 5)), encodeIdx([2, 28, 28], new Uint8Array(1568))];
  const inputArb = fc.oneof(
    fc.uint8Array({ maxLength: 64 }),
    fc.tuple(fc.constantFrom(...seeds), mutationArb).map(([s, ops]) => mutate(s, ops)),
    fc.tuple(fc.constantFrom(...seeds.map((s) => gzipSync(s))), mutationArb).map(([s, ops]) => mutate(s, ops)),
  );
  fc.assert(fc.property(inputArb, fc.option(fc.integer({ min: 0, max: 4 })), (bytes, rank) => {
    try {
      const raw = isGzip(bytes) ? gunzipFile(bytes, 'fuzz') : bytes;
      const { dims, data } = parseIdx(raw, 'fuzz', rank ?? undefined);
      assert.equal(data.length, dims.reduce((a, b) => a * b, 1));
      if (rank != null) assert.equal(dims.length, rank);
    } catch (err) {
      expectOwnError(err, Buffer.from(bytes).toString('hex').slice(0, 80));
    }
  }), { seed: 20, numRuns: 2000 });
});

test('fuzz: the CSV parser returns a valid dataset or throws DataFormatError, for 1,100 inputs', { timeout: 60_000 }, async () => {
  const row = (label: number, salt: number) => [label, ...Array.from({ length: 784 }, (_, j) => (j * 7 + salt) % 256)].join(',');
  const seeds = [
    [HEADER, row(3, 1), row(9, 2)].join('\n'),
    [row(4, 0), row(0, 5)].join('\r\n'),
    [HEADER.split(',').slice(1).join(',') + ',label', row(2, 3).replace(/^(\d+),(.*)$/, '$2,$1')].join('\n'),
  ].map((s) => Buffer.from(s));
  const inputArb = fc.oneof(
    { arbitrary: fc.string({ maxLength: 200 }).map((s) => Buffer.from(s)), weight: 1 },
    { arbitrary: fc.tuple(fc.constantFrom(...seeds), mutationArb).map(([s, ops]) => mutate(s, ops)), weight: 4 },
  );
  await fc.assert(fc.asyncProperty(inputArb, fc.constantFrom<'auto' | boolean>('auto', true, false), async (bytes, header) => {
    const text = Buffer.from(bytes).toString('utf8');
    try {
      assertValidDataset(await parseFashionCsv(text, { header }, 'fuzz.csv'), 'fuzz');
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      expectOwnError(err, JSON.stringify(text.slice(0, 80)));
    }
  }), { seed: 21, numRuns: 1000 });
  // and a hundred through real (gzipped) files, the path readFashionCsv streams
  await fc.assert(fc.asyncProperty(fc.tuple(fc.constantFrom(...seeds), mutationArb), fc.boolean(), async ([s, ops], gz) => {
    const bytes = mutate(s, ops);
    try {
      assertValidDataset(await readFashionCsv(file(gz ? 'f.csv.gz' : 'f.csv', gz ? mutate(gzipSync(bytes), ops.slice(0, 1)) : bytes)), 'fuzz file');
    } catch (err) {
      if (err instanceof assert.AssertionError) throw err;
      expectOwnError(err, 'file');
    }
  }), { seed: 22, numRuns: 100 });
});
