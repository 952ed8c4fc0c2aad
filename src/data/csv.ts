import { createReadStream } from 'node:fs';
import { access } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import { IMAGE_PIXELS, NUM_CLASSES, type LabeledImages } from './classes.js';
import { pixelsToMatrix } from './dataset.js';
import { DataFormatError } from './errors.js';

export interface CsvOptions {
  /**
   * Whether the first line is a header. Default `'auto'`: a first line whose first field is not
   * a number (Kaggle's `label,pixel1,...`) is a header.
   */
  header?: boolean | 'auto';
}

/** Columns per row: the label then 784 pixels. */
const CSV_COLUMNS = 1 + IMAGE_PIXELS;

/**
 * Streams a Kaggle-style Fashion-MNIST CSV (label column + 784 pixel columns of 0..255, header
 * optional; `.gz` accepted) into the same form as the IDX loader. Memory stays at the size of the
 * result (pixels are kept as bytes until the end), so the 70,000-row file is fine.
 * @throws DataFormatError naming the file and line for a wrong column count, a non-numeric or
 *   out-of-range value, or a label outside 0..9. Nothing partly loaded is returned.
 */
export async function readFashionCsv(file: string, options: CsvOptions = {}): Promise<LabeledImages> {
  try {
    await access(file);
  } catch {
    throw new DataFormatError(`${file}: file not found.`, file);
  }
  const header = options.header ?? 'auto';
  let capacity = 1024;
  let pixels = new Uint8Array(capacity * IMAGE_PIXELS);
  let labels = new Uint8Array(capacity);
  let n = 0;
  let lineNo = 0;
  const source = createReadStream(file);
  const stream = file.endsWith('.gz') ? source.pipe(createGunzip()) : source;
  const streamError = new Promise<never>((_, reject) => {
    const fail = (err: Error) => reject(new DataFormatError(`${file}: cannot read (${err.message}).`, file));
    source.on('error', fail);
    stream.on('error', fail);
  });
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  const parse = async (): Promise<void> => {
    for await (const line of lines) {
      lineNo++;
      if (line.trim() === '') continue;
      const fields = line.split(',');
      if (lineNo === 1 && (header === true || (header === 'auto' && !isNumeric(fields[0]!)))) continue;
      if (fields.length !== CSV_COLUMNS) {
        throw new DataFormatError(
          `${file}, line ${lineNo}: expected ${CSV_COLUMNS} columns (label + ${IMAGE_PIXELS} pixels) but found ${fields.length}.`,
          file,
        );
      }
      if (n === capacity) {
        capacity *= 2;
        const p = new Uint8Array(capacity * IMAGE_PIXELS);
        p.set(pixels);
        pixels = p;
        const l = new Uint8Array(capacity);
        l.set(labels);
        labels = l;
      }
      const label = parseIntField(fields[0]!, file, lineNo, 1);
      if (label >= NUM_CLASSES) {
        throw new DataFormatError(`${file}, line ${lineNo}: label ${label} is outside 0..${NUM_CLASSES - 1}.`, file);
      }
      labels[n] = label;
      const base = n * IMAGE_PIXELS;
      for (let j = 1; j < CSV_COLUMNS; j++) {
        const v = parseIntField(fields[j]!, file, lineNo, j + 1);
        if (v > 255) {
          throw new DataFormatError(`${file}, line ${lineNo}, column ${j + 1}: pixel value ${v} is outside 0..255.`, file);
        }
        pixels[base + j - 1] = v;
      }
      n++;
    }
  };
  try {
    await Promise.race([parse(), streamError]);
  } finally {
    lines.close();
    source.destroy();
  }
  if (n === 0) throw new DataFormatError(`${file}: no data rows.`, file);
  return { images: pixelsToMatrix(pixels.subarray(0, n * IMAGE_PIXELS), n), labels: labels.slice(0, n) };
}

function isNumeric(s: string): boolean {
  return /^\s*-?\d+(\.\d+)?\s*$/.test(s);
}

function parseIntField(s: string, file: string, line: number, column: number): number {
  const t = s.trim();
  if (!/^\d+$/.test(t)) {
    throw new DataFormatError(
      `${file}, line ${line}, column ${column}: '${s}' is not a non-negative integer.`,
      file,
    );
  }
  return Number(t);
}
