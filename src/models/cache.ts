import { createHash } from 'node:crypto';
import { existsSync, promises as fsp } from 'node:fs';
import * as path from 'node:path';
import { cacheRoot } from '../util/paths.js';
import { activeBackend, initBackend } from '../tf/backend.js';
import type { Matrix } from '../util/matrix.js';
import { ConvAutoencoder, resolveAutoencoderOptions, type ConvAutoencoderOptions, type ResolvedAutoencoderOptions } from './autoencoder.js';
import type { AutoencoderFitOptions, EpochRecord } from './training.js';
import { ModelFileError, WEIGHTS_BIN, type ModelNotice } from './io.js';
import { recoverFolder } from '../util/fs.js';

/** Bumped when the cache layout or the training procedure changes (old entries are then unused). */
export const MODEL_CACHE_VERSION = 1;
/** Name of the metadata file beside model.json and weights.bin in a cache folder. */
export const META_JSON = 'meta.json';

/**
 * A cached model that is corrupt or does not belong to its key. The message names the folder,
 * the problem and the remedy.
 */
export class ModelCacheError extends Error {
  constructor(message: string, readonly dir: string) {
    super(message);
    this.name = 'ModelCacheError';
  }
}

/**
 * A fingerprint of a data matrix: its shape and the SHA-256 of its float32 bytes (≈0.1 s for
 * the 60,000 training images). Equal fingerprints mean equal data.
 * @example fingerprint(train.images) // '60000x784:3f1c…'
 */
export function fingerprint(x: Matrix): string {
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  return `${x.rows}x${x.cols}:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Everything that determines a trained model, hashed into the cache key. */
export interface CacheKeyMaterial {
  readonly cacheVersion: number;
  readonly architecture: ResolvedAutoencoderOptions['architecture'];
  readonly training: Omit<ResolvedAutoencoderOptions, 'architecture' | 'seed'>;
  readonly seed: number;
  readonly data: string;
  readonly validation: string | null;
}

/**
 * The cache key of a training run: `ae-` + 20 hex digits of the SHA-256 of the canonical JSON
 * of {@link CacheKeyMaterial} (architecture, hyperparameters, seed, data fingerprints).
 */
export function cacheKey(material: CacheKeyMaterial): string {
  return 'ae-' + createHash('sha256').update(canonicalJson(material)).digest('hex').slice(0, 20);
}

/** What a cache folder's meta.json holds. */
export interface CacheMeta {
  readonly key: string;
  readonly material: CacheKeyMaterial;
  readonly history: readonly EpochRecord[];
  readonly stoppedEarly: boolean;
  readonly createdAt: string;
  readonly trainingSeconds: number;
  readonly versions: { readonly tfjs: string; readonly backend: string; readonly node: string; readonly package: string };
  /** Size and SHA-256 of weights.bin, checked when loading. */
  readonly weights: { readonly bytes: number; readonly sha256: string };
}

/** Options of {@link loadOrTrain}. */
export interface LoadOrTrainOptions extends ConvAutoencoderOptions, AutoencoderFitOptions {
  /** Folder holding one sub-folder per key. Default `<cacheRoot()>/models` (`.cache/models`, or `$FMNIST_CACHE_DIR/models`). */
  cacheDir?: string;
  /**
   * What to do with a corrupt or mismatching cache entry: `'error'` (default) throws a
   * {@link ModelCacheError} naming the folder; `'retrain'` emits a `ModelCacheWarning` naming it
   * and trains again, replacing the entry. Either way a bad entry is never used.
   */
  onInvalidCache?: 'error' | 'retrain';
  /**
   * Called with what was done about leftovers of an interrupted save of this entry (a copy
   * restored, leftover copies removed); also returned as `notices`. The library never prints.
   */
  onNotice?: (notice: ModelNotice) => void;
}

/** What {@link loadOrTrain} returns. */
export interface LoadOrTrainResult {
  readonly model: ConvAutoencoder;
  /** True when the model came from the cache (no training ran). */
  readonly fromCache: boolean;
  readonly key: string;
  /** The cache folder (model.json, weights.bin, meta.json). */
  readonly dir: string;
  /** The cache entry's metadata; `undefined` when training was interrupted (nothing was cached). */
  readonly meta: CacheMeta | undefined;
  /** Set when training was interrupted through `signal`: the model has the weights reached so far and was not cached. */
  readonly interrupted?: { readonly epoch: number; readonly batch: number; readonly batches: number };
  /** What was done about leftovers of an interrupted save of this entry (usually empty). */
  readonly notices: readonly ModelNotice[];
}

/**
 * Returns the autoencoder trained with these options on these images: from the cache folder
 * `<cacheDir>/<key>/` when a valid entry exists, otherwise trains it (with `onProgress`) and
 * stores it there atomically. The key covers the architecture, the hyperparameters, the seed and
 * fingerprints of the training and validation data, so changing any of them trains a new model.
 *
 * A cache entry is checked before use: meta.json must parse and carry the same key and key
 * material, and weights.bin must have the recorded size and SHA-256; model.json must load.
 * @throws ModelCacheError for a corrupt or mismatching entry (unless `onInvalidCache: 'retrain'`).
 * @example
 * const { model, fromCache } = await loadOrTrain(train.images, { validation: test.images, epochs: 50, onProgress: progressPrinter() });
 */
export async function loadOrTrain(images: Matrix, options: LoadOrTrainOptions = {}): Promise<LoadOrTrainResult> {
  const { cacheDir, onInvalidCache = 'error', validation, onProgress, signal, onNotice, ...modelOptions } = options;
  if (onInvalidCache !== 'error' && onInvalidCache !== 'retrain') {
    throw new RangeError(`onInvalidCache must be 'error' or 'retrain', got '${String(onInvalidCache)}'.`);
  }
  const { key, material, dir } = cacheLocation(images, { ...modelOptions, ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) });

  // A save killed half-way (see saveModel) is recovered or cleaned before the entry is looked at.
  const notices = await recoverFolder(dir, onNotice ? { onNotice } : {});
  if (existsSync(dir)) {
    try {
      const { model, meta } = await readCacheEntry(dir, key, material);
      return { model, fromCache: true, key, dir, meta, notices };
    } catch (err) {
      if (!(err instanceof ModelCacheError) || onInvalidCache === 'error') throw err;
      process.emitWarning(`${err.message} Training again and replacing it.`, { type: 'ModelCacheWarning' });
    }
  }

  const model = new ConvAutoencoder(modelOptions);
  const t0 = performance.now();
  await model.fit(images, { ...(validation ? { validation } : {}), ...(onProgress ? { onProgress } : {}), ...(signal ? { signal } : {}) });
  const trainingSeconds = (performance.now() - t0) / 1000;
  if (model.interruptedAt) {
    // A partly trained model is returned to the caller but never cached under the full settings' key.
    return { model, fromCache: false, key, dir, meta: undefined, interrupted: model.interruptedAt, notices };
  }
  const { tf } = await initBackend();
  const weightBytes = await weightsOf(model);
  const meta: CacheMeta = {
    key,
    material,
    history: model.history,
    stoppedEarly: model.stoppedEarly,
    createdAt: new Date().toISOString(),
    trainingSeconds,
    versions: { tfjs: tf.version_core, backend: activeBackend() ?? 'unknown', node: process.version, package: packageVersion() },
    weights: { bytes: weightBytes.length, sha256: createHash('sha256').update(weightBytes).digest('hex') },
  };
  await model.save(dir, { [META_JSON]: JSON.stringify(meta, null, 2) });
  return { model, fromCache: false, key, dir, meta, notices };
}

/**
 * Where {@link loadOrTrain} keeps the model trained with these options on these images: its key,
 * the key's material and the folder (which may not exist yet).
 */
export function cacheLocation(images: Matrix, options: ConvAutoencoderOptions & { validation?: Matrix; cacheDir?: string } = {}): { key: string; material: CacheKeyMaterial; dir: string } {
  const { cacheDir, validation, ...modelOptions } = options;
  const resolved = resolveAutoencoderOptions(modelOptions);
  const { architecture, seed, ...training } = resolved;
  const material: CacheKeyMaterial = {
    cacheVersion: MODEL_CACHE_VERSION,
    architecture,
    training,
    seed,
    data: fingerprint(images),
    validation: validation ? fingerprint(validation) : null,
  };
  const key = cacheKey(material);
  return { key, material, dir: path.join(path.resolve(cacheDir ?? path.join(cacheRoot(), 'models')), key) };
}

/** Whether a cache entry exists for these options and images (it is verified only when loaded). */
export function isModelCached(images: Matrix, options: ConvAutoencoderOptions & { validation?: Matrix; cacheDir?: string } = {}): boolean {
  return existsSync(path.join(cacheLocation(images, options).dir, META_JSON));
}

/**
 * Reads and checks one cache entry.
 * @throws ModelCacheError naming the folder and what is wrong.
 */
async function readCacheEntry(entry: string, key: string, material: CacheKeyMaterial): Promise<{ model: ConvAutoencoder; meta: CacheMeta }> {
  const bad = (what: string): ModelCacheError =>
    new ModelCacheError(`Model cache entry ${entry} is invalid: ${what}. It is not used; delete the folder or pass onInvalidCache: 'retrain' to train again.`, entry);
  // Every file from the same saved version: resolve the entry's link once.
  let dir: string;
  try {
    dir = await fsp.realpath(entry);
  } catch (err) {
    throw bad(`it cannot be resolved (${(err as Error).message})`);
  }
  const metaFile = path.join(dir, META_JSON);
  let meta: CacheMeta;
  try {
    meta = JSON.parse(await fsp.readFile(metaFile, 'utf8')) as CacheMeta;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw bad(e.code === 'ENOENT' ? `${META_JSON} is missing` : `${META_JSON} cannot be parsed (${e.message})`);
  }
  if (typeof meta !== 'object' || meta === null) throw bad(`${META_JSON} is not an object`);
  if (meta.key !== key) throw bad(`${META_JSON} records key '${String(meta.key)}' but the folder is for key '${key}'`);
  if (canonicalJson(meta.material) !== canonicalJson(material)) {
    throw bad(`${META_JSON} was made with other settings or data than its key says (${describeDifference(meta.material, material)})`);
  }
  let weights: Buffer;
  try {
    weights = await fsp.readFile(path.join(dir, WEIGHTS_BIN));
  } catch {
    throw bad(`${WEIGHTS_BIN} is missing`);
  }
  if (!meta.weights || weights.length !== meta.weights.bytes) {
    throw bad(`${WEIGHTS_BIN} has ${weights.length} bytes but ${meta.weights?.bytes ?? '?'} were written (truncated or replaced)`);
  }
  if (createHash('sha256').update(weights).digest('hex') !== meta.weights.sha256) {
    throw bad(`${WEIGHTS_BIN} does not match its recorded SHA-256 (the file was modified or damaged)`);
  }
  let model: ConvAutoencoder;
  try {
    model = await ConvAutoencoder.load(dir);
  } catch (err) {
    if (err instanceof ModelFileError) throw bad(err.message);
    throw err;
  }
  return { model, meta };
}

async function weightsOf(model: ConvAutoencoder): Promise<Uint8Array> {
  const { tf } = await initBackend();
  let data: ArrayBuffer | undefined;
  await model.autoencoder.save(tf.io.withSaveHandler(async (a) => {
    data = tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return new Uint8Array(data!);
}

/** JSON with object keys sorted, so equal values give equal strings. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === 'object' && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function describeDifference(a: unknown, b: unknown): string {
  if (typeof a !== 'object' || a === null || typeof b !== 'object' || b === null) return 'material missing';
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const diff = [...keys].filter((k) => canonicalJson((a as Record<string, unknown>)[k]) !== canonicalJson((b as Record<string, unknown>)[k]));
  return diff.length ? `differs in ${diff.join(', ')}` : 'material differs';
}

function packageVersion(): string {
  try {
    return (require('../../package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}
