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
  await assert.rejects(readFashionCsv(file), /bad\.csv\.gz: the gzip stream is truncated or corrupt \(unexpected end of file\)\. Fetch or compress the file again/);
});

test('the header is read: the label column is found by name at any position (OpenML: pixel1..pixel784,label)', async () => {
  const dir = tempDir();
  const { labels, pixels } = rows(6, 7);
  const pixelNames = Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`);
  const labelLast = labels.map((l, i) => [...pixels[i]!, l].join(','));
  const labelMiddle = labels.map((l, i) => [...pixels[i]!.slice(0, 100), l, ...pixels[i]!.slice(100)].join(','));
  const variants: Array<[string, string, string[]]> = [
    ['openml.csv', [...pixelNames, 'label'].join(','), labelLast],
    ['openml-class.csv', [...pixelNames, 'class'].join(','), labelLast],
    ['quoted-bom.csv', '\uFEFF' + [...pixelNames, '"Label"'].map((s) => (s.startsWith('"') ? s : `"${s}"`)).join(','), labelLast],
    ['middle.csv', [...pixelNames.slice(0, 100), 'label', ...pixelNames.slice(100)].join(','), labelMiddle],
  ];
  for (const [name, header, lines] of variants) {
    const file = path.join(dir, name);
    writeFileSync(file, [header, ...lines].join('\n'));
    const set = await readFashionCsv(file);
    assert.deepEqual(Array.from(set.labels), labels, name);
    for (const [i, j] of [[0, 0], [3, 99], [3, 100], [5, 783]] as const) {
      assert.ok(Math.abs(set.images.data[784 * i + j]! - pixels[i]![j]! / 255) < 1e-7, `${name} pixel ${i},${j}`);
    }
  }
  // an explicit labelColumn (index or name) is used as given
  const file = path.join(dir, 'explicit.csv');
  writeFileSync(file, labelLast.join('\n'));
  assert.deepEqual(Array.from((await readFashionCsv(file, { labelColumn: 784 })).labels), labels);
  const named = path.join(dir, 'named.csv');
  writeFileSync(named, [[...pixelNames.slice(0, 783), 'target', 'pixel784'].join(','), ...labels.map((l, i) => [...pixels[i]!.slice(0, 783), l, pixels[i]![783]].join(','))].join('\n'));
  assert.deepEqual(Array.from((await readFashionCsv(named, { labelColumn: 'TARGET' })).labels), labels);
});

test('a CSV whose label column cannot be identified is refused, saying what was expected', async () => {
  const dir = tempDir();
  const { labels, pixels } = rows(5, 3);
  const pixelNames = Array.from({ length: 784 }, (_, i) => `pixel${i + 1}`);
  const cornerZero = pixels.map((p) => { const q = p.slice(); q[0] = 0; q[783] = 0; return q; });
  const cases: Array<[string, string[], RegExp]> = [
    // header without any label column
    ['nolabel.csv', [['id', ...pixelNames].join(','), ...pixels.map((p, i) => [i, ...p].join(','))], /no column named 'label' or 'class'.*options\.labelColumn/],
    ['twice.csv', [['label', ...pixelNames.slice(0, 783), 'label'].join(','), ...pixels.map((p, i) => [labels[i], ...p].join(','))], /names 'label' 2 times \(columns 1, 785\)/],
    ['short-header.csv', [['label', ...pixelNames.slice(0, 10)].join(','), ...pixels.map((p, i) => [labels[i], ...p].join(','))], /header has 11 columns but a Fashion-MNIST CSV has 785/],
    // no header, first and last column both 0..9: ambiguous
    ['ambiguous.csv', cornerZero.map((p, i) => [labels[i], ...p].join(',')), /no header line, and both the first and the last column hold only values 0\.\.9.*labelColumn = 0.*784/],
    // no header, label last (OpenML without header): the first column has pixel values
    ['label-last.csv', pixels.map((p, i) => { const q = p.slice(); q[0] = 200; return [...q, labels[i]].join(','); }), /line 1: label 200 is outside 0\.\.9 \(no header line.*labelColumn = 784/],
  ];
  for (const [name, content, re] of cases) {
    const file = path.join(dir, name);
    writeFileSync(file, content.join('\n'));
    await assert.rejects(readFashionCsv(file), (e: Error) => e instanceof DataFormatError && re.test(e.message), name);
  }
  const file = path.join(dir, 'ambiguous.csv');
  assert.equal((await readFashionCsv(file, { labelColumn: 0 })).labels[2], labels[2]);
  await assert.rejects(readFashionCsv(file, { labelColumn: 'label' }), /names the column 'label' but the file has no header line/);
  await assert.rejects(readFashionCsv(file, { labelColumn: 785 }), RangeError);
  await assert.rejects(readFashionCsv(file, { header: 'yes' as never }), TypeError);
  await assert.rejects(readFashionCsv(dir), /is a folder, not a CSV file/);
});
