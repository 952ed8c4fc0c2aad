import { CLASS_NAMES } from '../data/classes.js';
import { contingencyMatrix } from '../metrics/contingency.js';
import { formatClassificationReport } from '../metrics/report.js';
import { scoreClustering, type ClusteringScores } from '../metrics/score.js';
import { confusionHeatmap } from '../plots/heatmap.js';
import { imageGrid } from '../plots/images.js';
import { escapeHtml } from '../plots/table.js';
import type { Figure } from '../plots/figure.js';
import type { Matrix } from '../util/matrix.js';
import { createRandom, permutation } from '../util/random.js';
import type { PipelineResult } from './artifacts.js';
import { getDisplay, type Display } from './display.js';
import type { ExperimentData } from './pipeline.js';

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
    title: `${title}: test images by true class and matched cluster`,
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

/** A result row for the summary (notebook 06), from an evaluation. */
export function pipelineResult(
  evaluation: Evaluation,
  info: { id: string; name: string; variant: 'report' | 'improved'; seconds: number; data: ExperimentData; settings: Record<string, string | number | boolean>; publishedNmi?: number },
): PipelineResult {
  return {
    id: info.id,
    name: info.name,
    variant: info.variant,
    nmi: evaluation.nmi,
    ari: evaluation.ari,
    acc: evaluation.acc,
    seconds: info.seconds,
    ...(info.publishedNmi !== undefined ? { publishedNmi: info.publishedNmi } : {}),
    trainImages: info.data.train.images.rows,
    testImages: info.data.test.images.rows,
    settings: info.settings,
  };
}

/** Which parts {@link showEvaluation} shows. */
export type EvaluationPart = 'scores' | 'confusion' | 'report';

/**
 * Shows an evaluation in a notebook: the scores, the confusion heatmap and the classification
 * report of the matched predictions (as a table and as scikit-learn's familiar text).
 */
export function showEvaluation(evaluation: Evaluation, options: { title: string; only?: readonly EvaluationPart[]; display?: Display }): void {
  const display = options.display ?? getDisplay();
  const parts = new Set(options.only ?? ['scores', 'confusion', 'report']);
  if (parts.has('scores')) {
    display.showTable({
      caption: `${options.title}: scores on ${evaluation.labelsPred.length.toLocaleString('en-US')} test images`,
      columns: ['NMI', 'ARI', 'ACC (Hungarian)', 'clusters'],
      rows: [[evaluation.nmi, evaluation.ari, evaluation.acc, evaluation.contingency.cols]],
      digits: 3,
    });
  }
  if (parts.has('confusion')) display.showFigure(confusionFigure(evaluation, options.title), { height: 560 });
  if (parts.has('report')) {
    const r = evaluation.report;
    display.showTable({
      caption: `${options.title}: classification report after matching clusters to classes`,
      columns: ['class', 'precision', 'recall', 'F1', 'support'],
      rows: [
        ...r.classes.map((c) => [c.name, c.precision, c.recall, c.f1, c.support]),
        ['accuracy', null, null, r.accuracy, r.classes.reduce((a, c) => a + c.support, 0)],
        ['macro avg', r.macroAvg.precision, r.macroAvg.recall, r.macroAvg.f1, r.macroAvg.support],
        ['weighted avg', r.weightedAvg.precision, r.weightedAvg.recall, r.weightedAvg.f1, r.weightedAvg.support],
      ],
      digits: 3,
    });
    display.showHtml(`<details><summary>As scikit-learn prints it</summary><pre>${escapeHtml(formatClassificationReport(r))}</pre></details>`);
  }
}

/** One row of {@link showComparison}. */
export interface ComparedRun {
  name: string;
  evaluation: Evaluation;
  seconds: number;
}

/** A side-by-side table of settings, with the published NMI as the reference. */
export function showComparison(runs: readonly ComparedRun[], options: { publishedNmi?: number; caption?: string; display?: Display } = {}): void {
  const display = options.display ?? getDisplay();
  display.showTable({
    caption: options.caption ?? 'Side by side on the same test images',
    columns: ['settings', 'NMI', 'Δ vs published NMI', 'ARI', 'ACC', 'fit seconds'],
    rows: [
      ...(options.publishedNmi !== undefined ? [['published (the report)', options.publishedNmi, null, null, null, null]] : []),
      ...runs.map((r) => [r.name, r.evaluation.nmi, options.publishedNmi === undefined ? null : r.evaluation.nmi - options.publishedNmi, r.evaluation.ari, r.evaluation.acc, r.seconds]),
    ],
    digits: 3,
  });
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
  const sorted = [...runs].sort((a, b) => a.evaluation.nmi - b.evaluation.nmi);
  return { runs, median: sorted[Math.floor((sorted.length - 1) / 2)]! };
}

/** A table of seeded runs (NMI, ARI, ACC, seconds per seed), marking the median. */
export function showSeedRuns<M>(result: { runs: readonly SeededRun<M>[]; median: SeededRun<M> }, caption: string, display: Display = getDisplay()): void {
  display.showTable({
    caption,
    columns: ['seed', 'NMI', 'ARI', 'ACC', 'seconds', ''],
    rows: result.runs.map((r) => [r.seed, r.evaluation.nmi, r.evaluation.ari, r.evaluation.acc, r.seconds, r === result.median ? 'median' : '']),
    digits: 3,
  });
}
