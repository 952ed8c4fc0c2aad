import { accessSync, constants, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { DataFormatError } from './errors.js';
import { folderProblem, unreadableFolderProblem } from './folders.js';
import { FASHION_MEAN_PIXEL, FIRST_LABELS, MNIST_DIGITS_GZIP_MD5, MNIST_DIGITS_MEAN_PIXEL, OFFICIAL_FILES, type OfficialFile } from './files.js';
import { gunzipFile, isGzip, parseIdx } from './idx.js';

/** Environment variable naming a folder that holds the four files (first place looked). */
export const DATA_DIR_ENV = 'FASHION_MNIST_DIR';
/** Where Debian's `dataset-fashion-mnist` package installs the files. */
export const DEBIAN_DATA_DIR = '/usr/share/datasets/fashion-mnist';

/**
 * The folders searched for the dataset, in order: `./data` (relative to `cwd`, then to the
 * project root), then Debian's package folder — or only `$FASHION_MNIST_DIR` when that is set
 * (a location the user named is used or refused, never replaced by another copy).
 */
export function candidateDirs(cwd = process.cwd()): string[] {
  const fromEnv = process.env[DATA_DIR_ENV];
  if (fromEnv) return [path.resolve(fromEnv)];
  const dirs: string[] = [];
  dirs.push(path.resolve(cwd, 'data'));
  dirs.push(path.resolve(__dirname, '..', '..', 'data'));
  dirs.push(DEBIAN_DATA_DIR);
  return [...new Set(dirs)];
}

function readable(file: string): boolean {
  try {
    accessSync(file, constants.R_OK);
    return true;
  } catch {
    return false;
  }
}

/** Path of an official file inside `dir`, accepting the .gz name or the uncompressed one. */
function fileIn(dir: string, file: OfficialFile): string | undefined {
  for (const name of [file.name, file.name.replace(/\.gz$/, '')]) {
    const p = path.join(dir, name);
    try {
      if (statSync(p).isFile()) return p;
    } catch {
      // absent (or a dangling link): try the other name
    }
  }
  return undefined;
}

/**
 * Checks a folder the user named (`options.dir` or `$FASHION_MNIST_DIR`): it must exist, be a
 * folder and hold the four files.
 * @throws DataFormatError naming the setting, the folder and what is wrong with it.
 */
function checkNamedDir(dir: string, setting: string): string {
  const how = setting === DATA_DIR_ENV
    ? `Point ${DATA_DIR_ENV} at a folder with the four official files, or unset it to use ./data or Debian's ${DEBIAN_DATA_DIR} ` +
      `(other locations are not searched while ${DATA_DIR_ENV} is set).`
    : 'Pass a folder with the four official files, or leave dir out to search ./data and Debian\'s folder.';
  const named = setting === DATA_DIR_ENV ? `${DATA_DIR_ENV} = ${dir}` : `dir = ${dir}`;
  const problem = folderProblem(dir) ?? unreadableFolderProblem(dir);
  if (problem !== undefined) {
    const fix = problem.startsWith('cannot be read') ? ` Give yourself read access (e.g. chmod u+rx ${dir}) or copy the files elsewhere.` : '';
    throw new DataFormatError(`${named}: ${problem === 'is a file, not a folder' ? 'that is a file, not a folder' : `that folder ${problem}`}.${fix} ${how}`, dir);
  }
  const unreadable = OFFICIAL_FILES.map((f) => fileIn(dir, f)).filter((p): p is string => p !== undefined && !readable(p));
  if (unreadable.length > 0) {
    throw new DataFormatError(`${named}: ${unreadable.join(', ')} cannot be read (permission denied). Give yourself read access (chmod u+r) or copy the files elsewhere. ${how}`, dir);
  }
  const missing = OFFICIAL_FILES.filter((f) => !fileIn(dir, f)).map((f) => f.name);
  if (missing.length > 0) {
    const present = OFFICIAL_FILES.length - missing.length;
    throw new DataFormatError(
      `${named}: Fashion-MNIST not found there: the folder holds ${present} of the 4 files; it lacks ${missing.join(', ')}. ` +
        `Add ${missing.length === 1 ? 'it' : 'them'} (\`npm run data\` downloads them). ${how}`,
      dir,
    );
  }
  return dir;
}

/**
 * Finds the folder holding all four files. With `dir` given, or `$FASHION_MNIST_DIR` set, only
 * that folder is used: when it is missing, a file, or lacks some of the files, that is an error
 * (another copy is never loaded in its place).
 * @throws DataFormatError listing the folders searched and how to install the data, or naming
 *   the setting (`dir` / `FASHION_MNIST_DIR`) and what is wrong with the folder it names.
 */
export function locateDataset(dir?: string): string {
  if (dir !== undefined) {
    if (typeof dir !== 'string' || dir === '') throw new TypeError(`dir must be a folder path (a non-empty string), got ${dir === '' ? 'an empty string' : typeof dir}.`);
    return checkNamedDir(path.resolve(dir), 'dir');
  }
  const fromEnv = process.env[DATA_DIR_ENV];
  if (fromEnv) return checkNamedDir(path.resolve(fromEnv), DATA_DIR_ENV);
  const dirs = candidateDirs();
  for (const d of dirs) {
    if (OFFICIAL_FILES.every((f) => fileIn(d, f))) return d;
  }
  const partial = dirs.find((d) => OFFICIAL_FILES.some((f) => fileIn(d, f)));
  const missing = partial ? OFFICIAL_FILES.filter((f) => !fileIn(partial, f)).map((f) => f.name) : [];
  throw new DataFormatError(
    'Fashion-MNIST not found. Looked in: ' + dirs.join(', ') + '. ' +
      (partial ? `${partial} lacks ${missing.join(', ')}. ` : '') +
      'Install it with `npm run setup` (Debian: apt-get install dataset-fashion-mnist), download it with ' +
      `\`npm run data\`, or point ${DATA_DIR_ENV} at a folder with the four official files.`,
  );
}

/** Paths of the four files in a located folder, keyed `train-images`, `test-labels`, ... */
export function datasetPaths(dir: string): Record<`${OfficialFile['split']}-${OfficialFile['role']}`, string> {
  const out: Record<string, string> = {};
  for (const f of OFFICIAL_FILES) {
    const p = fileIn(dir, f);
    if (!p) throw new DataFormatError(`${path.join(dir, f.name)}: file not found.`);
    out[`${f.split}-${f.role}`] = p;
  }
  return out as Record<`${OfficialFile['split']}-${OfficialFile['role']}`, string>;
}

export function md5(bytes: Uint8Array): string {
  return createHash('md5').update(bytes).digest('hex');
}

/**
 * Checks one file against the published checksums and returns its decompressed IDX bytes.
 * A file that is not the official one is named for what it is: MNIST digits, the other split,
 * images in place of labels, or simply unknown/corrupt.
 * @throws DataFormatError when the file is not the official Fashion-MNIST file.
 */
export async function verifyOfficialFile(file: string, expected: OfficialFile): Promise<Uint8Array> {
  return verifyOfficialBytes(await readFile(file), file, expected);
}

/**
 * {@link verifyOfficialFile} for bytes already in memory (e.g. a download), `file` naming them in
 * errors: accepted when they match the published gzip MD5, or decompress to the official content.
 * @throws DataFormatError when they are not the official file.
 */
export function verifyOfficialBytes(bytes: Uint8Array, file: string, expected: OfficialFile): Uint8Array {
  const gz = isGzip(bytes);
  const fileMd5 = gz ? md5(bytes) : undefined;
  if (fileMd5 === expected.gzipMd5) return gunzipFile(bytes, file);
  const digits = fileMd5 === undefined ? undefined : MNIST_DIGITS_GZIP_MD5[fileMd5];
  if (digits) {
    throw new DataFormatError(
      `${file} is the MNIST handwritten-digits file ${digits}, not Fashion-MNIST. ` +
        'Replace it with the Fashion-MNIST file of the same name (`npm run data`).',
      file,
    );
  }
  const payload = gz ? gunzipFile(bytes, file) : bytes;
  const payloadMd5 = md5(payload);
  if (payloadMd5 === expected.payloadMd5) return payload;
  const other = OFFICIAL_FILES.find((f) => f.payloadMd5 === payloadMd5);
  if (other) {
    throw new DataFormatError(`${file} holds the content of ${other.name}, not ${expected.name}. Were the files renamed or swapped?`, file);
  }
  throw new DataFormatError(`${file}: ${identify(payload, file, expected)} Expected MD5 ${expected.gzipMd5} (gzip) or ${expected.payloadMd5} (content). Fetch it again (\`npm run data\`).`, file);
}

/** A best-effort description of an unrecognised file, for error messages. */
function identify(payload: Uint8Array, file: string, expected: OfficialFile): string {
  let idx;
  try {
    idx = parseIdx(payload, file);
  } catch (err) {
    return `not the official file: ${(err as Error).message}`;
  }
  const { dims, data } = idx;
  if (dims.length === 1 && data.length >= 10) {
    const first = Array.from(data.subarray(0, 10)).join('');
    for (const split of ['train', 'test'] as const) {
      if (first === FIRST_LABELS[split]!.mnistDigits) return `these are the MNIST handwritten-digit ${split} labels, not Fashion-MNIST.`;
    }
  }
  if (dims.length === 3 && data.length > 0) {
    let sum = 0;
    const n = Math.min(data.length, 784 * 1000);
    for (let i = 0; i < n; i++) sum += data[i]!;
    const mean = sum / n / 255;
    if (Math.abs(mean - MNIST_DIGITS_MEAN_PIXEL) < Math.abs(mean - FASHION_MEAN_PIXEL)) {
      return `these look like MNIST handwritten-digit images (mean pixel ${mean.toFixed(3)} vs ≈${FASHION_MEAN_PIXEL} for Fashion-MNIST), not Fashion-MNIST.`;
    }
  }
  return `content does not match the official ${expected.name} (IDX ${dims.join('×')}); it is modified or a different dataset.`;
}
