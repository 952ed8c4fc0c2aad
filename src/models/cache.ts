import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rm } from 'node:fs/promises';
import * as path from 'node:path';
import { cacheRoot } from '../util/paths.js';
import { activeBackend, initBackend } from '../tf/backend.js';
import type { Matrix } from '../util/matrix.js';
import type { LayersModel } from '@tensorflow/tfjs';
import { ConvAutoencoder, resolveAutoencoderOptions, type ConvAutoencoderOptions, type ResolvedAutoencoderOptions } from './autoencoder.js';
import { DenseAutoencoder, resolveDenseAutoencoderOptions, type DenseAutoencoderOptions, type ResolvedDenseAutoencoderOptions } from './dense-autoencoder.js';
import { fingerprint, readCheckpointInfo } from './checkpoint.js';
import { canonicalJson, MODEL_JSON, ModelFileError, readModelArtifacts, type ModelNotice } from './io.js';
import type { AutoencoderFitOptions, EpochRecord, Interruption } from './training.js';
import type { TrainingProgress } from './progress.js';
import { checkInteger } from '../util/validate.js';
import { ensureWritableFolder } from '../util/fs.js';
import { CACHE_ENV } from '../util/paths.js';

/**
 * Bumped when the cache layout or the training procedure changes (old entries are then unused).
 * 2: plain model folders with the cache record inside model.json (1: links to version folders, meta.json).
 */
export const MODEL_CACHE_VERSION = 2;
/** The key of the cache record in model.json's `userDefinedMetadata`, covered by its integrity record. */
export const CACHE_RECORD_KEY = 'fmnistClusterCache';

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

export { fingerprint } from './checkpoint.js';

/**
 * Everything that determines a trained model, hashed into the cache key. `model` names the
 * estimator for every model but the convolutional one (whose keys predate it and stay unchanged).
 */
export interface CacheKeyMaterial {
  readonly cacheVersion: number;
  readonly model?: string;
  readonly architecture: ResolvedAutoencoderOptions['architecture'] | ResolvedDenseAutoencoderOptions['architecture'];
  readonly training: Omit<ResolvedAutoencoderOptions, 'architecture' | 'seed'> | Omit<ResolvedDenseAutoencoderOptions, 'architecture' | 'seed'>;
  readonly seed: number;
  readonly data: string;
  readonly validation: string | null;
}

/**
 * The cache key of a training run: `prefix` (`ae-` for the convolutional autoencoder) + 20 hex
 * digits of the SHA-256 of the canonical JSON of {@link CacheKeyMaterial} (model, architecture,
 * hyperparameters, seed, data fingerprints).
 */
export function cacheKey(material: CacheKeyMaterial, prefix = 'ae-'): string {
  return prefix + createHash('sha256').update(canonicalJson(material)).digest('hex').slice(0, 20);
}

/** What the cache needs of a trainable autoencoder (ConvAutoencoder, DenseAutoencoder). */
export interface CacheableAutoencoder {
  readonly history: readonly EpochRecord[];
  readonly stoppedEarly: boolean;
  readonly interruptedAt: Interruption | undefined;
  readonly trainingEngine?: { readonly engine: string } | undefined;
  readonly autoencoder: LayersModel;
  fit(images: Matrix, options: AutoencoderFitOptions): Promise<unknown>;
  save(dir: string, options?: { metadata?: Record<string, unknown>; onNotice?: (notice: ModelNotice) => void }): Promise<{ notices: ModelNotice[] }>;
}

/** One kind of cached model: how to resolve its options into key material, create, and load it. */
export interface ModelKind<M extends CacheableAutoencoder, O> {
  /** Prefix of its cache keys (and so of its folders). */
  readonly keyPrefix: string;
  /** Recorded in the key material (absent for the convolutional model, whose keys predate it). */
  readonly model?: string;
  resolve(options: O): { readonly architecture: CacheKeyMaterial['architecture']; readonly seed: number; readonly training: CacheKeyMaterial['training'] };
  create(options: O): M;
  load(dir: string): Promise<M>;
}

/** The report's convolutional autoencoder (keys `ae-…`). */
export const CONV_AUTOENCODER_KIND: ModelKind<ConvAutoencoder, ConvAutoencoderOptions> = Object.freeze({
  keyPrefix: 'ae-',
  resolve: (o: ConvAutoencoderOptions) => {
    const { architecture, seed, ...training } = resolveAutoencoderOptions(o);
    return { architecture, seed, training };
  },
  create: (o: ConvAutoencoderOptions) => new ConvAutoencoder(o),
  load: (dir: string) => ConvAutoencoder.load(dir),
});

/** N2D's dense autoencoder (keys `dense-ae-…`). */
export const DENSE_AUTOENCODER_KIND: ModelKind<DenseAutoencoder, DenseAutoencoderOptions> = Object.freeze({
  keyPrefix: 'dense-ae-',
  model: 'DenseAutoencoder',
  resolve: (o: DenseAutoencoderOptions) => {
    const { architecture, seed, ...training } = resolveDenseAutoencoderOptions(o);
    return { architecture, seed, training };
  },
  create: (o: DenseAutoencoderOptions) => new DenseAutoencoder(o),
  load: (dir: string) => DenseAutoencoder.load(dir),
});

/** The cache record of an entry, in its model.json (`userDefinedMetadata.fmnistClusterCache`). */
export interface CacheMeta {
  readonly key: string;
  readonly material: CacheKeyMaterial;
  readonly history: readonly EpochRecord[];
  readonly stoppedEarly: boolean;
  readonly createdAt: string;
  readonly trainingSeconds: number;
  /** What trained the model; `trainingEngine` (graph or eager, see `CompiledStep`) is absent in caches written before it existed. */
  readonly versions: { readonly tfjs: string; readonly backend: string; readonly trainingEngine?: string; readonly node: string; readonly package: string };
  /** Size and SHA-256 of the weights, checked when loading (as is model.json's own integrity record). */
  readonly weights: { readonly bytes: number; readonly sha256: string };
}

/** Where and how to cache: the options {@link loadOrTrain} and {@link loadOrTrainDense} add to the model's. */
export interface CacheOptions extends AutoencoderFitOptions {
  /** Folder holding one sub-folder per key. Default `<cacheRoot()>/models` (`.cache/models`, or `$FMNIST_CACHE_DIR/models`). */
  cacheDir?: string;
  /**
   * What to do with a corrupt or mismatching cache entry: `'error'` (default) throws a
   * {@link ModelCacheError} naming the folder; `'retrain'` emits a `ModelCacheWarning` naming it
   * and trains again, replacing the entry. Either way a bad entry is never used.
   */
  onInvalidCache?: 'error' | 'retrain';
  /**
   * Checkpoint the training every this many epochs (and after the last one, and when interrupted)
   * into the run's folder `<cacheDir>/<prefix>run-<hash>` (the key without `epochs`), so that a
   * call with the same settings continues an interrupted training, and one asking for more epochs
   * than a cached model has trains only the missing ones (`resuming at epoch 61 of 1000` through
   * `onProgress`). `null`: no checkpoints. Default `10`. Without effect with `earlyStopping`.
   */
  checkpointEvery?: number | null;
  /**
   * Called with what the save of a new entry did about leftovers of an interrupted save (files
   * removed); also returned as `notices`. The library never prints.
   */
  onNotice?: (notice: ModelNotice) => void;
}

/** Options of {@link loadOrTrain}. */
export interface LoadOrTrainOptions extends ConvAutoencoderOptions, CacheOptions {}

/** Options of {@link loadOrTrainDense}. */
export interface LoadOrTrainDenseOptions extends DenseAutoencoderOptions, CacheOptions {}

/** What {@link loadOrTrain} returns (`M`: the model's class). */
export interface LoadOrTrainResult<M = ConvAutoencoder> {
  readonly model: M;
  /** True when the model came from the cache (no training ran). */
  readonly fromCache: boolean;
  readonly key: string;
  /** The cache folder (a plain model folder: model.json, weights.<hash>.bin). */
  readonly dir: string;
  /** The cache entry's metadata; `undefined` when training was interrupted (nothing was cached). */
  readonly meta: CacheMeta | undefined;
  /** Set when training was interrupted through `signal`: the model has the weights reached so far and was not cached. */
  readonly interrupted?: { readonly epoch: number; readonly batch: number; readonly batches: number };
  /** What saving the entry did about leftovers of an interrupted save (usually empty). */
  readonly notices: readonly ModelNotice[];
  /** The run's checkpoint folder (`<cacheDir>/<prefix>run-…`), when training ran resumably. */
  readonly checkpointDir?: string;
  /** The epoch training resumed at from a checkpoint (an interrupted run, or a shorter one asked for more epochs). */
  readonly resumedAt?: number;
  /**
   * The entry of an earlier version of this package (cache version 1, same settings and data) the
   * model was verified and copied from, instead of training (that entry is left in place).
   */
  readonly adoptedFrom?: string;
}

/**
 * Returns the autoencoder trained with these options on these images: from the cache folder
 * `<cacheDir>/<key>/` when a valid entry exists, otherwise trains it (with `onProgress`) and
 * stores it there atomically. The key covers the architecture, the hyperparameters, the seed and
 * fingerprints of the training and validation data, so changing any of them trains a new model.
 *
 * A cache entry is checked before use: model.json's content and weights must match the SHA-256s
 * recorded in it (an edited topology is refused like damaged weights), its cache record must carry
 * the same key and key material, and the model must load. The cache folder is checked to be a
 * writable folder before training starts.
 * @throws ModelCacheError for a corrupt or mismatching entry (unless `onInvalidCache: 'retrain'`);
 *   Error naming `cacheDir` / `FMNIST_CACHE_DIR` when it is a file or cannot be written.
 * @example
 * const { model, fromCache } = await loadOrTrain(train.images, { validation: test.images, epochs: 50, onProgress: progressPrinter() });
 */
export async function loadOrTrain(images: Matrix, options: LoadOrTrainOptions = {}): Promise<LoadOrTrainResult<ConvAutoencoder>> {
  return loadOrTrainModel(CONV_AUTOENCODER_KIND, images, options);
}

/**
 * {@link loadOrTrain} for N2D's {@link DenseAutoencoder}: the same cache (keys `dense-ae-…`
 * covering every option and the data), the same checks and atomic writes.
 * @example
 * const { model } = await loadOrTrainDense(train.images, { epochs: 40, validation: test.images, onProgress: progressPrinter() });
 */
export async function loadOrTrainDense(images: Matrix, options: LoadOrTrainDenseOptions = {}): Promise<LoadOrTrainResult<DenseAutoencoder>> {
  return loadOrTrainModel(DENSE_AUTOENCODER_KIND, images, options);
}

/** {@link loadOrTrain} for any {@link ModelKind}. */
export async function loadOrTrainModel<M extends CacheableAutoencoder, O extends object>(
  kind: ModelKind<M, O>, images: Matrix, options: O & CacheOptions,
): Promise<LoadOrTrainResult<M>> {
  const { cacheDir, onInvalidCache = 'error', validation, onProgress, signal, onNotice, checkpointEvery = 10, checkpoint: _ignored, ...rest } = options;
  const modelOptions = rest as unknown as O;
  if (onInvalidCache !== 'error' && onInvalidCache !== 'retrain') {
    throw new RangeError(`onInvalidCache must be 'error' or 'retrain', got '${String(onInvalidCache)}'.`);
  }
  if (checkpointEvery !== null) checkInteger('checkpointEvery', checkpointEvery, 1);
  const { key, material, dir, runDir } = modelCacheLocation(kind, images, modelOptions, { ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) });
  const resumable = checkpointEvery !== null && material.training.earlyStopping === null;

  if (existsSync(path.join(dir, MODEL_JSON))) {
    try {
      const { model, meta } = await readCacheEntry(kind, dir, key, material);
      return { model, fromCache: true, key, dir, meta, notices: [] };
    } catch (err) {
      if (!(err instanceof ModelCacheError) || onInvalidCache === 'error') throw err;
      process.emitWarning(`${err.message} Training again and replacing it.`, { type: 'ModelCacheWarning' });
    }
  }
  const adopted = await adoptEarlierEntry(kind, dir, key, material, onNotice);
  if (adopted) return { ...adopted, fromCache: true, key, dir };
  // Before training, not after it: a cache folder that cannot take the model would lose it.
  await ensureWritableFolder(path.dirname(dir), cacheDir !== undefined ? 'cacheDir' : process.env[CACHE_ENV] !== undefined ? CACHE_ENV : 'the model cache');

  const model = kind.create(modelOptions);
  const t0 = performance.now();
  let resumedAt: number | undefined;
  const watch = (p: TrainingProgress): void => {
    if (p.phase === 'resume' && /^(resuming|all )/.test(p.message ?? '')) resumedAt = p.epoch;
    onProgress?.(p);
  };
  try {
    await model.fit(images, {
      ...(validation ? { validation } : {}), onProgress: watch, ...(signal ? { signal } : {}),
      ...(resumable ? { checkpoint: { dir: runDir, every: checkpointEvery! } } : {}),
    });
  } catch (err) {
    // A damaged checkpoint or one of another run (a copied folder) is handled like a bad entry.
    if (!(err instanceof ModelFileError) || !resumable || !err.file.startsWith(runDir)) throw err;
    const bad = new ModelCacheError(`Model cache entry ${runDir} (the run's checkpoint) is invalid: ${err.message.replace(/\.$/, '')}. It is not used; delete the folder or pass onInvalidCache: 'retrain' to train again.`, runDir);
    if (onInvalidCache === 'error') throw bad;
    process.emitWarning(`${bad.message} Training again from the start.`, { type: 'ModelCacheWarning' });
    await rm(runDir, { recursive: true, force: true });
    return loadOrTrainModel(kind, images, { ...options, onInvalidCache: 'error' });
  }
  const trainingSeconds = (performance.now() - t0) / 1000;
  if (model.interruptedAt) {
    // A partly trained model is returned to the caller but never cached under the full settings' key;
    // its checkpoint (when resumable) lets the next call continue.
    return {
      model, fromCache: false, key, dir, meta: undefined, interrupted: model.interruptedAt, notices: [],
      ...(resumable ? { checkpointDir: runDir } : {}), ...(resumedAt !== undefined ? { resumedAt } : {}),
    };
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
    versions: {
      tfjs: tf.version_core, backend: activeBackend() ?? 'unknown', ...(model.trainingEngine ? { trainingEngine: model.trainingEngine.engine } : {}),
      node: process.version, package: packageVersion(),
    },
    weights: { bytes: weightBytes.length, sha256: createHash('sha256').update(weightBytes).digest('hex') },
  };
  const { notices } = await model.save(dir, { metadata: { [CACHE_RECORD_KEY]: meta }, ...(onNotice ? { onNotice } : {}) });
  return { model, fromCache: false, key, dir, meta, notices, ...(resumable ? { checkpointDir: runDir } : {}), ...(resumedAt !== undefined ? { resumedAt } : {}) };
}

/**
 * Where {@link loadOrTrain} keeps the model trained with these options on these images: its key,
 * the key's material and the folder (which may not exist yet).
 */
export function cacheLocation(images: Matrix, options: ConvAutoencoderOptions & { validation?: Matrix; cacheDir?: string } = {}): { key: string; material: CacheKeyMaterial; dir: string; runDir: string } {
  const { cacheDir, validation, ...modelOptions } = options;
  return modelCacheLocation(CONV_AUTOENCODER_KIND, images, modelOptions, { ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) });
}

/** {@link cacheLocation} for any {@link ModelKind}. */
export function modelCacheLocation<O>(
  kind: ModelKind<CacheableAutoencoder, O>, images: Matrix, modelOptions: O, where: { validation?: Matrix; cacheDir?: string } = {},
): { key: string; material: CacheKeyMaterial; dir: string; runDir: string } {
  const { architecture, seed, training } = kind.resolve(modelOptions);
  const material: CacheKeyMaterial = {
    cacheVersion: MODEL_CACHE_VERSION,
    ...(kind.model ? { model: kind.model } : {}),
    architecture,
    training,
    seed,
    data: fingerprint(images),
    validation: where.validation ? fingerprint(where.validation) : null,
  };
  const key = cacheKey(material, kind.keyPrefix);
  const root = path.resolve(where.cacheDir ?? path.join(cacheRoot(), 'models'));
  const { epochs: _epochs, ...run } = material.training;
  return { key, material, dir: path.join(root, key), runDir: path.join(root, cacheKey({ ...material, training: run as CacheKeyMaterial['training'] }, `${kind.keyPrefix}run-`)) };
}

/** What {@link modelCacheStatus} reports. */
export interface CacheStatus {
  /** Whether the trained model is cached (loadOrTrain returns it without training). */
  readonly cached: boolean;
  /** Epochs asked for. */
  readonly epochs: number;
  /** Epochs that training still has to run (0 when cached; counting a partly done epoch as one). */
  readonly remainingEpochs: number;
  /** Epochs completed so far (`epochs` when cached, the checkpoint's completed epochs, else 0). */
  readonly epochsDone: number;
  /**
   * Mean seconds per epoch of the last (up to 10) epochs the checkpoint's history recorded: the
   * speed of the machine that trained them (undefined when cached or nothing has been trained).
   */
  readonly secondsPerEpoch?: number;
  /** The run's checkpoint, when there is one: the next epoch and batch to run. */
  readonly checkpoint?: { readonly epoch: number; readonly batch: number; readonly savedAt: string; readonly dir: string };
  /** The cache entry's folder. */
  readonly dir: string;
  /** In words, e.g. `checkpoint after epoch 412 of 1000: 588 epochs to go`, for a notebook's config cell. */
  readonly summary: string;
}

/**
 * What the cache holds for training this model on these images: the trained model, a checkpoint
 * part of the way (see `checkpointEvery`), or nothing — without loading or training anything.
 * @throws ModelFileError when the run's checkpoint.json is damaged.
 * @example (await modelCacheStatus(DENSE_AUTOENCODER_KIND, train.images, { ...config.n2d, validation: test.images })).summary
 */
export async function modelCacheStatus<O>(
  kind: ModelKind<CacheableAutoencoder, O>, images: Matrix, options: O & { validation?: Matrix; cacheDir?: string },
): Promise<CacheStatus> {
  const { cacheDir, validation, ...modelOptions } = options as O & { validation?: Matrix; cacheDir?: string };
  const { dir, runDir, material } = modelCacheLocation(kind, images, modelOptions as O, { ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) });
  const epochs = material.training.epochs;
  if (existsSync(path.join(dir, MODEL_JSON))) return { cached: true, epochs, remainingEpochs: 0, epochsDone: epochs, dir, summary: `cached: ${epochs} epochs trained` };
  const info = await readCheckpointInfo(runDir);
  const { epoch, batch } = info?.position ?? { epoch: 1, batch: 0 };
  if (!info || epoch > epochs + 1 || (epoch === epochs + 1 && batch > 0)) {
    return { cached: false, epochs, remainingEpochs: epochs, epochsDone: 0, dir, summary: `not trained yet: ${epochs} epochs to train` };
  }
  const remainingEpochs = epochs - epoch + 1;
  const where = batch > 0 ? `in epoch ${epoch} (after batch ${batch})` : `after epoch ${epoch - 1}`;
  const recent = info.history.slice(-10).map((h) => h.seconds).filter((x) => Number.isFinite(x) && x > 0);
  return {
    cached: false, epochs, remainingEpochs, epochsDone: epoch - 1, dir,
    ...(recent.length > 0 ? { secondsPerEpoch: recent.reduce((a, b) => a + b, 0) / recent.length } : {}),
    checkpoint: { epoch, batch, savedAt: info.savedAt, dir: runDir },
    summary: `checkpoint ${where} of ${epochs}: ${remainingEpochs} epoch${remainingEpochs === 1 ? '' : 's'} to go (saved ${info.savedAt})`,
  };
}

/** Whether a cache entry exists for these options and images (it is verified only when loaded). */
export function isModelCached(images: Matrix, options: ConvAutoencoderOptions & { validation?: Matrix; cacheDir?: string } = {}): boolean {
  return existsSync(path.join(cacheLocation(images, options).dir, MODEL_JSON));
}

/** {@link isModelCached} for the {@link DenseAutoencoder}. */
export function isDenseModelCached(images: Matrix, options: DenseAutoencoderOptions & { validation?: Matrix; cacheDir?: string } = {}): boolean {
  const { cacheDir, validation, ...modelOptions } = options;
  return existsSync(path.join(modelCacheLocation(DENSE_AUTOENCODER_KIND, images, modelOptions, { ...(validation ? { validation } : {}), ...(cacheDir ? { cacheDir } : {}) }).dir, MODEL_JSON));
}

/**
 * Reads and checks one cache entry.
 * @throws ModelCacheError naming the folder and what is wrong.
 */
async function readCacheEntry<M extends CacheableAutoencoder>(kind: ModelKind<M, never>, entry: string, key: string, material: CacheKeyMaterial): Promise<{ model: M; meta: CacheMeta }> {
  const bad = (what: string): ModelCacheError =>
    new ModelCacheError(`Model cache entry ${entry} is invalid: ${what.replace(/\.$/, '')}. It is not used; delete the folder or pass onInvalidCache: 'retrain' to train again.`, entry);
  let read: Awaited<ReturnType<typeof readModelArtifacts>>;
  try {
    read = await readModelArtifacts(entry);
  } catch (err) {
    if (err instanceof ModelFileError) throw bad(err.message);
    throw err;
  }
  if (read.verifiedBy !== 'model.json') throw bad(`its ${MODEL_JSON} carries no integrity record (it was not written by this cache)`);
  const meta = read.userDefinedMetadata?.[CACHE_RECORD_KEY] as CacheMeta | undefined;
  if (typeof meta !== 'object' || meta === null) throw bad(`its ${MODEL_JSON} has no cache record (userDefinedMetadata.${CACHE_RECORD_KEY})`);
  if (meta.key !== key) throw bad(`its cache record has key '${String(meta.key)}' but the folder is for key '${key}'`);
  if (canonicalJson(meta.material) !== canonicalJson(material)) {
    throw bad(`it was made with other settings or data than its key says (${describeDifference(meta.material, material)})`);
  }
  const weights = new Uint8Array(read.artifacts.weightData as ArrayBuffer);
  if (!meta.weights || weights.length !== meta.weights.bytes || createHash('sha256').update(weights).digest('hex') !== meta.weights.sha256) {
    throw bad('its weights are not the ones its cache record describes');
  }
  let model: M;
  try {
    model = await kind.load(entry);
  } catch (err) {
    if (err instanceof ModelFileError) throw bad(err.message);
    throw err;
  }
  return { model, meta };
}

/**
 * The entry an earlier version of this package cached for the same settings and data (cache
 * version 1: a link to a version folder with meta.json and checksums.json), verified and copied
 * into this version's plain folder — so that upgrading does not retrain every cached model. The
 * old entry is left as it is. Undefined when there is none, or it does not verify.
 */
async function adoptEarlierEntry<M extends CacheableAutoencoder>(
  kind: ModelKind<M, never>, dir: string, key: string, material: CacheKeyMaterial, onNotice: ((n: ModelNotice) => void) | undefined,
): Promise<{ model: M; meta: CacheMeta; notices: ModelNotice[]; adoptedFrom: string } | undefined> {
  const earlierMaterial = { ...material, cacheVersion: 1 };
  const earlierKey = cacheKey(earlierMaterial, kind.keyPrefix);
  const earlier = path.join(path.dirname(dir), earlierKey);
  const metaFile = path.join(earlier, 'meta.json');
  if (!existsSync(metaFile)) return undefined;
  let model: M | undefined;
  try {
    // Its checksums.json covers model.json, the weights and meta.json: all verified by the read.
    const read = await readModelArtifacts(earlier);
    if (read.verifiedBy !== 'checksums.json') return undefined;
    const old = JSON.parse(await readFile(metaFile, 'utf8')) as CacheMeta;
    if (old.key !== earlierKey || canonicalJson(old.material) !== canonicalJson(earlierMaterial)) return undefined;
    model = await kind.load(earlier);
    const meta: CacheMeta = { ...old, key, material };
    const { notices } = await model.save(dir, { metadata: { [CACHE_RECORD_KEY]: meta }, ...(onNotice ? { onNotice } : {}) });
    return { model, meta, notices, adoptedFrom: earlier };
  } catch (err) {
    if (err instanceof ModelFileError || err instanceof SyntaxError) {
      (model as { dispose?: () => void } | undefined)?.dispose?.();
      return undefined; // not usable: trained again as if absent
    }
    throw err;
  }
}

async function weightsOf(model: CacheableAutoencoder): Promise<Uint8Array> {
  const { tf } = await initBackend();
  let data: ArrayBuffer | undefined;
  await model.autoencoder.save(tf.io.withSaveHandler(async (a) => {
    data = tf.io.CompositeArrayBuffer.join(a.weightData ?? new ArrayBuffer(0));
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  return new Uint8Array(data!);
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
