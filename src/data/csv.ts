import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { IMAGE_PIXELS, NUM_CLASSES, type LabeledImages } from './classes.js';
import { pixelsToMatrix } from './dataset.js';
import { DataFormatError } from './errors.js';

export interface CsvOptions {
  /**
   * Whether the first line is a header. Default `'auto'`: a first line with any field that is
   * not a number (Kaggle's `label,pixel1,...`, OpenML's `pixel1,...,pixel784,class`) is a header.
   */
  header?: boolean | 'auto';
  /**
   * The label column: a header name (matched case-insensitively) or a 0-based column index.
   * Default: the header column named `label` (or `class`, OpenML's name for it), at any position;
   * without a header, the first column (Kaggle's layout) — refused when the file cannot tell it
   * apart from a pixel column (see {@link readFashionCsv}).
   */
  labelColumn?: string | number;
}

/** Columns per row: the label and 784 pixels. */
const CSV_COLUMNS = 1 + IMAGE_PIXELS;
/** Longest line accepted by {@link readFashionCsv} (a valid line is at most ~3 kB). */
const MAX_LINE_BYTES = 2 ** 20;
/** Header names recognised as the label column, in order of preference. */
const LABEL_NAMES = ['label', 'class'] as const;

/**
 * Streams a Fashion-MNIST CSV (one label column + 784 pixel columns of 0..255; gzip-compressed
 * files are recognised by their content, whatever their name)
 * into the same form as the IDX loader. The header, when there is one, is read: the label column
 * is the one named `label` (or `class`) wherever it is, so Kaggle's `label,pixel1..pixel784` and
 * OpenML's `pixel1..pixel784,label` both load correctly. Without a header the label column is the
 * first one (Kaggle's layout) unless `labelColumn` says otherwise; a header-less file whose first
 * *and* last columns both hold only 0..9 is refused, because the label cannot be told apart from
 * a pixel column (a silently wrong choice would give every image the label of a corner pixel).
 * Memory stays near the size of the result (values are kept as bytes until the end).
 * @throws DataFormatError naming the file (and line/column) for a missing file, a header without
 *   a label column, an ambiguous header-less file, a wrong column count, a non-numeric or
 *   out-of-range value, or a label outside 0..9. Nothing partly loaded is returned.
 * @example const { images, labels } = await readFashionCsv('fashion-mnist_test.csv');
 */
export async function readFashionCsv(file: string, options: CsvOptions = {}): Promise<LabeledImages> {
  if (typeof file !== 'string' || file === '') {
    throw new TypeError(`readFashionCsv: file must be a path (a non-empty string), got ${file === '' ? 'an empty string' : typeof file}.`);
  }
  checkCsvOptions(options);
  try {
    const s = await stat(file);
    if (s.isDirectory()) throw new DataFormatError(`${file}: is a folder, not a CSV file.`, file);
  } catch (err) {
    if (err instanceof DataFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(
      code === 'ELOOP' ? `${file}: is a symbolic link that loops back to itself; point it at the CSV file.`
      : code === 'EACCES' ? `${file}: cannot be reached (permission denied on a folder above it).`
      : `${file}: file not found.`,
      file,
    );
  }
  // Compressed or not is told by the content, not the name: a plain CSV named `.csv.gz` (or a
  // gzip named `.csv`) is read as what it is.
  const gz = await startsWithGzipMagic(file);
  const source = createReadStream(file);
  const stream = gz ? source.pipe(createGunzip()) : source;
  const streamError = new Promise<never>((_, reject) => {
    const fail = (err: Error) => reject(new DataFormatError(
      (err as NodeJS.ErrnoException).code?.startsWith('Z_')
        ? `${file}: the gzip stream is truncated or corrupt (${err.message}). Fetch or compress the file again.`
        : (err as NodeJS.ErrnoException).code === 'EACCES'
          ? `${file}: cannot be read (permission denied). Give yourself read access (chmod u+r) or copy it elsewhere.`
          : `${file}: cannot read (${err.message}).`,
      file,
    ));
    source.on('error', fail);
    stream.on('error', fail);
  });
  // A valid line is a few kB: a "line" of megabytes (a binary file, a decompression bomb without
  // newlines) is refused before readline buffers it whole.
  let sinceNewline = 0;
  stream.on('data', (chunk: Buffer) => {
    const nl = chunk.lastIndexOf(0x0a);
    sinceNewline = nl < 0 ? sinceNewline + chunk.length : chunk.length - nl - 1;
    if (sinceNewline > MAX_LINE_BYTES) {
      stream.destroy(new Error(`a line is longer than ${MAX_LINE_BYTES / 2 ** 20} MB; a Fashion-MNIST CSV line has a few kB: this is not a CSV of images`));
    }
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  try {
    return await Promise.race([parseCsvLines(lines, file, options), streamError]);
  } finally {
    lines.close();
    source.destroy();
  }
}

/** Whether the file begins with the gzip magic bytes (1f 8b). */
async function startsWithGzipMagic(file: string): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>> | undefined;
  try {
    fh = await open(file, 'r');
    const head = Buffer.alloc(2);
    const { bytesRead } = await fh.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(code === 'EACCES' ? `${file}: cannot be read (permission denied). Give yourself read access (chmod u+r) or copy it elsewhere.` : `${file}: cannot read (${(err as Error).message}).`, file);
  } finally {
    await fh?.close();
  }
}

/**
 * {@link readFashionCsv} for CSV text already in memory (`name` names it in errors).
 * @throws DataFormatError like readFashionCsv.
 * @example parseFashionCsv('label,pixel1,…\n3,0,0,…', {}, 'upload.csv')
 */
export async function parseFashionCsv(text: string, options: CsvOptions = {}, name = '<csv text>'): Promise<LabeledImages> {
  if (typeof text !== 'string') throw new TypeError(`parseFashionCsv: text must be a string, got ${typeof text}.`);
  checkCsvOptions(options);
  return parseCsvLines(text.split(/\r?\n/), name, options);
}

function checkCsvOptions(options: CsvOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError(`readFashionCsv: options must be an object, got ${options === null ? 'null' : typeof options}.`);
  const header = options.header ?? 'auto';
  if (header !== true && header !== false && header !== 'auto') {
    throw new TypeError(`readFashionCsv: options.header must be true, false or 'auto', got ${JSON.stringify(header)}.`);
  }
  const labelOption = options.labelColumn;
  if (labelOption !== undefined) {
    if (typeof labelOption === 'number') {
      if (!Number.isInteger(labelOption) || labelOption < 0 || labelOption >= CSV_COLUMNS) {
        throw new RangeError(`readFashionCsv: options.labelColumn must be a column index in 0..${CSV_COLUMNS - 1} or a header name, got ${labelOption}.`);
      }
    } else if (typeof labelOption !== 'string' || labelOption.trim() === '') {
      throw new TypeError(`readFashionCsv: options.labelColumn must be a header name or a column index, got ${JSON.stringify(labelOption)}.`);
    }
  }
}

/** The parser behind {@link readFashionCsv} and {@link parseFashionCsv}, over the lines of a CSV. */
async function parseCsvLines(lines: AsyncIterable<string> | Iterable<string>, file: string, options: CsvOptions): Promise<LabeledImages> {
  const header = options.header ?? 'auto';
  const labelOption = options.labelColumn;
  let capacity = 1024;
  let values = new Uint8Array(capacity * CSV_COLUMNS);
  let lineOf = new Int32Array(capacity);
  let n = 0;
  let lineNo = 0;
  let sawFirst = false;
  /** Label column once known (from the header or the option), else -1 until the end. */
  let labelIdx = typeof labelOption === 'number' ? labelOption : -1;
  let headerNames: string[] | undefined;
  for await (const raw of lines) {
    lineNo++;
    const line = lineNo === 1 ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const fields = line.split(',');
    if (!sawFirst) {
      sawFirst = true;
      const isHeader = header === true || (header === 'auto' && fields.some((f) => !isNumeric(f)));
      if (isHeader) {
        headerNames = fields.map(unquote);
        labelIdx = labelFromHeader(headerNames, labelOption, file);
        continue;
      }
      if (typeof labelOption === 'string') {
        throw new DataFormatError(
          `${file}: options.labelColumn names the column '${labelOption}' but the file has no header line (its first line is data). ` +
            'Pass the label column as an index (0 for label-first files) or add the header line.',
          file,
        );
      }
    }
    if (fields.length !== CSV_COLUMNS) {
      throw new DataFormatError(
        `${file}, line ${lineNo}: expected ${CSV_COLUMNS} columns (label + ${IMAGE_PIXELS} pixels) but found ${fields.length}.`,
        file,
      );
    }
    if (n === capacity) {
      capacity *= 2;
      const v = new Uint8Array(capacity * CSV_COLUMNS);
      v.set(values);
      values = v;
      const l = new Int32Array(capacity);
      l.set(lineOf);
      lineOf = l;
    }
    const base = n * CSV_COLUMNS;
    for (let j = 0; j < CSV_COLUMNS; j++) {
      const v = j === labelIdx ? parseLabelField(fields[j]!, file, lineNo, describeColumn(j, headerNames)) : parseIntField(fields[j]!, file, lineNo, j + 1);
      if (j === labelIdx) {
        if (v >= NUM_CLASSES) {
          throw new DataFormatError(`${file}, line ${lineNo}: label ${v} is outside 0..${NUM_CLASSES - 1}${describeColumn(j, headerNames)}.`, file);
        }
      } else if (v > 255) {
        throw new DataFormatError(
          `${file}, line ${lineNo}, column ${j + 1}: ${labelIdx < 0 && (j === 0 || j === CSV_COLUMNS - 1) ? 'value' : 'pixel value'} ${v} is outside 0..255.`,
          file,
        );
      }
      values[base + j] = v;
    }
    lineOf[n] = lineNo;
    n++;
  }
  if (n === 0) throw new DataFormatError(`${file}: no data rows.`, file);
  if (labelIdx < 0) labelIdx = labelWithoutHeader(values, lineOf, n, file);
  const pixels = new Uint8Array(n * IMAGE_PIXELS);
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const base = i * CSV_COLUMNS;
    labels[i] = values[base + labelIdx]!;
    let o = i * IMAGE_PIXELS;
    for (let j = 0; j < CSV_COLUMNS; j++) if (j !== labelIdx) pixels[o++] = values[base + j]!;
  }
  return { images: pixelsToMatrix(pixels, n), labels };
}

/** The label column of a header line (by option or by name), checking the column count. */
function labelFromHeader(names: string[], option: string | number | undefined, file: string): number {
  if (names.length !== CSV_COLUMNS) {
    throw new DataFormatError(
      `${file}, line 1: the header has ${names.length} columns but a Fashion-MNIST CSV has ${CSV_COLUMNS} (a label column and ${IMAGE_PIXELS} pixel columns).`,
      file,
    );
  }
  const lower = names.map((s) => s.toLowerCase());
  if (typeof option === 'number') return option;
  const wanted = option === undefined ? LABEL_NAMES : [option.trim().toLowerCase()];
  for (const name of wanted) {
    const hits = lower.flatMap((s, i) => (s === name ? [i] : []));
    if (hits.length > 1) {
      throw new DataFormatError(
        `${file}, line 1: the header names '${name}' ${hits.length} times (columns ${hits.map((h) => h + 1).join(', ')}); ` +
          'pass options.labelColumn as a column index to say which one holds the labels.',
        file,
      );
    }
    if (hits.length === 1) return hits[0]!;
  }
  const shown = names.length > 6 ? [...names.slice(0, 3), '…', ...names.slice(-3)] : names;
  throw new DataFormatError(
    `${file}, line 1: the header (${shown.join(',')}) has no column named ${wanted.map((w) => `'${w}'`).join(' or ')}, so the label column is unknown. ` +
      "Name the label column 'label' in the header, or pass options.labelColumn (its header name or 0-based index).",
    file,
  );
}

/**
 * Header-less file: the first column (Kaggle's layout) when it holds only 0..9 and the last one
 * does not; anything else is refused with what was found.
 */
function labelWithoutHeader(values: Uint8Array, lineOf: Int32Array, n: number, file: string): number {
  const last = CSV_COLUMNS - 1;
  let firstBad = -1;
  let lastBad = -1;
  for (let i = 0; i < n && (firstBad < 0 || lastBad < 0); i++) {
    if (firstBad < 0 && values[i * CSV_COLUMNS]! >= NUM_CLASSES) firstBad = i;
    if (lastBad < 0 && values[i * CSV_COLUMNS + last]! >= NUM_CLASSES) lastBad = i;
  }
  if (firstBad < 0 && lastBad >= 0) return 0;
  if (firstBad >= 0 && lastBad < 0) {
    throw new DataFormatError(
      `${file}, line ${lineOf[firstBad]}: label ${values[firstBad * CSV_COLUMNS]} is outside 0..${NUM_CLASSES - 1} ` +
        '(no header line, so the first column was taken as the label). The last column holds only 0..9: if it is the label ' +
        `(OpenML's layout), add the header line or pass options.labelColumn = ${last}.`,
      file,
    );
  }
  if (firstBad >= 0) {
    throw new DataFormatError(
      `${file}, line ${lineOf[firstBad]}: label ${values[firstBad * CSV_COLUMNS]} is outside 0..${NUM_CLASSES - 1} ` +
        '(no header line, so the first column was taken as the label; no column at either end holds only labels 0..9).',
      file,
    );
  }
  throw new DataFormatError(
    `${file}: no header line, and both the first and the last column hold only values 0..9, so the label column cannot be told ` +
      'apart from a pixel column. Expected a header naming the label column (label,pixel1,…,pixel784 or pixel1,…,pixel784,label); ' +
      `add it, or pass options.labelColumn = 0 (label first, Kaggle) or ${last} (label last, OpenML).`,
    file,
  );
}

function describeColumn(j: number, names: string[] | undefined): string {
  return names ? ` (column ${j + 1}, '${names[j]}')` : ` (column ${j + 1})`;
}

function unquote(s: string): string {
  const t = s.trim();
  return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).trim() : t;
}

function isNumeric(s: string): boolean {
  return /^\s*"?\s*-?\d+(\.\d+)?\s*"?\s*$/.test(s);
}

/**
 * A label field: an integer 0..9. Anything else — a class name, a negative or fractional number —
 * is refused with what it is and the fix, since a label cannot be rewritten into 0..9 silently.
 */
function parseLabelField(s: string, file: string, line: number, column: string): number {
  const t = unquote(s);
  if (/^\d+$/.test(t)) return Number(t);
  const shown = `'${t.length > 20 ? t.slice(0, 20) + '…' : t}'`;
  const what = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)
    ? `${shown} is not a class label: labels are integers 0..${NUM_CLASSES - 1}`
    : `${shown} is not a number: labels are integers 0..${NUM_CLASSES - 1} (class names must be mapped to their index in CLASS_NAMES first)`;
  throw new DataFormatError(`${file}, line ${line}, ${column.slice(2, -1)}: label ${what}. Fix the label column, or pass options.labelColumn if this is not it.`, file);
}

function parseIntField(s: string, file: string, line: number, column: number): number {
  const t = unquote(s);
  if (!/^\d+$/.test(t)) {
    throw new DataFormatError(
      `${file}, line ${line}, column ${column}: '${s.length > 20 ? s.slice(0, 20) + '…' : s}' is not a non-negative integer.`,
      file,
    );
  }
  return Number(t);
}
