import { PCA } from '../decomposition/pca.js';
import { voteConsensus } from '../metrics/consensus.js';
import { checkInteger } from '../util/validate.js';
import { activeBackend } from '../tf/backend.js';
import { concatRows, normalizeRows, type Matrix } from '../util/matrix.js';
import { UMAP, type UMAPOptions } from '../manifold/umap.js';
import { evaluateClustering, type Evaluation } from './evaluation.js';
import type { AutoencoderCodes, ExperimentData } from './pipeline.js';
import { PUBLISHED_NMI } from './published.js';
import { labelsFingerprint, medianRun, spreadOf, ResultStore, type PipelineResult, type RunScores } from './results.js';
import { identifyRun, PIPELINE_NAMES, type PipelineId, type Protocol, type RunIdentity, type SettingKind, type SettingValue } from './settings.js';
import { autoencoderSettings } from './autoencoders.js';

/** What the experiment layer needs of a clusterer: its resolved options, `fit` and `predict` (KMeans, GaussianMixture). */
export interface Clusterer {
  readonly options: object;
  fit(x: Matrix): unknown;
  predict(x: Matrix): Int32Array;
}

/**
 * A transformation fitted on the images a clusterer is fitted on, then applied to the images it
 * labels (e.g. unit-length rows, then PCA). Its `name` and `params` are recorded with the result.
 */
export interface Preprocessor {
  readonly name: string;
  readonly params?: Readonly<Record<string, SettingValue>>;
  /** When true it is refitted for every seed with that seed (e.g. UMAP), and its time counts in each run's seconds. */
  readonly seeded?: boolean;
  fit(x: Matrix, seed?: number): (y: Matrix) => Matrix;
}

/** No preprocessing. */
export const NO_PREPROCESSING: Preprocessor = Object.freeze({ name: 'none', fit: () => (y: Matrix) => y });

/** Every row scaled to unit length, so distances compare directions (cosine), not amounts of ink. */
export function unitLength(): Preprocessor {
  return { name: 'unit-length rows', fit: () => normalizeRows };
}

/** Unit-length rows, then the first `nComponents` principal components (fitted on the fit set). */
export function unitLengthPca(nComponents: number): Preprocessor {
  return {
    name: 'unit-length rows + PCA',
    params: { pcaComponents: nComponents },
    fit(x) {
      const pca = new PCA({ nComponents }).fit(normalizeRows(x));
      return (y) => pca.transform(normalizeRows(y));
    },
  };
}

/**
 * UMAP (src/manifold) fitted on the fit set, seeded per run: the embedding of the fit set itself,
 * `transform` for other images. N2D's settings: `{ nComponents: 10, nNeighbors: 20, minDist: 0 }`.
 */
export function umapEmbedding(options: Omit<UMAPOptions, 'seed'>, onFit?: (seed: number) => void): Preprocessor {
  const umap = new UMAP(options); // validates the options now, not after the first fit
  const o = umap.options;
  return {
    name: 'UMAP',
    params: { 'umap.nComponents': o.nComponents, 'umap.nNeighbors': o.nNeighbors, 'umap.minDist': o.minDist, 'umap.metric': o.metric },
    seeded: true,
    fit(x, seed = 0) {
      onFit?.(seed);
      const fitted = new UMAP({ ...options, seed }).fit(x);
      return (y) => (y === x ? fitted.embedding : fitted.transform(y));
    },
  };
}

/** Options keys that do not define a setting (the seed varies per run; engines compute the same thing). */
const NOT_SETTINGS = new Set(['seed', 'engine', 'algorithm']);

/** The settings of a fitted estimator, read from its resolved options (scalars as they are; arrays, matrices: `'given'`). */
export function settingsOf(estimator: { readonly options: object }, name = estimator.constructor.name): Record<string, SettingValue> {
  const out: Record<string, SettingValue> = { estimator: name };
  for (const [k, v] of Object.entries(estimator.options)) {
    if (NOT_SETTINGS.has(k) || v === undefined) continue;
    out[k] = typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean' ? v : 'given';
  }
  return out;
}

/** One clustering step of a notebook (see {@link Experiment.cluster}). */
export interface ClusterStep<E extends Clusterer> {
  readonly pipeline: PipelineId;
  /** The setting this step means to run; the recorded label says what it actually ran. */
  readonly intent: SettingKind;
  /** `test` (default, the report's): fit on the test inputs and label them; `train`: fit on train, label test; `all`: fit on and label train + test (the literature's). */
  readonly protocol?: Protocol;
  /** The inputs: pixels (`{ train: data.train.images, test: data.test.images }`), or give `codes`. */
  readonly inputs?: { readonly train: Matrix; readonly test: Matrix };
  /** Autoencoder codes as inputs; their model's training settings become part of the run's settings. */
  readonly codes?: AutoencoderCodes;
  /** A new, unfitted clusterer for a seed, e.g. `(seed) => new KMeans({ ...config.kmeans, seed })`. */
  readonly make: (seed: number) => E;
  /** Clusterer seeds (default: the scale's). Scores are reported as mean ± sd and the median run. */
  readonly seeds?: readonly number[];
  readonly preprocessing?: Preprocessor;
  /** Extra settings (e.g. UMAP's), recorded and compared like the clusterer's. */
  readonly extraSettings?: Readonly<Record<string, SettingValue>>;
  /**
   * Each seed's labels are the vote of `members` runs (see {@link runConsensus}) instead of one run:
   * a variant (`consensus.members` is recorded), costing `members` runs per seed.
   */
  readonly consensus?: { readonly members: number };
}

/** One seed's run of a clustering step: the fitted model, its scores and what it was fitted on / labelled. */
export interface SeedRun<E> {
  readonly seed: number;
  readonly evaluation: Evaluation;
  readonly model: E;
  /** Preprocessing (when refitted per seed), fit and predict, without scoring. */
  readonly seconds: number;
  readonly fitSet: Matrix;
  readonly labelled: Matrix;
  /** A fingerprint of the predicted labels (seeds that predict identical labels are flagged: the seed was probably ignored). */
  readonly labelsHash: string;
  /** For a consensus run ({@link runConsensus}): its members' seeds and scores, and how much they agreed. */
  readonly consensus?: {
    readonly memberSeeds: readonly number[];
    readonly memberNmi: readonly number[];
    readonly memberSeconds: readonly number[];
    /** Mean fraction of members giving a sample its consensus cluster. */
    readonly agreement: number;
    /** Index in `memberSeeds` of the member the vote started from (its model, fit set and labelled set are this run's). */
    readonly reference: number;
  };
}

/** A clustering step's outcome: every seed's run, the median one, and the recorded result. */
export interface ClusterRun<E> {
  readonly result: PipelineResult;
  /** The median run by NMI. */
  readonly evaluation: Evaluation;
  readonly model: E;
  readonly runs: readonly SeedRun<E>[];
  /** The transformed inputs the clusterers were fitted on / labelled (for plots). */
  readonly transformed: { readonly fit: Matrix; readonly labelled: Matrix };
  /** "K-Means on raw pixels — the report's settings" or "… — variant of the report's settings: k = 5". */
  readonly title: string;
}

/** A clustering step checked against the experiment's data and resolved: what {@link runStep} runs. */
export interface PreparedStep {
  readonly protocol: Protocol;
  readonly seeds: readonly number[];
  /** The labels the predictions are scored against (test, or train + test for `all`). */
  readonly labelsTrue: ArrayLike<number>;
  readonly preprocessing: Preprocessor;
  /** The preprocessed fit set and labelled set for a seed (computed once when the preprocessing is not seeded). */
  inputsFor(seed: number): { readonly fitSet: Matrix; readonly labelled: Matrix };
}

/**
 * Checks a step against the experiment's data and resolves its protocol: which inputs are fitted
 * on, which are labelled and scored, with which preprocessing and seeds (default: the scale's).
 * `test`: fit on the test inputs and label them (the report's protocol); `train`: fit on train,
 * label test; `all`: fit on train + test and label all of them (the literature's protocol).
 * @throws RangeError for no seeds or inputs whose rows do not match the data's labels;
 * TypeError when the step gives neither `inputs` nor `codes`.
 */
export function prepareStep(data: ExperimentData, step: Omit<ClusterStep<Clusterer>, 'make'>): PreparedStep {
  const protocol = step.protocol ?? 'test';
  const seeds = step.seeds ?? data.settings.seeds;
  if (seeds.length === 0) throw new RangeError('cluster: seeds must list at least one seed.');
  const inputs = step.codes ?? step.inputs;
  if (!inputs) throw new TypeError('cluster: pass `inputs` ({ train, test } matrices) or `codes` (from autoencoderCodes).');
  for (const [part, m, n] of [['test', inputs.test, data.test.labels.length], ['train', inputs.train, data.train.labels.length]] as const) {
    if (m.rows !== n) throw new RangeError(`cluster: the ${part} inputs have ${m.rows} rows but there are ${n} ${part} labels; pass the inputs of this experiment's data.`);
  }
  const labelsTrue = protocol === 'all' ? Uint8Array.from([...data.train.labels, ...data.test.labels]) : data.test.labels;
  const fitRaw = protocol === 'test' ? inputs.test : protocol === 'train' ? inputs.train : concatRows(inputs.train, inputs.test);
  const pre = step.preprocessing ?? NO_PREPROCESSING;
  const transformFor = (seed: number) => {
    const transform = pre.fit(fitRaw, seed);
    const fitSet = transform(fitRaw);
    return { fitSet, labelled: protocol === 'train' ? transform(inputs.test) : fitSet };
  };
  // An unseeded preprocessing is fitted once, before any run is timed.
  const shared = pre.seeded ? undefined : transformFor(seeds[0]!);
  return { protocol, seeds, labelsTrue, preprocessing: pre, inputsFor: (seed) => shared ?? transformFor(seed) };
}

/**
 * Fits and scores a new clusterer per seed on a prepared step. Each run's seconds cover the
 * preprocessing when it is refitted per seed, the fit and the prediction; not the scoring.
 */
export function runStep<E extends Clusterer>(prepared: PreparedStep, make: (seed: number) => E): SeedRun<E>[] {
  return prepared.seeds.map((seed) => {
    const t0 = performance.now();
    const { fitSet, labelled } = prepared.inputsFor(seed);
    const model = make(seed);
    model.fit(fitSet);
    const predicted = model.predict(labelled);
    const seconds = (performance.now() - t0) / 1000;
    return { seed, model, seconds, fitSet, labelled, labelsHash: labelsFingerprint(predicted), evaluation: evaluateClustering(prepared.labelsTrue, predicted) };
  });
}

/**
 * The clusterer seeds whose runs vote for consensus seed `seed`: `seed·members … seed·members + members − 1`,
 * so the consensus runs of different seeds share no member (their spread is the spread of independent votes).
 * @example consensusMemberSeeds(1, 5) // [5, 6, 7, 8, 9]
 */
export function consensusMemberSeeds(seed: number, members: number): number[] {
  return Array.from({ length: members }, (_, j) => seed * members + j);
}

/**
 * A consensus of `members` runs per seed: for each of the step's seeds, {@link runStep} over
 * {@link consensusMemberSeeds} (preprocessing refitted per member when seeded, e.g. UMAP), then
 * `voteConsensus` of their labels (no true labels used), scored like one run. A run's seconds are
 * its members' seconds plus the vote: what one consensus labelling costs.
 * @throws RangeError when `members` is not an integer >= 2.
 * @example runConsensus(prepareStep(data, step), step.make, 5) // 5 consensus runs from 25 member runs
 */
export function runConsensus<E extends Clusterer>(prepared: PreparedStep, make: (seed: number) => E, members: number): SeedRun<E>[] {
  checkInteger('consensus.members', members, 2, Infinity, 'It counts the runs voting for each seed; for the plain run, leave `consensus` out.');
  return prepared.seeds.map((seed) => {
    const memberSeeds = consensusMemberSeeds(seed, members);
    const memberRuns = runStep({ ...prepared, seeds: memberSeeds }, make);
    const t0 = performance.now();
    const vote = voteConsensus(memberRuns.map((r) => r.evaluation.labelsPred));
    const seconds = memberRuns.reduce((sum, r) => sum + r.seconds, 0) + (performance.now() - t0) / 1000;
    const reference = memberRuns[vote.reference]!;
    return {
      seed, seconds, model: reference.model, fitSet: reference.fitSet, labelled: reference.labelled,
      labelsHash: labelsFingerprint(vote.labels), evaluation: evaluateClustering(prepared.labelsTrue, vote.labels),
      consensus: { memberSeeds, memberNmi: memberRuns.map((r) => r.evaluation.nmi), memberSeconds: memberRuns.map((r) => r.seconds), agreement: vote.agreement, reference: vote.reference },
    };
  });
}

/** A step's runs (a consensus step's voted runs) as `Experiment.cluster` makes them, without recording anything (for benches). */
export function runClusteringStep<E extends Clusterer>(data: ExperimentData, step: ClusterStep<E>): SeedRun<E>[] {
  return runPrepared(prepareStep(data, step), step);
}

function runPrepared<E extends Clusterer>(prepared: PreparedStep, step: Pick<ClusterStep<E>, 'make' | 'consensus'>): SeedRun<E>[] {
  return step.consensus ? runConsensus(prepared, step.make, step.consensus.members) : runStep(prepared, step.make);
}

/**
 * The settings a run records: the clusterer's (read from its options), the preprocessing's, the
 * step's extra ones, and, for codes, their autoencoder's training (`ae.*`).
 */
export function stepSettings(model: Clusterer, step: Pick<ClusterStep<Clusterer>, 'preprocessing' | 'extraSettings' | 'codes' | 'consensus'>): Record<string, SettingValue> {
  const pre = step.preprocessing ?? NO_PREPROCESSING;
  return {
    ...settingsOf(model),
    preprocessing: pre.name,
    ...(pre.params ?? {}),
    ...(step.extraSettings ?? {}),
    ...(step.consensus ? { 'consensus.members': step.consensus.members } : {}),
    ...(step.codes ? autoencoderSettings(step.codes.training, step.codes) : {}),
  };
}

/**
 * The id a result is stored under: the pipeline, `-train` / `-all` for another protocol than
 * `test`, `-improved` for the improved setting or a variant of it, and `~<differences>` for a
 * variant, so a k = 5 variant of the report's setting and one of the improved setting are two
 * records, not one overwriting the other.
 * @example resultId('kmeans-raw', 'test', 'report', { label: 'variant', diff: ['k = 5'] }) // 'kmeans-raw~k=5'
 */
export function resultId(pipeline: PipelineId, protocol: Protocol, intent: SettingKind, identity: Pick<RunIdentity, 'label' | 'diff'>): string {
  const improvedBase = identity.label === 'improved' || (identity.label === 'variant' && intent === 'improved');
  return pipeline + (protocol === 'test' ? '' : `-${protocol}`) + (improvedBase ? '-improved' : '') +
    (identity.label === 'variant' ? `~${identity.diff.join(',').replace(/[^\w.=,-]+/g, '')}` : '');
}

/**
 * The experiment layer of one notebook: runs a named clustering step, times it, evaluates it
 * against the labels and records it in the results table — with the settings read from the
 * fitted estimators, and labelled by what they are (the report's, improved, or a variant).
 *
 * @example
 * const exp = new Experiment('02-kmeans', data);
 * const run = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: { train: data.train.images, test: data.test.images },
 *                           make: (seed) => new KMeans({ nClusters: 5, seed }) });
 * run.result.label; // 'variant' (k = 5 is not the report's setting)
 */
export class Experiment {
  readonly store: ResultStore;

  constructor(readonly notebook: string, readonly data: ExperimentData, options: { store?: ResultStore } = {}) {
    this.store = options.store ?? new ResultStore({ scale: data.settings.scale });
  }

  /**
   * Runs, evaluates and records one clustering step (see {@link ClusterStep}): {@link prepareStep},
   * {@link runStep} (or {@link runConsensus} for a step with `consensus`), then {@link Experiment.record}.
   * @throws RangeError/TypeError from {@link prepareStep} or a bad `consensus` (nothing is recorded).
   */
  cluster<E extends Clusterer>(step: ClusterStep<E>): ClusterRun<E> {
    const prepared = prepareStep(this.data, step);
    return this.record(step, prepared, runPrepared(prepared, step));
  }

  /**
   * Labels a step's runs by their settings, records them in the results store (replacing the
   * result with the same id) and returns them with the median run by NMI.
   */
  record<E extends Clusterer>(step: ClusterStep<E>, prepared: PreparedStep, runs: readonly SeedRun<E>[]): ClusterRun<E> {
    const { protocol } = prepared;
    const settings = stepSettings(runs[0]!.model, step);
    const identity = identifyRun(step.pipeline, settings, this.data.settings, step.intent);
    const scores: RunScores[] = runs.map((r) => ({ seed: r.seed, nmi: r.evaluation.nmi, ari: r.evaluation.ari, acc: r.evaluation.acc, seconds: r.seconds, labelsHash: r.labelsHash }));
    const median = medianRun(scores);
    const medianFull = runs[scores.indexOf(median)]!;
    const published = (PUBLISHED_NMI as Record<string, number | undefined>)[step.pipeline];
    const result: PipelineResult = {
      id: resultId(step.pipeline, protocol, step.intent, identity),
      pipeline: step.pipeline,
      name: PIPELINE_NAMES[step.pipeline] + (protocol === 'train' ? ' (fit on train, predict test)' : protocol === 'all' ? ' (all train + test images)' : ''),
      notebook: this.notebook,
      label: identity.label,
      description: identity.description,
      diff: identity.diff,
      protocol,
      scale: this.data.settings.scale,
      recordedAt: new Date().toISOString(),
      backend: activeBackend() ?? 'none',
      settings,
      runs: scores,
      medianSeed: median.seed,
      nmi: median.nmi,
      ari: median.ari,
      acc: median.acc,
      seconds: median.seconds,
      spread: { nmi: spreadOf(scores.map((s) => s.nmi)), ari: spreadOf(scores.map((s) => s.ari)), acc: spreadOf(scores.map((s) => s.acc)) },
      ...(published !== undefined ? { publishedNmi: published } : {}),
      trainImages: this.data.train.images.rows,
      testImages: this.data.test.images.rows,
      ...(protocol === 'all' ? { scoredImages: prepared.labelsTrue.length } : {}),
    };
    this.store.record(result);
    return {
      result,
      evaluation: medianFull.evaluation,
      model: medianFull.model,
      runs,
      transformed: { fit: medianFull.fitSet, labelled: medianFull.labelled },
      title: `${result.name} — ${identity.description}`,
    };
  }
}
