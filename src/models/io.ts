import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { writeFileAtomic } from '../util/fs.js';

/** File names of the TF.js layers format, as tfjs-node's `file://` handler writes them. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

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
}

/**
 * Saves a layers model to a folder in the standard TF.js format — `model.json` (topology +
 * `weightsManifest: [{ paths: ['weights.bin'], weights }]`) and `weights.bin` — byte-compatible
 * with what `model.save('file://dir')` writes under tfjs-node, so either can load the other's
 * files. Works on every backend (no tfjs-node needed).
 *
 * Atomic: the files are written into a temporary sibling folder which then replaces `dir`, so
 * `dir` holds either the old complete model or the new complete model, never a mix.
 * @returns the paths written.
 * @example await saveModel(autoencoder, '.cache/models/my-ae') // then tf.loadLayersModel('file://.cache/models/my-ae/model.json') under tfjs-node
 */
export async function saveModel(model: LayersModel, dir: string, options: SaveModelOptions = {}): Promise<{ modelJson: string; weightsBin: string }> {
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

  const tmp = `${target}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const old = `${target}.old-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFileAtomic(path.join(tmp, MODEL_JSON), JSON.stringify(modelJson));
    await writeFileAtomic(path.join(tmp, WEIGHTS_BIN), weights);
    for (const [name, data] of Object.entries(options.extraFiles ?? {})) {
      if (name !== path.basename(name) || name === MODEL_JSON || name === WEIGHTS_BIN) {
        throw new RangeError(`saveModel: extraFiles names must be plain file names other than ${MODEL_JSON}/${WEIGHTS_BIN}, got '${name}'.`);
      }
      await writeFileAtomic(path.join(tmp, name), data);
    }
    let hadOld = false;
    try {
      await fsp.rename(target, old);
      hadOld = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    try {
      await fsp.rename(tmp, target);
    } catch (err) {
      if (hadOld) await fsp.rename(old, target).catch(() => undefined);
      throw err;
    }
    if (hadOld) await fsp.rm(old, { recursive: true, force: true });
  } finally {
    await fsp.rm(tmp, { recursive: true, force: true });
  }
  return { modelJson: path.join(target, MODEL_JSON), weightsBin: path.join(target, WEIGHTS_BIN) };
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
}

/**
 * Reads a model folder (or a path to its model.json) in the TF.js layers format — as written by
 * {@link saveModel} or by tfjs-node's `file://` handler (several weight groups and shard files
 * are concatenated in manifest order, like tfjs-node does) — and checks it: valid JSON, a
 * topology, and weight files whose total size matches the manifest.
 * @throws ModelFileError naming the file and the problem (missing, truncated, bad JSON, ...).
 */
export async function readModelArtifacts(dirOrJson: string): Promise<ReadArtifacts> {
  const resolved = path.resolve(dirOrJson);
  const jsonFile = resolved.endsWith('.json') ? resolved : path.join(resolved, MODEL_JSON);
  const dir = path.dirname(jsonFile);
  let text: string;
  try {
    text = await fsp.readFile(jsonFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelFileError(
      e.code === 'ENOENT' ? `No saved model at ${dir}: ${MODEL_JSON} does not exist.` : `Cannot read ${jsonFile}: ${e.message}`,
      jsonFile,
    );
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new ModelFileError(`${jsonFile} is not valid JSON (${(err as Error).message}); the file is corrupt or truncated. Delete the folder and save the model again.`, jsonFile);
  }
  if (typeof json !== 'object' || json === null || typeof json.modelTopology !== 'object' || json.modelTopology === null) {
    throw new ModelFileError(`${jsonFile} has no modelTopology: it is not a TF.js layers model.`, jsonFile);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new ModelFileError(`${jsonFile} has format '${json.format}'; only 'layers-model' can be loaded here.`, jsonFile);
  }
  if (!Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(`${jsonFile} has no weightsManifest array.`, jsonFile);
  }
  const specs: io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ModelFileError(`${jsonFile}: each weightsManifest entry needs 'paths' and 'weights' arrays.`, jsonFile);
    }
    for (const p of group.paths) {
      const file = path.join(dir, p);
      try {
        buffers.push(await fsp.readFile(file));
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        throw new ModelFileError(
          e.code === 'ENOENT' ? `Weight file ${file} named in ${jsonFile} does not exist.` : `Cannot read weight file ${file}: ${e.message}`,
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
    throw new ModelFileError(`${jsonFile}: ${(err as Error).message}`, jsonFile);
  }
  const actual = buffers.reduce((a, b) => a + b.length, 0);
  if (actual !== expected) {
    const files = json.weightsManifest.flatMap((g) => g.paths).map((p) => path.join(dir, p));
    throw new ModelFileError(
      `Weight file${files.length > 1 ? 's' : ''} ${files.join(', ')} hold${files.length > 1 ? '' : 's'} ${actual} bytes but the manifest in ` +
        `${jsonFile} describes ${expected} bytes: the ${actual < expected ? 'file is truncated' : 'files do not match the manifest'}. ` +
        'Delete the folder and save the model again.',
      files[0] ?? jsonFile,
    );
  }
  const weightData = new Uint8Array(actual);
  let offset = 0;
  for (const b of buffers) { weightData.set(b, offset); offset += b.length; }
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
  return { artifacts, userDefinedMetadata: json.userDefinedMetadata };
}

/**
 * Loads a layers model saved by {@link saveModel} or by tfjs-node's `file://` handler, on any
 * backend (no tfjs-node needed).
 * @param dirOrJson the model folder or its model.json.
 * @throws ModelFileError for missing/corrupt files (see {@link readModelArtifacts}).
 * @example const model = await loadModel('.cache/models/my-ae');
 */
export async function loadModel(dirOrJson: string): Promise<LayersModel> {
  const { tf } = await initBackend();
  return loadModelWith(tf, (await readModelArtifacts(dirOrJson)).artifacts, dirOrJson);
}

/** Builds a model from checked artifacts; wraps TF.js errors with the folder name. */
export async function loadModelWith(tf: TF, artifacts: io.ModelArtifacts, where: string): Promise<LayersModel> {
  try {
    return await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFileError(`Cannot build the model saved in ${where}: ${(err as Error).message}`, where);
  }
}
