import { createHash } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import * as path from 'node:path';
import type { Matrix } from '../util/matrix.js';
import { commitFolder, contentName } from '../util/fs.js';
import { canonicalJson, CHECKPOINT_JSON, ModelFileError, modelFolderOptions, sha256, type IntegrityRecord } from './io.js';
import type { EpochRecord, TrainingPosition } from './training.js';

/**
 * Checkpoints of a training run (Keras' ModelCheckpoint + `initial_epoch`, made exact): the
 * weights, the optimizer's moments and step, the position (epoch, batch, the epoch's loss sums),
 * the history and the shuffle's seed, in a folder's `checkpoint.json` and one content-addressed
 * `checkpoint.<hash>.bin`, committed crash-safely like a saved model (see `commitFolder`).
 * Each epoch's shuffle depends only on (seed, epoch) (and, with shift augmentation, each batch's
 * shifts on (seed, epoch, batch)), so a run resumed from a checkpoint sees the same batches in the
 * same order and, on the same backend, ends with the same weights, bit for bit, as one
 * uninterrupted run.
 */

/** The format tag of checkpoint.json. */
export const CHECKPOINT_FORMAT = 'fmnist-cluster/checkpoint@1';

/**
 * A fingerprint of a data matrix: its shape and the SHA-256 of its float32 bytes (≈0.1 s for
 * the 60,000 training images). Equal fingerprints mean equal data.
 * @example fingerprint(train.images) // '60000x784:3f1c…'
 */
export function fingerprint(x: Matrix): string {
  const bytes = new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength);
  return `${x.rows}x${x.cols}:${createHash('sha256').update(bytes).digest('hex')}`;
}

/**
 * The identity of a training run: everything that determines its weights epoch after epoch — the
 * model's kind, its options except the number of epochs, the training and validation data — so
 * a run asked for more epochs continues the checkpoint of a shorter one.
 * @example trainingRunId('DenseAutoencoder', ae.options, train.images, test.images) // 64 hex digits
 */
export function trainingRunId(kind: string, options: { readonly epochs: number }, train: Matrix, validation: Matrix | undefined): string {
  const { epochs: _epochs, ...rest } = options;
  return sha256(canonicalJson({ kind, options: rest, data: fingerprint(train), validation: validation ? fingerprint(validation) : null }));
}

/** What a checkpoint holds besides its arrays. */
export interface CheckpointInfo {
  readonly run: string;
  readonly kind: string;
  /** Epochs the run that wrote it was asked for. */
  readonly epochs: number;
  /** Where training stands: the next batch to run (see `TrainingPosition`). */
  readonly position: TrainingPosition;
  /** The epochs completed before `position.epoch`. */
  readonly history: readonly EpochRecord[];
  /** β1ᵗ, β2ᵗ of the optimizer (float32 values). */
  readonly optimizer: { readonly accBeta1: number; readonly accBeta2: number };
  /** Seed of the initialisation and of the shuffles (each epoch's order is a function of (seed, epoch)). */
  readonly seed: number;
  /** The backend and training engine that wrote it (a resume elsewhere continues, but not bit for bit). */
  readonly backend: string;
  readonly engine: string;
  readonly savedAt: string;
}

/** A checkpoint: its info and arrays. */
export interface Checkpoint extends CheckpointInfo {
  /** The model's weights in `model.weights` order, with their names and shapes. */
  readonly weights: readonly { readonly name: string; readonly shape: readonly number[]; readonly data: Float32Array }[];
  /** The optimizer's flat moments (absent before its first step). */
  readonly m: Float32Array | undefined;
  readonly v: Float32Array | undefined;
}

interface CheckpointJson extends CheckpointInfo {
  readonly format: string;
  readonly arrays: { readonly weights: { name: string; shape: number[] }[]; readonly moments: number };
  readonly file: string;
  integrity?: IntegrityRecord;
}

/**
 * Whether position `a` is before position `b`.
 * @example positionBefore({ epoch: 3, batch: 0, ... }, { epoch: 3, batch: 2, ... }) // true
 */
export function positionBefore(a: TrainingPosition, b: TrainingPosition): boolean {
  return a.epoch < b.epoch || (a.epoch === b.epoch && a.batch < b.batch);
}

/**
 * Writes `checkpoint` into `dir` (created when missing), crash-safely; a checkpoint of the same
 * run further on already there is kept (a checkpoint never moves a run backwards).
 * @returns whether it was written.
 * @example await writeCheckpoint('.cache/models/dense-ae-run-…', checkpoint)
 */
export async function writeCheckpoint(dir: string, checkpoint: Checkpoint): Promise<boolean> {
  const existing = await readCheckpointInfo(dir).catch(() => undefined);
  if (existing && existing.run === checkpoint.run && positionBefore(checkpoint.position, existing.position)) return false;
  const moments = checkpoint.m?.length ?? 0;
  const total = checkpoint.weights.reduce((a, w) => a + w.data.length, 0) + 2 * moments;
  const all = new Float32Array(total);
  let offset = 0;
  for (const w of checkpoint.weights) { all.set(w.data, offset); offset += w.data.length; }
  if (checkpoint.m && checkpoint.v) { all.set(checkpoint.m, offset); all.set(checkpoint.v, offset + moments); }
  const bytes = new Uint8Array(all.buffer);
  const file = contentName('checkpoint', bytes);
  const { weights, m: _m, v: _v, ...info } = checkpoint;
  const json: CheckpointJson = {
    format: CHECKPOINT_FORMAT,
    ...info,
    arrays: { weights: weights.map((w) => ({ name: w.name, shape: [...w.shape] })), moments },
    file,
  };
  json.integrity = { algorithm: 'sha256', files: { [file]: sha256(bytes) }, content: sha256(canonicalJson(json)) };
  await commitFolder(dir, { [file]: bytes }, { name: CHECKPOINT_JSON, data: JSON.stringify(json) }, modelFolderOptions({
    checkExisting: (existingDir) => {
      throw new ModelFileError(`${existingDir} already exists and holds neither a saved model nor a checkpoint; refusing to write a checkpoint into it. Choose another folder.`, existingDir);
    },
  }));
  return true;
}

/**
 * Reads and verifies the info of the checkpoint in `dir`, without its arrays.
 * @returns undefined when there is none.
 * @throws ModelFileError when checkpoint.json is damaged or was edited.
 * @example (await readCheckpointInfo(result.checkpointDir!))?.position // { epoch: 413, batch: 0, ... }
 */
export async function readCheckpointInfo(dir: string): Promise<CheckpointInfo | undefined> {
  return (await readJson(dir))?.json;
}

async function readJson(dir: string): Promise<{ json: CheckpointJson; file: string } | undefined> {
  const file = path.join(path.resolve(dir), CHECKPOINT_JSON);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' || (err as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
    throw err;
  }
  const damaged = (what: string): ModelFileError =>
    new ModelFileError(`The training checkpoint ${file} is damaged: ${what}. Delete it to train from the start.`, file);
  let json: CheckpointJson;
  try {
    json = JSON.parse(text) as CheckpointJson;
  } catch (err) {
    throw damaged(`it is not valid JSON (${(err as Error).message})`);
  }
  if (json?.format !== CHECKPOINT_FORMAT) throw damaged(`its format is '${String(json?.format)}', not '${CHECKPOINT_FORMAT}'`);
  const { integrity, ...rest } = json;
  if (integrity?.algorithm !== 'sha256' || sha256(canonicalJson(rest)) !== integrity.content) {
    throw damaged('its content does not match the SHA-256 recorded in it (edited or damaged)');
  }
  return { json, file };
}

/**
 * Reads and verifies the checkpoint in `dir`.
 * @returns undefined when there is none.
 * @throws ModelFileError when checkpoint.json or its array file is damaged, missing or edited.
 * @example const cp = await readCheckpoint('.cache/models/dense-ae-run-…');
 */
export async function readCheckpoint(dir: string): Promise<Checkpoint | undefined> {
  const read = await readJson(dir);
  if (!read) return undefined;
  const { json, file } = read;
  const arraysFile = path.join(path.dirname(file), path.basename(json.file));
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(arraysFile);
  } catch (err) {
    throw new ModelFileError(`The training checkpoint ${file} names ${json.file}, which cannot be read (${(err as Error).message}). Delete ${CHECKPOINT_JSON} to train from the start.`, arraysFile);
  }
  if (sha256(bytes) !== json.integrity!.files[json.file]) {
    throw new ModelFileError(`${arraysFile} does not match the SHA-256 recorded in ${CHECKPOINT_JSON}: the file was modified or damaged. Delete ${CHECKPOINT_JSON} to train from the start.`, arraysFile);
  }
  const all = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const moments = json.arrays.moments;
  let offset = 0;
  const weights = json.arrays.weights.map((w) => {
    const size = w.shape.reduce((a, b) => a * b, 1);
    const data = all.slice(offset, offset + size);
    offset += size;
    return { name: w.name, shape: w.shape, data };
  });
  if (offset + 2 * moments !== all.length) {
    throw new ModelFileError(`${arraysFile} holds ${all.length} values but ${CHECKPOINT_JSON} describes ${offset + 2 * moments}. Delete ${CHECKPOINT_JSON} to train from the start.`, arraysFile);
  }
  const { format: _f, arrays: _a, file: _file, integrity: _i, ...info } = json;
  return {
    ...info,
    weights,
    m: moments > 0 ? all.slice(offset, offset + moments) : undefined,
    v: moments > 0 ? all.slice(offset + moments, offset + 2 * moments) : undefined,
  };
}
