import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { recoverFolder, replaceFolderAtomic, type FolderNotice } from '../util/fs.js';

/** File names of the TF.js layers format, as tfjs-node's `file://` handler writes them. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';
/**
 * The integrity record written beside model.json by {@link saveModel}: the SHA-256 of every file
 * of the folder (`{ "algorithm": "sha256", "files": { "model.json": "…", "weights.bin": "…" } }`),
 * checked by every load. model.json itself stays byte-identical to tfjs-node's.
 */
export const CHECKSUMS_JSON = 'checksums.json';

/** What a load or save did about leftovers of an interrupted save (see `recoverFolder`). */
export type ModelNotice = FolderNotice;

/**
 * A saved model (folder, model.json, weight files) that cannot be read: missing or truncated
 * files, bad JSON, a manifest that does not match the weights. The message names the file and
 * what is wrong.
 */
export class ModelFileError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/**
 * The model.json written by tfjs-node's `file://` handler (`NodeFileSystem.save` in
 * tfjs-node/src/io/file_system.ts): keys in this order, one weights group `weights.bin`.
 */
interface ModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  trainingConfig?: unknown;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Stored as `userDefinedMetadata` in model.json (tfjs-node keeps it when loading). */
  userDefinedMetadata?: Record<string, unknown>;
  /** Extra files written into the same folder in the same atomic step (e.g. meta.json). */
  extraFiles?: Record<string, string | Uint8Array>;
  /** Called with what was done about leftovers of an earlier interrupted save (the library never prints). */
  onNotice?: (notice: ModelNotice) => void;
  /** Called after each step of the save (for crash tests; see `replaceFolderAtomic`). */
  onStep?: (step: string) => void | Promise<void>;
}

/**
 * Saves a layers model to a folder in the standard TF.js format — `model.json` (topology +
 * `weightsManifest: [{ paths: ['weights.bin'], weights }]`) and `weights.bin` — byte-compatible
 * with what `model.save('file://dir')` writes under tfjs-node, so either can load the other's
 * files. Works on every backend (no tfjs-node needed).
 *
 * Crash-safe on POSIX (see `replaceFolderAtomic`): the files are written and flushed into a new
 * version folder beside `dir`, and one atomic rename of a symbolic link makes `dir` point to it, so
 * `dir` holds the complete old model or the complete new one whatever moment the process is killed;
 * leftovers of interrupted saves are cleaned (and reported through `onNotice`) by the next save or
 * load. `checksums.json` records the SHA-256 of every file, verified when loading.
 * @returns the paths written (through `dir`) and what was done about leftovers.
 * @throws ModelFileError when `dir` is a file, or a non-empty folder that does not hold a saved
 *   model (it is never replaced).
 * @example await saveModel(autoencoder, '.cache/models/my-ae') // then tf.loadLayersModel('file://.cache/models/my-ae/model.json') under tfjs-node
 */
export async function saveModel(
  model: LayersModel, dir: string, options: SaveModelOptions = {},
): Promise<{ modelJson: string; weightsBin: string; notices: ModelNotice[] }> {
  if (typeof dir !== 'string' || dir === '') throw new TypeError(`saveModel: dir must be a folder path (a non-empty string), got ${dir === '' ? 'an empty string' : typeof dir}.`);
  const { tf } = await initBackend();
  const target = path.resolve(dir);
  let artifacts: io.ModelArtifacts | undefined;
  await model.save(tf.io.withSaveHandler(async (a) => {
    artifacts = a;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (!artifacts || artifacts.modelTopology instanceof ArrayBuffer || artifacts.modelTopology == null) {
    throw new Error('saveModel: the model did not produce a JSON topology (only layers models are supported).');
  }
  const modelJson: ModelJson = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [WEIGHTS_BIN], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  const meta = { ...(artifacts.userDefinedMetadata ?? {}), ...(options.userDefinedMetadata ?? {}) };
  if (Object.keys(meta).length > 0) modelJson.userDefinedMetadata = meta;
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  checkWeightValues(weights, artifacts.weightSpecs ?? [], 'saveModel', (what) => new ModelFileError(
    `saveModel: the model's ${what}; refusing to save weights that cannot be used (did training diverge?).`, target));

  const files: Record<string, string | Uint8Array> = { [MODEL_JSON]: JSON.stringify(modelJson), [WEIGHTS_BIN]: weights };
  for (const [name, data] of Object.entries(options.extraFiles ?? {})) {
    if (name !== path.basename(name) || name === MODEL_JSON || name === WEIGHTS_BIN || name === CHECKSUMS_JSON) {
      throw new RangeError(`saveModel: extraFiles names must be plain file names other than ${MODEL_JSON}/${WEIGHTS_BIN}/${CHECKSUMS_JSON}, got '${name}'.`);
    }
    files[name] = data;
  }
  const sums: Record<string, string> = {};
  for (const [name, data] of Object.entries(files)) sums[name] = sha256(data);
  files[CHECKSUMS_JSON] = JSON.stringify({ algorithm: 'sha256', files: sums }, null, 2);
  const notices = await replaceFolderAtomic(target, files, {
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
    checkExisting: async (existing) => {
      if ((await fsp.readdir(existing)).length === 0) return; // an empty folder made beforehand
      try {
        await fsp.access(path.join(existing, MODEL_JSON));
      } catch {
        throw new ModelFileError(
          `saveModel: ${existing} already exists and is not a saved model (it has no ${MODEL_JSON}); refusing to replace it. ` +
            'Choose another folder, or delete this one if it is yours to delete.',
          existing,
        );
      }
    },
  });
  return { modelJson: path.join(target, MODEL_JSON), weightsBin: path.join(target, WEIGHTS_BIN), notices };
}

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Checks that float32 weights are all finite (garbage of the right size — NaN, ±Infinity — is
 * refused instead of giving NaN codes).
 */
function checkWeightValues(bytes: Uint8Array, specs: readonly io.WeightsManifestEntry[], _where: string, fail: (what: string) => Error): void {
  let offset = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const count = s.shape.reduce((a, b) => a * b, 1);
    const size = (DTYPE_BYTES[dtype] ?? 0) * count;
    if (dtype === 'float32' && !s.quantization && offset + size <= bytes.length) {
      const view = new DataView(bytes.buffer, bytes.byteOffset + offset, size);
      for (let i = 0; i < count; i++) {
        const v = view.getFloat32(i * 4, true);
        if (!Number.isFinite(v)) throw fail(`weight '${s.name}' holds ${v} at index ${i}`);
      }
    }
    offset += size;
  }
}

const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2, complex64: 8 };

/** Bytes that the weights described by a manifest occupy in the weight files. */
export function expectedWeightBytes(specs: readonly io.WeightsManifestEntry[]): number {
  let total = 0;
  for (const s of specs) {
    const dtype = s.quantization?.dtype ?? s.dtype;
    const size = DTYPE_BYTES[dtype];
    if (size === undefined || s.dtype === 'string') {
      throw new RangeError(`Weight '${s.name}' has dtype '${dtype}', which this loader does not support.`);
    }
    total += s.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}

/** What {@link readModelArtifacts} returns: the artifacts and the raw model.json. */
export interface ReadArtifacts {
  readonly artifacts: io.ModelArtifacts;
  readonly userDefinedMetadata: Record<string, unknown> | undefined;
  /** The folder the files were read from (the saved version `dir` points to, links resolved). */
  readonly dir: string;
  /** What was done about leftovers of an interrupted save before reading (see `recoverFolder`). */
  readonly notices: readonly ModelNotice[];
}

/** Options of {@link readModelArtifacts} and {@link loadModel}. */
export interface ReadModelOptions {
  /** Called with what was done about leftovers of an interrupted save (the library never prints). */
  onNotice?: (notice: ModelNotice) => void;
}

/**
 * Reads a model folder (or a path to its model.json) in the TF.js layers format — as written by
 * {@link saveModel} or by tfjs-node's `file://` handler (several weight groups and shard files
 * are concatenated in manifest order, like tfjs-node does) — and checks it: valid JSON, a
 * topology, weight files whose total size matches the manifest, the SHA-256 of every file listed
 * in checksums.json (written by {@link saveModel}), and finite float32 weights. Leftovers of an
 * interrupted save beside the folder are recovered or cleaned first (reported in `notices`).
 * @throws ModelFileError naming the file and the problem (missing, truncated, bad JSON, checksum
 *   mismatch, NaN weights, ...).
 */
export async function readModelArtifacts(dirOrJson: string, options: ReadModelOptions = {}): Promise<ReadArtifacts> {
  if (typeof dirOrJson !== 'string' || dirOrJson === '') {
    throw new TypeError(`A saved model is named by its folder (or model.json) path, a non-empty string; got ${dirOrJson === '' ? 'an empty string' : typeof dirOrJson}.`);
  }
  const resolved = path.resolve(dirOrJson);
  const named = resolved.endsWith('.json') ? path.dirname(resolved) : resolved;
  const notices = await recoverFolder(named, options.onNotice ? { onNotice: options.onNotice } : {});
  // Read every file from one version: resolve the link once.
  let dir = named;
  try {
    dir = await fsp.realpath(named);
  } catch {
    // missing: reported below when model.json cannot be read
  }
  try {
    if (!(await fsp.stat(dir)).isDirectory()) {
      throw new ModelFileError(`No saved model at ${named}: it is a file, not a model folder.`, named);
    }
  } catch (err) {
    if (err instanceof ModelFileError) throw err;
  }
  const jsonName = resolved.endsWith('.json') ? path.basename(resolved) : MODEL_JSON;
  const jsonFile = path.join(dir, jsonName);
  // Messages name files through the path the caller gave, not the version folder behind it.
  const shown = (p: string): string => path.join(named, path.relative(dir, p));
  const jsonShown = path.join(named, jsonName);
  let text: string;
  try {
    text = await fsp.readFile(jsonFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelFileError(
      e.code === 'ENOENT' ? `No saved model at ${named}: ${MODEL_JSON} does not exist.` : `Cannot read ${jsonShown}: ${e.message}`,
      jsonFile,
    );
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new ModelFileError(`${jsonShown} is not valid JSON (${(err as Error).message}); the file is corrupt or truncated. Delete the folder and save the model again.`, jsonFile);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new ModelFileError(`${jsonShown} has no modelTopology: it is not a TF.js layers model.`, jsonFile);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelFileError(`${jsonShown} has format '${json.format}'; only 'layers-model' can be loaded here.`, jsonFile);
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`${jsonShown} has no weightsManifest array.`, jsonFile);
  }
  const specs: io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ModelFileError(`${jsonShown}: each weightsManifest entry needs 'paths' and 'weights' arrays.`, jsonFile);
    }
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        buffers.push(await fsp.readFile(file));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new ModelFileError(
          e.code === 'ENOENT' ? `Weight file ${shown(file)} named in ${jsonShown} does not exist.` : `Cannot read weight file ${shown(file)}: ${e.message}`,
          file,
        );
      }
    }
    specs.push(...group.weights);
  }
  let expected: number;
  try {
    expected = expectedWeightBytes(specs);
  } catch (err) {
    throw new ModelFileError(`${jsonShown}: ${(err as Error).message}`, jsonFile);
  }
  const actual = buffers.reduce((a, b) => a + b.length, 0);
  if (actual !== expected) {
    const files = json.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(named, p));
    throw new ModelFileError(
      `Weight file${files.length > 1 ? 's' : ''} ${files.join(', ')} hold${files.length > 1 ? '' : 's'} ${actual} bytes but the manifest in ` +
        `${jsonShown} describes ${expected} bytes: the ${actual < expected ? 'file is truncated' : 'files do not match the manifest'}. ` +
        'Delete the folder and save the model again.',
      files[0] ?? jsonFile,
    );
  }
  const weightData = new Uint8Array(actual);
  let offset = 0;
  for (const b of buffers) { weightData.set(b, offset); offset += b.length; }
  await verifyChecksums(dir, named);
  checkWeightValues(weightData, specs, jsonFile, (what) => new ModelFileError(
    `The saved model in ${named} is damaged: ${what}. Its weights cannot be used; delete the folder and save or train the model again.`,
    path.join(dir, WEIGHTS_BIN),
  ));
  const artifacts: io.ModelArtifacts = {
    modelTopology: json.modelTopology as io.ModelArtifacts['modelTopology'],
    weightSpecs: specs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? null,
  };
  if (json.trainingConfig != null) artifacts.trainingConfig = json.trainingConfig as io.TrainingConfig;
  if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata as io.ModelArtifacts["userDefinedMetadata"];
  return { artifacts, userDefinedMetadata: json.userDefinedMetadata, dir, notices };
}

/**
 * Checks every file listed in the folder's checksums.json against its SHA-256 (nothing to check
 * for folders written by other tools, which have none).
 * @throws ModelFileError naming the file that does not match or is missing.
 */
async function verifyChecksums(dir: string, named: string): Promise<void> {
  const file = path.join(dir, CHECKSUMS_JSON);
  const fileShown = path.join(named, CHECKSUMS_JSON);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw new ModelFileError(`Cannot read ${fileShown}: ${(err as Error).message}`, file);
  }
  let record: { algorithm?: unknown; files?: unknown };
  try {
    record = JSON.parse(text) as typeof record;
  } catch (err) {
    throw new ModelFileError(`${fileShown} is not valid JSON (${(err as Error).message}); the saved model in ${named} is damaged. Delete the folder and save the model again.`, file);
  }
  if (record?.algorithm !== 'sha256' || typeof record.files !== 'object' || record.files === null) {
    throw new ModelFileError(`${fileShown} is not a sha256 checksum record; the saved model in ${named} is damaged. Delete the folder and save the model again.`, file);
  }
  for (const [name, expected] of Object.entries(record.files as Record<string, unknown>)) {
    const p = path.join(dir, path.basename(name));
    const pShown = path.join(named, path.basename(name));
    let bytes: Buffer;
    try {
      bytes = await fsp.readFile(p);
    } catch {
      throw new ModelFileError(`${pShown}, listed in ${CHECKSUMS_JSON}, is missing: the saved model in ${named} is incomplete. Delete the folder and save the model again.`, p);
    }
    if (sha256(bytes) !== expected) {
      throw new ModelFileError(
        `${pShown} does not match the SHA-256 recorded in ${CHECKSUMS_JSON} when it was saved: the file was modified or damaged. ` +
          'Delete the folder and save or train the model again.',
        p,
      );
    }
  }
}

/**
 * Loads a layers model saved by {@link saveModel} or by tfjs-node's `file://` handler, on any
 * backend (no tfjs-node needed).
 * @param dirOrJson the model folder or its model.json.
 * @throws ModelFileError for missing/corrupt files (see {@link readModelArtifacts}).
 * @example const model = await loadModel('.cache/models/my-ae');
 */
export async function loadModel(dirOrJson: string, options: ReadModelOptions = {}): Promise<LayersModel> {
  const { tf } = await initBackend();
  return loadModelWith(tf, (await readModelArtifacts(dirOrJson, options)).artifacts, dirOrJson);
}

/** Builds a model from checked artifacts; wraps TF.js errors with the folder name. */
export async function loadModelWith(tf: TF, artifacts: io.ModelArtifacts, where: string): Promise<LayersModel> {
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFileError(`Cannot build the model saved in ${where}: ${(err as Error).message}`, where);
  }
}
