import { ArtifactStore } from './artifacts.js';
import type { AutoencoderTraining } from './autoencoders.js';
import { AUTOENCODER_NOTEBOOK, type ExperimentData, type TrainedAutoencoder } from './pipeline.js';
import { reportAutoencoderTraining } from './report-autoencoder.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/**
 * The autoencoder the notebooks share: notebook 03 trains it (its config cell is the one place
 * its settings are written) and records which one it trained; notebooks 04, 05 and 07 read that
 * record, so after an edit of 03's training they cluster the codes of the model 03 trained.
 */

/** Name of the artifact (per scale) holding {@link SharedAutoencoderRecord}, tagged with the model's cache key. */
export const SHARED_AUTOENCODER_ARTIFACT = 'shared-autoencoder';

/** What notebook 03 records: the training and cache key of the model it trained, and on how many images. */
export interface SharedAutoencoderRecord {
  readonly training: AutoencoderTraining;
  readonly modelKey: string;
  readonly notebook: string;
  readonly trainImages: number;
  readonly testImages: number;
  /** Set when its training was interrupted (the model was not cached: the next notebook trains it). */
  readonly interruptedAt?: { readonly epoch: number; readonly batch: number; readonly batches: number };
}

/**
 * Records `trained` as the autoencoder of the notebooks at `data`'s scale (notebook 03's step after
 * training), replacing the previous record: 04, 05 and 07 then use these settings and this model.
 * An interrupted training is recorded too (its settings are the ones 03 asks for; the model is not
 * cached, so the next notebook trains it fully, as 03 would have).
 * @example
 * const trained = await trainedAutoencoder(data, config.autoencoder, progressPrinter());
 * shareAutoencoder(data, trained);
 */
export function shareAutoencoder(
  data: ExperimentData,
  trained: Pick<TrainedAutoencoder, 'training' | 'key' | 'interrupted'>,
  options: { store?: ArtifactStore; notebook?: string } = {},
): SharedAutoencoderRecord {
  const store = options.store ?? new ArtifactStore(data.settings.scale);
  // The record names the settings, never where they were last looked up from.
  const { modelKey: _looked, source: _source, ...training } = trained.training as SharedAutoencoderTraining;
  const record: SharedAutoencoderRecord = {
    training,
    modelKey: trained.key,
    notebook: options.notebook ?? AUTOENCODER_NOTEBOOK,
    trainImages: data.train.images.rows,
    testImages: data.test.images.rows,
    ...(trained.interrupted ? { interruptedAt: trained.interrupted } : {}),
  };
  store.saveJson(SHARED_AUTOENCODER_ARTIFACT, trained.key, record);
  return record;
}

/** An autoencoder training as the notebooks share it: the settings, where they come from, the model they name. */
export interface SharedAutoencoderTraining extends AutoencoderTraining {
  /** e.g. `'notebook 03-autoencoder (recorded 2026-12-07 13:40 UTC)'`, or the report's settings and "run 03 first". */
  readonly source: string;
}

/**
 * The autoencoder training notebooks 04, 05 and 07 use at this scale: the one notebook 03 last
 * trained (its settings, and `modelKey`, the cache key of its model: the steps of
 * src/experiment/pipeline.ts refuse other images that would give another model). When 03 has not
 * run at this scale, the report's settings (`reportAutoencoderTraining`, what 03's config cell
 * starts from), with a `source` saying to run 03 first.
 * @throws Error when the record is corrupt (naming the file).
 * @example
 * const config = { autoencoder: sharedAutoencoderTraining(settings) }; // { kind: 'conv', epochs: 2, …, modelKey: 'ae-…', source: 'notebook 03-autoencoder (…)' }
 */
export function sharedAutoencoderTraining(settings: ScaleSettings = scaleSettings(), options: { store?: ArtifactStore } = {}): SharedAutoencoderTraining {
  const store = options.store ?? new ArtifactStore(settings.scale);
  const stored = store.readJson<SharedAutoencoderRecord>(SHARED_AUTOENCODER_ARTIFACT);
  if (!stored) {
    return {
      ...reportAutoencoderTraining(settings),
      source: `the report's settings: notebook ${AUTOENCODER_NOTEBOOK} has not trained an autoencoder at scale '${settings.scale}' yet; ` +
        `run ${AUTOENCODER_NOTEBOOK} first (its config cell sets the autoencoder 04, 05 and 07 use)`,
    };
  }
  const record = stored.value;
  const t = record?.training;
  if (!t || typeof t.epochs !== 'number' || typeof t.batchSize !== 'number' || typeof t.learningRate !== 'number' || typeof t.seed !== 'number') {
    throw new Error(`Artifact ${SHARED_AUTOENCODER_ARTIFACT} in ${store.dir} is corrupt (no autoencoder training); delete it and run ${AUTOENCODER_NOTEBOOK} again.`);
  }
  const when = stored.savedAt ? ` (recorded ${stored.savedAt.slice(0, 16).replace('T', ' ')} UTC)` : '';
  const interrupted = record.interruptedAt
    ? `; its training was interrupted at epoch ${record.interruptedAt.epoch}/${t.epochs}, so the model is not cached and this notebook trains it`
    : '';
  return { ...t, modelKey: stored.key, source: `notebook ${record.notebook}${when}${interrupted}` };
}
