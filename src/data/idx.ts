import { readFile } from 'node:fs/promises';
import { gunzipSync } from 'node:zlib';
import { DataFormatError } from './errors.js';

/**
 * The IDX format (LeCun's MNIST files, reused by Fashion-MNIST): a 4-byte magic number
 * `0x00 0x00 <dtype> <ndim>`, then `ndim` big-endian uint32 dimensions, then the values.
 */
const GZIP_MAGIC_0 = 0x1f;
const GZIP_MAGIC_1 = 0x8b;
const IDX_DTYPE_UINT8 = 0x08;
const IDX_HEADER_BYTES = 4;
const IDX_DIM_BYTES = 4;

/** Largest decompressed size accepted (the largest official file is 47 MB): guards against gzip bombs. */
const MAX_DECOMPRESSED_BYTES = 512 * 2 ** 20;

/** Byte sizes of the IDX dtypes (only uint8 is used by (Fashion-)MNIST). */
const IDX_DTYPES: Record<number, { name: string; bytes: number }> = {
  0x08: { name: 'uint8', bytes: 1 },
  0x09: { name: 'int8', bytes: 1 },
  0x0b: { name: 'int16', bytes: 2 },
  0x0c: { name: 'int32', bytes: 4 },
  0x0d: { name: 'float32', bytes: 4 },
  0x0e: { name: 'float64', bytes: 8 },
};

/** A parsed IDX file of unsigned bytes. */
export interface IdxArray {
  readonly dims: readonly number[];
  readonly data: Uint8Array;
}

/** True when the bytes start with the gzip magic number. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC_0 && bytes[1] === GZIP_MAGIC_1;
}

/**
 * Decompresses gzip bytes, turning zlib's terse errors into one that names the file.
 * @throws DataFormatError for a truncated or corrupt gzip stream.
 */
export function gunzipFile(bytes: Uint8Array, name: string): Uint8Array {
  try {
    return gunzipSync(bytes, { maxOutputLength: MAX_DECOMPRESSED_BYTES });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new DataFormatError(
        `${name}: decompresses to more than ${MAX_DECOMPRESSED_BYTES / 2 ** 20} MB, far more than any Fashion-MNIST file (47 MB); it is not a dataset file.`,
        name,
      );
    }
    throw new DataFormatError(
      `${name}: the gzip stream is truncated or corrupt (${(err as Error).message}). ` +
        'Delete the file and fetch it again (`npm run data`), or reinstall the dataset package.',
      name,
    );
  }
}

/**
 * Parses an IDX buffer (raw, not gzipped) of uint8 values, checking magic, dtype, rank and length.
 * @param expectedRank 1 for labels, 3 for images.
 * @throws DataFormatError naming `name` when anything does not match.
 */
export function parseIdx(bytes: Uint8Array, name: string, expectedRank?: number): IdxArray {
  if (!(bytes instanceof Uint8Array)) {
    throw new TypeError(`parseIdx: bytes must be a Uint8Array (e.g. a Buffer from readFile), got ${bytes === null ? 'null' : ArrayBuffer.isView(bytes) ? (bytes as object).constructor.name : typeof bytes}.`);
  }
  if (bytes.length < IDX_HEADER_BYTES) {
    throw new DataFormatError(`${name}: only ${bytes.length} bytes; an IDX file has at least a 4-byte header.`, name);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw new DataFormatError(
      `${name}: wrong magic number 0x${hex(bytes, 4)}; an IDX file starts with 0x0000 then dtype and rank ` +
        '(0x00000801 for labels, 0x00000803 for images). Is this the right file?',
      name,
    );
  }
  const dtype = bytes[2]!;
  const rank = bytes[3]!;
  const dtypeInfo = IDX_DTYPES[dtype];
  if (!dtypeInfo) throw new DataFormatError(`${name}: unknown IDX dtype 0x${dtype.toString(16)}.`, name);
  if (dtype !== IDX_DTYPE_UINT8) {
    throw new DataFormatError(`${name}: IDX dtype is ${dtypeInfo.name}; (Fashion-)MNIST files are uint8.`, name);
  }
  if (expectedRank !== undefined && rank !== expectedRank) {
    throw new DataFormatError(
      `${name}: IDX rank is ${rank} but ${expectedRank} was expected (${expectedRank === 1 ? 'a labels file' : 'an images file'}). ` +
        'Were the images and labels files swapped?',
      name,
    );
  }
  const headerBytes = IDX_HEADER_BYTES + rank * IDX_DIM_BYTES;
  if (bytes.length < headerBytes) {
    throw new DataFormatError(`${name}: header declares ${rank} dimensions but the file has only ${bytes.length} bytes.`, name);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(view.getUint32(IDX_HEADER_BYTES + i * IDX_DIM_BYTES, false));
  const expected = dims.reduce((a, b) => a * b, 1) * dtypeInfo.bytes;
  const actual = bytes.length - headerBytes;
  if (actual !== expected) {
    throw new DataFormatError(
      `${name}: header declares dimensions ${dims.join('×')} (${expected} bytes of data) but the file holds ${actual}; ` +
        (actual < expected ? 'it is truncated.' : 'it has trailing bytes.') + ' Fetch it again.',
      name,
    );
  }
  return { dims, data: bytes.subarray(headerBytes) };
}

/**
 * Reads an IDX file from disk, gzipped or raw (detected from the content, not the name).
 * @throws DataFormatError when the file is missing, truncated or malformed.
 */
export async function readIdxFile(file: string, expectedRank?: number): Promise<IdxArray> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new DataFormatError(
      code === 'ENOENT'
        ? `${file}: file not found. Run \`npm run setup\` (installs Debian's dataset-fashion-mnist) or \`npm run data\`, or set FASHION_MNIST_DIR.`
        : `${file}: cannot read (${(err as Error).message}).`,
      file,
    );
  }
  const raw = isGzip(bytes) ? gunzipFile(bytes, file) : bytes;
  return parseIdx(raw, file, expectedRank);
}

/** Encodes uint8 values as an IDX buffer (used by tests and by tools that write subsets). */
export function encodeIdx(dims: readonly number[], data: Uint8Array): Uint8Array {
  const headerBytes = IDX_HEADER_BYTES + dims.length * IDX_DIM_BYTES;
  const out = new Uint8Array(headerBytes + data.length);
  out[2] = IDX_DTYPE_UINT8;
  out[3] = dims.length;
  const view = new DataView(out.buffer);
  dims.forEach((d, i) => view.setUint32(IDX_HEADER_BYTES + i * IDX_DIM_BYTES, d, false));
  out.set(data, headerBytes);
  return out;
}

function hex(bytes: Uint8Array, n: number): string {
  return Array.from(bytes.subarray(0, n), (b) => b.toString(16).padStart(2, '0')).join('');
}
