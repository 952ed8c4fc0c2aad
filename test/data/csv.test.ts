import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { DataFormatError, readFashionCsv } from '../../src/data/index.js';
import { tempDir } from '../helpers/tmp.js';

function rows(n: number, seed = 1): { lines: string[]; labels: number[]; pixels: number[][] } {
  let s = seed;
  const rnd = (m: number) => { s = (s * 1103515245 + 12345) >>> 0; return (s >>> 16) % m; };
  const labels: number[] = [];
  const pixels: number[][] = [];
  const lines: string[] = [];
  for (let i = 0; i < n; i++) {
    const label = rnd(10);
    const px = Array.from({ length: 784 }, () => rnd(256));
    labels.push(label);
    pixels.push(px);
    lines.push([label, ...px].join(','));
  }
  return { lines, labels, pixels };
}

const HEADER = ['label', ...Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`)].join(',');

test('reads a Kaggle-style CSV with and without header, plain and gzipped, CRLF too', async () => {
  const dir = tempDir();
  const { lines, labels, pixels } = rows(7);
  const variants: Array<[string, string | Uint8Array]> = [
    ['with-header.csv', [HEADER, ...lines].join('\n') + '\n'],
    ['no-header.csv', lines.join('\n')],
    ['crlf.csv', [HEADER, ...lines].join('\r\n')],
    ['zipped.csv.gz', gzipSync([HEADER, ...lines].join('\n'))],
  ];
  for (const [name, content] of variants) {
    const file = path.join(dir, name);
    writeFileSync(file, content);
    const set = await readFashionCsv(file);
    assert.equal(set.images.rows, 7, name);
    assert.deepEqual(Array.from(set.labels), labels, name);
    assert.ok(Math.abs(set.images.data[784 * 3 + 5]! - pixels[3]![5]! / 255) < 1e-7, name);
  }
});

test('CSV errors name the file, line and column', async () => {
  const dir = tempDir();
  const { lines } = rows(3);
  const cases: Array<[string, string[], RegExp]> = [
    ['short.csv', [HEADER, lines[0]!, lines[1]!.split(',').slice(0, 700).join(',')], /short\.csv, line 3: expected 785 columns .* found 700/],
    ['nan.csv', [HEADER, lines[0]!.replace(/,\d+$/, ',abc')], /nan\.csv, line 2, column 785: 'abc' is not a non-negative integer/],
    ['range.csv', [lines[0]!, lines[1]!.replace(/^(\d+),\d+,/, '$1,300,')], /range\.csv, line 2, column 2: pixel value 300 is outside 0\.\.255/],
    ['label.csv', [HEADER, lines[0]!, lines[1]!.replace(/^\d+,/, '11,')], /label\.csv, line 3: label 11 is outside 0\.\.9/],
    ['neg.csv', [lines[0]!.replace(/^(\d+),\d+,/, '$1,-4,')], /column 2: '-4' is not a non-negative integer/],
    ['empty.csv', [HEADER], /no data rows/],
  ];
  for (const [name, content, re] of cases) {
    const file = path.join(dir, name);
    writeFileSync(file, content.join('\n'));
    await assert.rejects(readFashionCsv(file), (e: Error) => e instanceof DataFormatError && re.test(e.message), name);
  }
  await assert.rejects(readFashionCsv(path.join(dir, 'missing.csv')), /missing\.csv: file not found/);
});

test('a corrupt gzipped CSV is a clear error', async () => {
  const dir = tempDir();
  const file = path.join(dir, 'bad.csv.gz');
  const gz = gzipSync(rows(50).lines.join('\n'));
  writeFileSync(file, gz.subarray(0, gz.length / 2));
  await assert.rejects(readFashionCsv(file), /bad\.csv\.gz: cannot read/);
});
