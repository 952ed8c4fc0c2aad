import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { io, LayersModel } from '@tensorflow/tfjs';
import { initBackend, type TF } from '../tf/backend.js';
import { commitFolder, contentName, isOwnedName, type CommitFolderOptions, type FolderNotice } from '../util/fs.js';

/** The commit file of a saved model (TF.js layers format): topology, weights manifest, integrity record. */
export const MODEL_JSON = 'model.json';
/** The weight file of models saved by earlier versions of this package and by tfjs-node. */
export const WEIGHTS_BIN = 'weights.bin';
/** The stem of the content-addressed weight file (`weights.<16 hex>.bin`) {@link saveModel} writes. */
export const WEIGHTS_STEM = 'weights';
/**
 * The checksum file of models saved by earlier versions of this package (a folder of one version
 * behind a symbolic link), still verified when such a model is loaded; {@link saveModel} records
 * the checksums in model.json (`integrity`) instead.
 */
export const CHECKSUMS_JSON = 'checksums.json';
/** The commit file of a training checkpoint (see `fit`'s `checkpoint` option and `writeCheckpoint`). */
export const CHECKPOINT_JSON = 'checkpoint.json';
/**
 * Every commit file a model folder may hold: model.json and a training checkpoint; the content
 * files either refers to are kept.
 */
export const MODEL_FOLDER_COMMIT_FILES: readonly string[] = Object.freeze([MODEL_JSON, CHECKPOINT_JSON]);

/** What a save did about leftovers of an interrupted save in the folder (see `cleanFolder`). */
export type ModelNotice = FolderNotice;

/**
 * A saved model (folder, model.json, weight files) that cannot be read: missing or truncated
 * files, bad JSON, a manifest that does not match the weights, content that does not match its
 * recorded SHA-256. The message names the file, what is wrong and what to do.
 */
export class ModelFileError extends Error {
  constructor(message: string, readonly file: string) {
    super(message);
    this.name = 'ModelFileError';
  }
}

/**
 * The integrity record {@link saveModel} writes into model.json (`integrity`, a key TF.js loaders
 * ignore): the SHA-256 of each weight file and of the rest of model.json (its canonical JSON
 * without `integrity`), so an edited topology is detected like damaged weights.
 */
export interface IntegrityRecord {
  readonly algorithm: 'sha256';
  /** Weight file name → hex SHA-256 of its bytes. */
  readonly files: Readonly<Record<string, string>>;
  /** Hex SHA-256 of {@link canonicalJson} of model.json without its `integrity` key. */
  readonly content: string;
}

/**
 * A model.json in the TF.js layers format (as tfjs-node's `file://` handler writes it:
 * `NodeFileSystem.save` in tfjs-node/src/io/file_system.ts), plus this package's `integrity`.
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
  integrity?: IntegrityRecord;
}

/** Options of {@link saveModel}. */
export interface SaveModelOptions {
  /** Stored as `userDefinedMetadata` in model.json (tfjs-node keeps it when loading). */
  userDefinedMetadata?: Record<string, unknown>;
  /** Called with each leftover of an earlier interrupted save that was deleted (the library never prints). */
  onNotice?: (notice: ModelNotice) => void;
  /** Called after each step of the save (for crash tests; see `commitFolder`). */
  onStep?: (step: string) => void | Promise<void>;
}

/**
 * The content files a model folder's commit file (model.json, checkpoint.json) refers to (none
 * when the text is not JSON).
 * @example modelFolderReferences(readFileSync('m/model.json', 'utf8')) // ['weights.3f1c0a9b2e4d5f60.bin']
 */
export function modelFolderReferences(text: string): string[] {
  try {
    const json = JSON.parse(text) as Partial<ModelJson> & { files?: unknown };
    const names = new Set<string>();
    for (const g of Array.isArray(json.weightsManifest) ? json.weightsManifest : []) {
      for (const p of Array.isArray(g?.paths) ? g.paths : []) if (typeof p === 'string') names.add(p);
    }
    const files = json.integrity?.files;
    if (files && typeof files === 'object') for (const n of Object.keys(files)) names.add(n);
    return [...names];
  } catch {
    return [];
  }
}

/**
 * The {@link commitFolder} options every save into a model folder uses (its commit files, their
 * references, refusing a folder that is not a model), with `extra` on top.
 * @example await cleanFolder('models/my-ae', modelFolderOptions())
 */
export function modelFolderOptions(extra: Partial<CommitFolderOptions> = {}): CommitFolderOptions {
  return {
    commitFiles: MODEL_FOLDER_COMMIT_FILES,
    references: modelFolderReferences,
    checkExisting: (existing) => {
      throw new ModelFileError(
        `saveModel: ${existing} already exists and is not a saved model (it has no ${MODEL_JSON}); refusing to write into it. ` +
          'Choose another folder, or delete this one if it is yours to delete.',
        existing,
      );
    },
    ...extra,
  };
}

/**
 * Saves a layers model to a plain folder in the standard TF.js format: `model.json` (topology,
 * `weightsManifest: [{ paths: ['weights.<hash>.bin'], weights }]`, and an `integrity` record) and
 * one weight file named after its content; tfjs-node's `tf.loadLayersModel('file://…/model.json')`
 * loads it. Works on every backend (no tfjs-node needed).
 *
 * The folder is an ordinary folder: it can be moved, copied (`cp -r`), archived (`tar`) or synced,
 * and loads from wherever it lands. Saves are crash-safe on POSIX (see `commitFolder`): the weight
 * file is written and flushed first, then model.json under a temporary name, renamed into place
 * (the commit point) and flushed; killed at any moment, the folder holds the complete old model or
 * the complete new one. Weight files no model.json refers to any more (the replaced version's, or
 * an interrupted save's) are deleted after the commit; files the format does not own are never
 * touched, except `weights.bin`/`checksums.json` of the version being replaced (written by an
 * earlier version of this package or by tfjs-node). A symbolic link (how earlier versions of this
 * package saved) is followed: the folder it points to receives the new files.
 * @returns the path of model.json and of the weight file, and what was done about leftovers.
 * @throws ModelFileError when `dir` is a non-empty folder that does not hold a saved model (it is
 *   never written into); Error when `dir` is a file or a link to nothing; ModelFileError for NaN weights.
 * @example await saveModel(autoencoder, '.cache/models/my-ae') // then tf.loadLayersModel('file://.cache/models/my-ae/model.json') under tfjs-node
 */
export async function saveModel(
  model: LayersModel, dir: string, options: SaveModelOptions = {},
): Promise<{ modelJson: string; weightsFile: string; notices: ModelNotice[] }> {
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
  const weights = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData ?? new ArrayBuffer(0)));
  checkWeightValues(weights, artifacts.weightSpecs ?? [], (what) => new ModelFileError(
    `saveModel: the model's ${what}; refusing to save weights that cannot be used (did training diverge?).`, target));
  const weightsName = contentName(WEIGHTS_STEM, weights);
  const modelJson: ModelJson = {
    modelTopology: artifacts.modelTopology,
    weightsManifest: [{ paths: [weightsName], weights: artifacts.weightSpecs ?? [] }],
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
  };
  if (artifacts.trainingConfig != null) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.signature != null) modelJson.signature = artifacts.signature;
  const meta = { ...(artifacts.userDefinedMetadata ?? {}), ...(options.userDefinedMetadata ?? {}) };
  if (Object.keys(meta).length > 0) modelJson.userDefinedMetadata = meta;
  modelJson.integrity = { algorithm: 'sha256', files: { [weightsName]: sha256(weights) }, content: sha256(canonicalJson(modelJson)) };
  const notices = await commitFolder(target, { [weightsName]: weights }, { name: MODEL_JSON, data: JSON.stringify(modelJson) }, modelFolderOptions({
    superseded: await supersededFiles(target),
    ...(options.onNotice ? { onNotice: options.onNotice } : {}),
    ...(options.onStep ? { onStep: options.onStep } : {}),
  }));
  return { modelJson: path.join(target, MODEL_JSON), weightsFile: path.join(target, weightsName), notices };
}

/**
 * Files of the model in `dir` (if any) that a new save replaces but whose names the format does
 * not own: the weight files its model.json names (`weights.bin`, shards written by tfjs-node) and
 * the `checksums.json` of an earlier version of this package (with the files it lists).
 */
async function supersededFiles(dir: string): Promise<string[]> {
  const names = new Set<string>();
  const read = async (name: string): Promise<string | undefined> => fsp.readFile(path.join(dir, name), 'utf8').catch(() => undefined);
  const json = await read(MODEL_JSON);
  if (json !== undefined) for (const n of modelFolderReferences(json)) names.add(n);
  const sums = await read(CHECKSUMS_JSON);
  if (sums !== undefined) {
    names.add(CHECKSUMS_JSON);
    try {
      for (const n of Object.keys((JSON.parse(sums) as { files?: object }).files ?? {})) names.add(n);
    } catch {
      // a damaged record: only itself is superseded
    }
  }
  names.delete(MODEL_JSON);
  return [...names].filter((n) => n === path.basename(n) && !isOwnedName(n));
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** Hex SHA-256 of a string (UTF-8) or bytes. */
export function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Checks that float32 weights are all finite (garbage of the right size — NaN, ±Infinity — is
 * refused instead of giving NaN codes).
 */
function checkWeightValues(bytes: Uint8Array, specs: readonly io.WeightsManifestEntry[], fail: (what: string) => Error): void {
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
  /** The folder the files were read from (links resolved). */
  readonly dir: string;
  /**
   * How the content was verified: `model.json` (its integrity record), `checksums.json` (a model
   * saved by an earlier version of this package), or `unverified` (no record; only with `trustUnverified`).
   */
  readonly verifiedBy: 'model.json' | 'checksums.json' | 'unverified';
}

/** Options of {@link readModelArtifacts} and {@link loadModel}. */
export interface ReadModelOptions {
  /**
   * Load a folder that records no checksums at all (written by tfjs-node or another tool), after
   * checking only sizes and finite values. Default `false`: such a folder is refused, with how to
   * re-save it. A recorded checksum that does not match is refused either way.
   */
  trustUnverified?: boolean;
}

/** How often a load re-reads model.json when a concurrent save replaced it mid-read. */
const READ_ATTEMPTS = 5;

/**
 * Reads a model folder (or a path to its model.json) in the TF.js layers format — as written by
 * {@link saveModel}, by earlier versions of this package (a link to a version folder, with
 * checksums.json) or, with `trustUnverified`, by tfjs-node's `file://` handler (several weight
 * groups and shard files are concatenated in manifest order, like tfjs-node does) — and checks
 * it: valid JSON, a topology, weight files whose total size matches the manifest, the SHA-256 of
 * model.json's content and of every weight file against the record in model.json (or
 * checksums.json), and finite float32 weights. A load only reads: it never deletes or changes a file.
 * @throws ModelFileError naming the file and the problem (missing, truncated, bad JSON, edited
 *   model.json, checksum mismatch, no checksums, NaN weights, a link to nothing, ...).
 * @example const { artifacts } = await readModelArtifacts('.cache/models/my-ae');
 */
export async function readModelArtifacts(dirOrJson: string, options: ReadModelOptions = {}): Promise<ReadArtifacts> {
  if (typeof dirOrJson !== 'string' || dirOrJson === '') {
    throw new TypeError(`A saved model is named by its folder (or model.json) path, a non-empty string; got ${dirOrJson === '' ? 'an empty string' : typeof dirOrJson}.`);
  }
  const resolved = path.resolve(dirOrJson);
  const named = resolved.endsWith('.json') ? path.dirname(resolved) : resolved;
  const jsonName = resolved.endsWith('.json') ? path.basename(resolved) : MODEL_JSON;
  let dir = named;
  try {
    dir = await fsp.realpath(named);
  } catch {
    const link = await fsp.lstat(named).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      const to = await fsp.readlink(named);
      throw new ModelFileError(
        `No saved model at ${named}: it is a symbolic link to ${to}, which does not exist. Earlier versions of this package saved a model ` +
          `as a link to a version folder beside it (${path.basename(named)}.v-…); this link was moved or copied without that folder. ` +
          `Copy the folder it pointed to with the link resolved (cp -rL), or save the model again (saves now write a plain folder).`,
        named,
      );
    }
  }
  const st = await fsp.stat(dir).catch(() => undefined);
  if (st && !st.isDirectory()) throw new ModelFileError(`No saved model at ${named}: it is a file, not a model folder.`, named);
  for (let attempt = 1; ; attempt++) {
    try {
      return await readOnce(dir, named, jsonName, options);
    } catch (err) {
      // A concurrent save may have committed a new model.json and deleted the weights the one we
      // read names: read again (the new version is complete).
      if (!(err instanceof ReadRaceError) || attempt >= READ_ATTEMPTS) throw err instanceof ReadRaceError ? err.missing : err;
      await new Promise((resolve) => setTimeout(resolve, 10 * attempt));
    }
  }
}

/** A weight file vanished while model.json changed under a load (a concurrent save). */
class ReadRaceError extends Error {
  constructor(readonly missing: ModelFileError) {
    super(missing.message);
  }
}

async function readOnce(dir: string, named: string, jsonName: string, options: ReadModelOptions): Promise<ReadArtifacts> {
  const jsonFile = path.join(dir, jsonName);
  // Messages name files through the path the caller gave, not the folder a link resolves to.
  const shown = (p: string): string => path.join(named, path.relative(dir, p));
  const jsonShown = path.join(named, jsonName);
  const resave = `Delete the folder and save (or train) the model again.`;
  let text: string;
  try {
    text = await fsp.readFile(jsonFile, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new ModelFileError(
      e.code === 'ENOENT' ? `No saved model at ${named}: ${jsonName} does not exist.` : `Cannot read ${jsonShown}: ${e.message}`,
      jsonFile,
    );
  }
  let json: ModelJson;
  try {
    json = JSON.parse(text) as ModelJson;
  } catch (err) {
    throw new ModelFileError(`${jsonShown} is not valid JSON (${(err as Error).message}); the file is corrupt or truncated. ${resave}`, jsonFile);
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
  const integrity = json.integrity;
  let verifiedBy: ReadArtifacts['verifiedBy'];
  if (integrity !== undefined) {
    if (integrity?.algorithm !== 'sha256' || typeof integrity.files !== 'object' || integrity.files === null || typeof integrity.content !== 'string') {
      throw new ModelFileError(`${jsonShown} has an integrity record that is not a sha256 record; the saved model in ${named} is damaged. ${resave}`, jsonFile);
    }
    const { integrity: _omitted, ...rest } = json;
    if (sha256(canonicalJson(rest)) !== integrity.content) {
      throw new ModelFileError(
        `${jsonShown} was changed after it was saved: its content no longer matches the SHA-256 recorded in it (an edited layer, ` +
          `activation or setting?). The model it describes is not the one that was trained; it is not used. ${resave}`,
        jsonFile,
      );
    }
    verifiedBy = 'model.json';
  } else if (await exists(path.join(dir, CHECKSUMS_JSON))) {
    await verifyChecksums(dir, named);
    verifiedBy = 'checksums.json';
  } else if (options.trustUnverified) {
    verifiedBy = 'unverified';
  } else {
    throw new ModelFileError(
      `${jsonShown} records no SHA-256 of the model's files (it was not saved by this package: tfjs-node, another tool, or edited), ` +
        'so its integrity cannot be checked; it is refused. If you trust these files, load them once with ' +
        '`loadModel(dir, { trustUnverified: true })` (or `ConvAutoencoder.load(dir, { trustUnverified: true })`) and save the model again ' +
        'with this package (`saveModel(model, dir)` / `.save(dir)`), which records the checksums.',
      jsonFile,
    );
  }
  const specs: io.WeightsManifestEntry[] = [];
  const buffers: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
      throw new ModelFileError(`${jsonShown}: each weightsManifest entry needs 'paths' and 'weights' arrays.`, jsonFile);
    }
    for (const p of group.paths) {
      const file = path.join(dir, p);
      let bytes: Buffer;
      try {
        bytes = await fsp.readFile(file);
      } catch (err) {
        const e = err as NodeJS.ErrnoException;
        const error = new ModelFileError(
          e.code === 'ENOENT' ? `Weight file ${shown(file)} named in ${jsonShown} does not exist. ${resave}` : `Cannot read weight file ${shown(file)}: ${e.message}`,
          file,
        );
        // Missing may mean a concurrent save committed a new model.json and deleted this file.
        throw e.code === 'ENOENT' ? new ReadRaceError(error) : error;
      }
      if (integrity !== undefined) {
        const expected = (integrity.files as Record<string, unknown>)[p];
        if (typeof expected !== 'string') {
          throw new ModelFileError(`${jsonShown} names weight file ${p} but records no SHA-256 for it; the saved model in ${named} is damaged. ${resave}`, jsonFile);
        }
        if (sha256(bytes) !== expected) {
          throw new ModelFileError(
            `${shown(file)} does not match the SHA-256 recorded in ${jsonName} when it was saved: the file was modified or damaged. ${resave}`,
            file,
          );
        }
      }
      buffers.push(bytes);
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
        `${jsonShown} describes ${expected} bytes: the ${actual < expected ? 'file is truncated' : 'files do not match the manifest'}. ${resave}`,
      files[0] ?? jsonFile,
    );
  }
  const weightData = new Uint8Array(actual);
  let offset = 0;
  for (const b of buffers) { weightData.set(b, offset); offset += b.length; }
  checkWeightValues(weightData, specs, (what) => new ModelFileError(
    `The saved model in ${named} is damaged: ${what}. Its weights cannot be used; delete the folder and save or train the model again.`,
    path.join(dir, json.weightsManifest[0]?.paths[0] ?? WEIGHTS_BIN),
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
  if (json.userDefinedMetadata != null) artifacts.userDefinedMetadata = json.userDefinedMetadata as io.ModelArtifacts['userDefinedMetadata'];
  return { artifacts, userDefinedMetadata: json.userDefinedMetadata, dir, verifiedBy };
}

async function exists(p: string): Promise<boolean> {
  return fsp.access(p).then(() => true, () => false);
}

/**
 * Checks every file listed in a legacy checksums.json (models saved by earlier versions of this
 * package) against its SHA-256.
 * @throws ModelFileError naming the file that does not match or is missing.
 */
async function verifyChecksums(dir: string, named: string): Promise<void> {
  const file = path.join(dir, CHECKSUMS_JSON);
  const fileShown = path.join(named, CHECKSUMS_JSON);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
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
 * Loads a layers model saved by {@link saveModel} (or, with `trustUnverified`, by tfjs-node's
 * `file://` handler), verified as {@link readModelArtifacts} says, on any backend (no tfjs-node needed).
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
