import { CLASS_NAMES } from '../data/classes.js';
import { contingencyMatrix } from '../metrics/contingency.js';
import { scoreClustering, type ClusteringScores } from '../metrics/score.js';
import { confusionHeatmap } from '../plots/heatmap.js';
import { imageGrid } from '../plots/images.js';
import type { Figure } from '../plots/figure.js';
import type { Matrix } from '../util/matrix.js';
import { medianRun } from './results.js';
import { createRandom, permutation } from '../util/random.js';

/**
 * A clustering of the test images scored against their labels: every score of
 * `scoreClustering` plus the raw cluster ids and the class names, so figures can be drawn from it.
 */
export interface Evaluation extends ClusteringScores {
  readonly labelsTrue: ArrayLike<number>;
  readonly labelsPred: Int32Array;
  readonly classNames: readonly string[];
  /** Contingency of true classes (rows, label order) × raw clusters (columns, cluster-id order). */
  readonly contingency: { readonly counts: Int32Array; readonly rows: number; readonly cols: number; readonly clusters: number[] };
}

/** Scores a clustering: NMI, ARI, Hungarian accuracy, matched confusion matrix and classification report. */
export function evaluateClustering(labelsTrue: ArrayLike<number>, labelsPred: ArrayLike<number>, classNames: readonly string[] = CLASS_NAMES): Evaluation {
  const scores = scoreClustering(labelsTrue, labelsPred, { classNames });
  const table = contingencyMatrix(labelsTrue, labelsPred);
  return {
    ...scores,
    labelsTrue,
    labelsPred: Int32Array.from(labelsPred),
    classNames,
    contingency: { counts: table.counts, rows: table.nClasses, cols: table.nClusters, clusters: table.clusters },
  };
}

/** The cluster → class index for each column of `evaluation.contingency` (-1: unmatched). */
export function matchedColumns(evaluation: Evaluation): number[] {
  const classes = scoreClassesIndex(evaluation);
  return evaluation.contingency.clusters.map((c) => {
    const k = evaluation.mapping.assignment.get(c);
    return k === undefined ? -1 : classes.get(k) ?? -1;
  });
}

function scoreClassesIndex(evaluation: Evaluation): Map<number, number> {
  return new Map(evaluation.mapping.classes.map((k, i) => [k, i]));
}

/**
 * The confusion heatmap of a clustering: rows = true classes, columns = clusters reordered so
 * each sits under the class it was matched to, labelled e.g. `c3→Trouser`.
 */
export function confusionFigure(evaluation: Evaluation, title: string): Figure {
  const rowNames = evaluation.mapping.classes.map((k) => evaluation.classNames[k] ?? `class ${k}`);
  return confusionHeatmap({
    title: `${title}<br><sub>images by true class (rows) and matched cluster (columns)</sub>`,
    counts: { data: evaluation.contingency.counts, rows: evaluation.contingency.rows, cols: evaluation.contingency.cols },
    rowNames,
    clusterToClass: matchedColumns(evaluation),
    colNames: evaluation.contingency.clusters.map((c) => {
      const k = evaluation.mapping.assignment.get(c);
      return k === undefined ? `c${c} (unmatched)` : `c${c}→${evaluation.classNames[k] ?? k}`;
    }),
    xTitle: 'cluster → matched class',
    yTitle: 'true class',
  });
}

/** Options of {@link clusterGallery}. */
export interface ClusterGalleryOptions {
  perCluster?: number;
  seed?: number;
  title?: string;
}

/**
 * A grid with one row per cluster (ordered by matched class) showing random images of that
 * cluster, each row titled with the cluster id and its matched class.
 */
export function clusterGallery(images: Matrix, evaluation: Evaluation, options: ClusterGalleryOptions = {}): Figure {
  const perCluster = options.perCluster ?? 10;
  const order = permutation(evaluation.labelsPred.length, createRandom(options.seed ?? 0));
  const clusters = [...evaluation.contingency.clusters].sort((a, b) => (evaluation.mapping.assignment.get(a) ?? 99) - (evaluation.mapping.assignment.get(b) ?? 99));
  const indices: number[] = [];
  const rowTitles: string[] = [];
  for (const c of clusters) {
    const members: number[] = [];
    for (const i of order) {
      if (evaluation.labelsPred[i] === c) members.push(i);
      if (members.length === perCluster) break;
    }
    while (members.length < perCluster && members.length > 0) members.push(members[members.length - 1]!);
    if (members.length === 0) continue;
    indices.push(...members);
    const k = evaluation.mapping.assignment.get(c);
    rowTitles.push(k === undefined ? `c${c}` : `c${c}→${evaluation.classNames[k] ?? k}`);
  }
  return imageGrid({ title: options.title ?? 'Images per cluster', images, indices, nCols: perCluster, rowTitles });
}

/** One seeded run of a clustering, for {@link runSeeds}: its scores and, when kept, its fitted model. */
export interface SeededRun<M = never> {
  readonly seed: number;
  readonly evaluation: Evaluation;
  readonly seconds: number;
  readonly model?: M;
}

/**
 * Runs a seeded clustering once per seed and returns every run plus the median one by NMI
 * (lower middle for an even count). Results that depend on the initialisation (a GMM with one
 * start) are reported this way instead of by one lucky or unlucky seed. `run` returns the
 * evaluation, or `{ evaluation, model }` to keep each fitted model (e.g. to plot the median one
 * without fitting it again).
 */
export function runSeeds<M = never>(
  seeds: readonly number[],
  run: (seed: number) => Evaluation | { evaluation: Evaluation; model: M },
): { runs: SeededRun<M>[]; median: SeededRun<M> } {
  if (seeds.length === 0) throw new RangeError('runSeeds: seeds must list at least one seed.');
  const runs = seeds.map((seed): SeededRun<M> => {
    const t0 = performance.now();
    const out = run(seed);
    const seconds = (performance.now() - t0) / 1000;
    return 'model' in out ? { seed, evaluation: out.evaluation, seconds, model: out.model } : { seed, evaluation: out, seconds };
  });
  return { runs, median: medianRun(runs.map((run) => ({ nmi: run.evaluation.nmi, run }))).run };
}
