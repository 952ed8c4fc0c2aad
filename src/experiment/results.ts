import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fs.js';
import { cacheRoot } from '../util/paths.js';
import { reportScale, type ReportScale } from './scale.js';
import type { PipelineId, Protocol, RunLabel, SettingValue } from './settings.js';

/** One seeded run's scores. */
export interface RunScores {
  readonly seed: number;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  /** Seconds to fit the clusterer and assign the test images. */
  readonly seconds: number;
}

/** Mean, sample standard deviation (0 for one run), minimum and maximum of a score over seeds. */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

/** One pipeline setting's scores on the test images, as recorded by a notebook and shown in the summary. */
export interface PipelineResult {
  /** Stable id: pipeline, `-train` for the train protocol, `-improved`, or `~<diff>` for a variant. */
  readonly id: string;
  readonly pipeline: PipelineId;
  /** Human-readable pipeline name. */
  readonly name: string;
  /** The notebook that recorded it (e.g. `02-kmeans`). */
  readonly notebook: string;
  /** What the settings are: the report's, one of our improved ones, or a variant (e.g. k = 5). */
  readonly label: RunLabel;
  /** "the report's settings", "improved: …", "variant of the report's settings: k = 5". */
  readonly description: string;
  /** For a variant: what differs from the setting the notebook meant (`['k = 5']`). */
  readonly diff: readonly string[];
  readonly protocol: Protocol;
  readonly scale: ReportScale;
  /** ISO time of recording. */
  readonly recordedAt: string;
  /** TF.js backend active when it was computed. */
  readonly backend: string;
  /** Every setting, read from the fitted estimators' options (plus preprocessing and the autoencoder's training). */
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** One entry per clusterer seed. */
  readonly runs: readonly RunScores[];
  /** The median run by NMI (lower middle for an even count): its seed and figures below. */
  readonly medianSeed: number;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  readonly seconds: number;
  /** Each score over the seeds. */
  readonly spread: { readonly nmi: Spread; readonly ari: Spread; readonly acc: Spread };
  /** The published NMI, for the report's pipelines. */
  readonly publishedNmi?: number;
  readonly trainImages: number;
  readonly testImages: number;
  /** Images scored when the protocol is `all` (train + test). */
  readonly scoredImages?: number;
}

/** Mean, sample sd, min and max. @throws RangeError for no values. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spreadOf: needs at least one value.');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** The median run by NMI: the lower middle one for an even count. */
export function medianRun<R extends { nmi: number }>(runs: readonly R[]): R {
  if (runs.length === 0) throw new RangeError('medianRun: needs at least one run.');
  const sorted = [...runs].sort((a, b) => a.nmi - b.nmi);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Options of {@link ResultStore}. */
export interface ResultStoreOptions {
  /** `'smoke'` or `'full'`; default: `REPORT_SCALE`'s. */
  scale?: ReportScale;
  /** Cache root. Default `.cache/` (or `$FMNIST_CACHE_DIR`). */
  root?: string;
}

interface ResultsFile {
  readonly format: typeof RESULTS_FORMAT;
  readonly results: PipelineResult[];
}
const RESULTS_FORMAT = 'fmnist-cluster-results-v2';

/**
 * The results the notebooks record, one table per scale (`<cache>/results/<scale>.json`), read by
 * notebook 06 and `npm run report`. A result replaces the earlier one with the same id; variants
 * get ids of their own, so a rerun with k = 5 never overwrites the report's setting.
 */
export class ResultStore {
  readonly scale: ReportScale;
  readonly file: string;

  constructor(options: ResultStoreOptions = {}) {
    this.scale = options.scale ?? reportScale();
    this.file = path.join(options.root ?? cacheRoot(), 'results', `${this.scale}.json`);
  }

  /** Every recorded result, in recording order. @throws Error naming the file when it is corrupt. */
  load(): PipelineResult[] {
    if (!existsSync(this.file)) return [];
    let parsed: ResultsFile;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as ResultsFile;
    } catch (err) {
      throw new Error(`The results file ${this.file} is corrupt (${(err as Error).message}): delete it and rerun the notebooks.`);
    }
    if (parsed?.format !== RESULTS_FORMAT || !Array.isArray(parsed.results)) {
      throw new Error(`The results file ${this.file} is not in format ${RESULTS_FORMAT} (written by another version): delete it and rerun the notebooks.`);
    }
    return parsed.results;
  }

  /** Records `result`, replacing any with the same id; returns the whole table. */
  record(result: PipelineResult): PipelineResult[] {
    const all = this.load().filter((r) => r.id !== result.id);
    all.push(result);
    writeFileAtomicSync(this.file, JSON.stringify({ format: RESULTS_FORMAT, results: all } satisfies ResultsFile, null, 1));
    return all;
  }

  /**
   * Removes the results for which `predicate` holds (one atomic rewrite); returns the removed ones.
   * @example store.remove((r) => r.label === 'variant')
   */
  remove(predicate: (result: PipelineResult) => boolean): PipelineResult[] {
    const all = this.load();
    const removed = all.filter(predicate);
    if (removed.length > 0) {
      writeFileAtomicSync(this.file, JSON.stringify({ format: RESULTS_FORMAT, results: all.filter((r) => !predicate(r)) } satisfies ResultsFile, null, 1));
    }
    return removed;
  }

  /** Removes every result of this scale. */
  clear(): void {
    writeFileAtomicSync(this.file, JSON.stringify({ format: RESULTS_FORMAT, results: [] } satisfies ResultsFile));
  }
}

/** Records (or replaces, by id) a result; returns the whole table. */
export function recordResult(store: ResultStore, result: PipelineResult): PipelineResult[] {
  return store.record(result);
}

/** Every recorded result of the store's scale, in recording order. */
export function loadResults(store: ResultStore = new ResultStore()): PipelineResult[] {
  return store.load();
}
