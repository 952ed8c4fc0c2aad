import { autoencoderSettings } from './autoencoders.js';
import { reportAutoencoderTraining } from './report-autoencoder.js';
import type { ScaleSettings } from './scale.js';

/** A setting's value as recorded with a result. */
export type SettingValue = string | number | boolean;
export type Settings = Readonly<Record<string, SettingValue>>;

/** The pipelines the notebooks record (the report's three, then ours). */
export type PipelineId = 'kmeans-raw' | 'ae-kmeans' | 'ae-gmm' | 'n2d';

/** `report`: the published report's settings; `improved`: a setting of ours, named and justified in its notebook. */
export type SettingKind = 'report' | 'improved';

/** What a recorded run is: one of the named settings, or a `variant` (any other setting, e.g. a rerun with k = 5). */
export type RunLabel = SettingKind | 'variant';

/**
 * `test`: fit on the test images and score them (the report's protocol); `train`: fit on the
 * training images, assign the test images; `all`: fit on and score all train + test images (the
 * literature's protocol, e.g. N2D's 70,000).
 */
export type Protocol = 'test' | 'train' | 'all';

/** A named setting of a pipeline: the parameter values that define it (others, like the seed or the engine, do not). */
export interface NamedSetting {
  readonly kind: SettingKind;
  /** e.g. "unit-length images (cosine)"; the report's is "the report's settings". */
  readonly description: string;
  readonly params: Settings;
}

/** Pipeline names shown in tables, in report order. */
export const PIPELINE_NAMES: Readonly<Record<PipelineId, string>> = Object.freeze({
  'kmeans-raw': 'K-Means on raw pixels',
  'ae-kmeans': 'Autoencoder codes + K-Means',
  'ae-gmm': 'Autoencoder codes + GMM',
  n2d: 'Autoencoder codes + UMAP + GMM (N2D)',
});

/** Which notebook records which pipeline (the summary lists the missing ones). */
export const PIPELINE_NOTEBOOKS: Readonly<Record<PipelineId, string>> = Object.freeze({
  'kmeans-raw': '02-kmeans',
  'ae-kmeans': '04-ae-kmeans',
  'ae-gmm': '05-ae-gmm',
  n2d: '07-n2d',
});

/**
 * The report's autoencoder training as recorded settings (`reportAutoencoderTraining`: epochs from
 * the scale). Its seed is left out, like every seed: it picks one model of the setting.
 */
function reportAutoencoder(scale: ScaleSettings): Settings {
  const { 'ae.seed': _seed, ...settings } = autoencoderSettings(reportAutoencoderTraining(scale));
  return settings;
}

/** scikit-learn's KMeans as the report ran it (k = 10, k-means++, nInit restarts, max 300 iterations, tol 1e-4). */
function reportKMeans(scale: ScaleSettings): Settings {
  return { estimator: 'KMeans', nClusters: 10, init: 'kmeans++', nInit: scale.nInit, maxIter: 300, tol: 1e-4 };
}

/** scikit-learn's GaussianMixture defaults with 10 full-covariance components, as the report ran it. */
const REPORT_GMM: Settings = { estimator: 'GaussianMixture', nComponents: 10, covarianceType: 'full', tol: 1e-3, regCovar: 1e-6, maxIter: 100, nInit: 1, initParams: 'kmeans' };

/**
 * The named settings of a pipeline at a scale: the report's (scaled down at `smoke`: fewer
 * images, epochs and restarts) and our improved ones. A run is labelled with the first one whose
 * every parameter it matches; any other run is a variant.
 */
export function namedSettings(pipeline: PipelineId, scale: ScaleSettings): NamedSetting[] {
  const none = { preprocessing: 'none' };
  switch (pipeline) {
    case 'kmeans-raw':
      return [
        { kind: 'report', description: "the report's settings", params: { ...reportKMeans(scale), ...none } },
        { kind: 'improved', description: 'unit-length images (cosine)', params: { ...reportKMeans(scale), preprocessing: 'unit-length rows' } },
      ];
    case 'ae-kmeans':
      return [
        { kind: 'report', description: "the report's settings", params: { ...reportKMeans(scale), ...none, ...reportAutoencoder(scale) } },
        { kind: 'improved', description: 'unit-length codes (cosine)', params: { ...reportKMeans(scale), preprocessing: 'unit-length rows', ...reportAutoencoder(scale) } },
      ];
    case 'ae-gmm':
      return [
        { kind: 'report', description: "the report's settings", params: { ...REPORT_GMM, ...none, ...reportAutoencoder(scale) } },
        {
          kind: 'improved',
          description: 'unit-length codes, PCA 20, 5 starts',
          params: { ...REPORT_GMM, nInit: 5, preprocessing: 'unit-length rows + PCA', pcaComponents: 20, ...reportAutoencoder(scale) },
        },
      ];
    case 'n2d':
      return [
        {
          kind: 'improved',
          description: 'N2D: UMAP to 10-d (20 neighbours, minDist 0), GMM full',
          params: { ...REPORT_GMM, preprocessing: 'UMAP', 'umap.nComponents': 10, 'umap.nNeighbors': 20, 'umap.minDist': 0, 'umap.metric': 'euclidean', ...reportAutoencoder(scale) },
        },
      ];
    default:
      return assertNever(pipeline);
  }
}

function assertNever(x: never): never {
  throw new RangeError(`Unknown pipeline '${String(x)}': expected one of ${Object.keys(PIPELINE_NAMES).join(', ')}.`);
}

/** Readable names of setting keys in labels (`k = 5`, not `nClusters = 5`). */
const DISPLAY_NAMES: Readonly<Record<string, string>> = {
  nClusters: 'k',
  nComponents: 'components',
  covarianceType: 'covariance',
  initParams: 'init',
  'ae.epochs': 'autoencoder epochs',
  'ae.batchSize': 'autoencoder batch',
  'ae.learningRate': 'autoencoder learning rate',
  'ae.interruptedAt': 'autoencoder interrupted at',
  'ae.architecture': 'autoencoder',
  'ae.trainedOn': 'autoencoder trained on',
  pcaComponents: 'PCA components',
  'umap.nComponents': 'UMAP dimensions',
  'umap.nNeighbors': 'UMAP neighbours',
  'umap.minDist': 'UMAP minDist',
  'consensus.members': 'consensus of runs',
};

/** `k = 5`, `covariance = diag`, `preprocessing = none`. */
export function formatSetting(key: string, value: SettingValue | undefined): string {
  return `${DISPLAY_NAMES[key] ?? key} = ${value === undefined ? '(unset)' : typeof value === 'number' ? String(Number(value.toPrecision(6))) : String(value)}`;
}

function same(a: SettingValue | undefined, b: SettingValue): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a === b || Math.abs(a - b) <= 1e-12 * Math.max(Math.abs(a), Math.abs(b));
  return a === b;
}

/**
 * Settings that no named setting has: present, they always make a run a variant (an interrupted
 * autoencoder; an autoencoder other than the report's, e.g. N2D's dense one; one trained on other
 * images than the training split, e.g. N2D's protocol on train + test; a consensus of several runs).
 */
const ALWAYS_VARIANT = new Set(['ae.architecture', 'ae.interruptedAt', 'ae.trainedOn', 'consensus.members']);

/** The keys of `setting.params` whose value in `settings` differs, formatted (`k = 5`). */
export function settingDiff(settings: Settings, setting: NamedSetting): string[] {
  return Object.entries(setting.params).filter(([k, v]) => !same(settings[k], v)).map(([k]) => formatSetting(k, settings[k]))
    .concat(Object.keys(settings).filter((k) => ALWAYS_VARIANT.has(k) && !(k in setting.params)).map((k) => formatSetting(k, settings[k])));
}

/** How a run is labelled and described. */
export interface RunIdentity {
  readonly label: RunLabel;
  /** "the report's settings", "improved: unit-length codes (cosine)", "variant of the report's settings: k = 5". */
  readonly description: string;
  /** What differs from the intended named setting (empty unless `label` is `variant`). */
  readonly diff: readonly string[];
}

/**
 * Labels a run by what its settings are, not by what the notebook meant: `report` only when every
 * parameter of the report's setting matches, `improved` only when an improved setting matches,
 * else `variant` with the differences from the setting `intent` names.
 * @throws RangeError when `intent` names a setting the pipeline does not have.
 */
export function identifyRun(pipeline: PipelineId, settings: Settings, scale: ScaleSettings, intent: SettingKind): RunIdentity {
  const named = namedSettings(pipeline, scale);
  const intended = named.find((s) => s.kind === intent);
  if (!intended) throw new RangeError(`Pipeline '${pipeline}' has no '${intent}' setting; it has ${named.map((s) => `'${s.kind}'`).join(', ')}.`);
  for (const s of [intended, ...named.filter((x) => x !== intended)]) {
    if (settingDiff(settings, s).length === 0) {
      return { label: s.kind, description: s.kind === 'report' ? s.description : `improved: ${s.description}`, diff: [] };
    }
  }
  const diff = settingDiff(settings, intended);
  const base = intended.kind === 'report' ? "the report's settings" : `improved setting (${intended.description})`;
  return { label: 'variant', description: `variant of ${base}: ${diff.join(', ')}`, diff };
}
