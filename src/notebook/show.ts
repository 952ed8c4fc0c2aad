import { formatClassificationReport } from '../metrics/report.js';
import { confusionFigure, type Evaluation } from '../experiment/evaluation.js';
import type { ClusterRun } from '../experiment/experiment.js';
import { formatDelta } from '../experiment/summary.js';
import { escapeHtml } from '../plots/table.js';
import { getDisplay, type Display } from './display.js';

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

/** `0.594 ± 0.012`. */
export function formatMeanSd(s: { mean: number; sd: number }, digits = 3): string {
  return `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}`;
}

/**
 * Shows a clustering step as the report would: a line saying what was run (the report's settings,
 * an improved setting, or a variant with what differs), the seeds' table with mean ± sd, and the
 * median run's evaluation.
 */
export function showRun(run: ClusterRun<unknown>, options: { only?: readonly EvaluationPart[]; display?: Display } = {}): void {
  const display = options.display ?? getDisplay();
  const r = run.result;
  const settings = Object.entries(r.settings).map(([k, v]) => `${k} = ${String(v)}`).join(', ');
  display.showHtml(
    `<p style="margin:4px 0;"><b>${escapeHtml(r.name)}</b>: ${r.label === 'variant' ? '<span style="color:#b35900;font-weight:bold;">' : '<span>'}` +
      `${escapeHtml(r.description)}</span> — recorded as <code>${escapeHtml(r.id)}</code> (${escapeHtml(r.scale)} scale, ${r.runs.length} seed${r.runs.length === 1 ? '' : 's'}).` +
      `<br><small style="color:#555;">${escapeHtml(settings)}</small></p>`,
  );
  if (r.runs.length > 1) {
    display.showTable({
      caption: `${r.name}, per clusterer seed (median run by NMI: seed ${r.medianSeed})`,
      columns: ['seed', 'NMI', 'ARI', 'ACC', 'seconds', ''],
      rows: [
        ...r.runs.map((s) => [s.seed, s.nmi, s.ari, s.acc, s.seconds, s.seed === r.medianSeed ? 'median' : '']),
        ['mean ± sd', formatMeanSd(r.spread.nmi), formatMeanSd(r.spread.ari), formatMeanSd(r.spread.acc), null, ''],
      ],
      digits: 3,
    });
  }
  showEvaluation(run.evaluation, { title: run.title + (r.runs.length > 1 ? ` (median seed ${r.medianSeed})` : ''), display, ...(options.only ? { only: options.only } : {}) });
}

/** A side-by-side table of recorded runs (mean ± sd over seeds and the median run), with the published NMI as the reference. */
export function showComparison(runs: readonly ClusterRun<unknown>[], options: { publishedNmi?: number; caption?: string; display?: Display } = {}): void {
  const display = options.display ?? getDisplay();
  display.showTable({
    caption: options.caption ?? 'Side by side on the same test images (mean ± sd over clusterer seeds; median run)',
    columns: ['setting', 'protocol', 'NMI mean ± sd', 'median NMI', 'Δ vs published', 'ARI', 'ACC', 'fit s'],
    rows: [
      ...(options.publishedNmi !== undefined ? [['published (the report)', '', options.publishedNmi.toFixed(3), null, null, null, null, null]] : []),
      ...runs.map(({ result: r }) => [
        r.description,
        r.protocol === 'test' ? 'fit on test' : r.protocol === 'train' ? 'fit on train' : 'fit on all (train + test)',
        formatMeanSd(r.spread.nmi),
        r.nmi,
        options.publishedNmi === undefined ? null : formatDelta(r.spread.nmi.mean - options.publishedNmi),
        r.ari,
        r.acc,
        r.seconds,
      ]),
    ],
    digits: 3,
  });
}

/**
 * Clustering variants side by side with what they cost: the variant, the images it was fitted on
 * and scored against, NMI mean ± sd and the median run's over the seeds, the median against the
 * published NMI and against a goal, the cost in fits and the mean seconds per seed (a consensus
 * seed's seconds are all its members').
 * @example showVariants(clusterN2dVariants(exp, protocol, codes, { variants: N2D_CLUSTERING_VARIANTS, images: ['all', 'test'] }), { publishedNmi: 0.684, goal: 0.7 })
 */
export function showVariants(
  entries: readonly { readonly title: string; readonly cost: string; readonly run: ClusterRun<unknown> }[],
  options: { publishedNmi?: number; goal?: number; caption?: string; display?: Display } = {},
): void {
  const display = options.display ?? getDisplay();
  const vs = (target: number | undefined, r: { nmi: number }) => (target === undefined ? null : formatDelta(r.nmi - target));
  display.showTable({
    caption: options.caption ?? 'Variants side by side (mean ± sd over clusterer seeds; median run)',
    columns: ['variant', 'images', 'NMI mean ± sd', 'median NMI',
      ...(options.publishedNmi === undefined ? [] : [`median − published ${options.publishedNmi.toFixed(3)}`]),
      ...(options.goal === undefined ? [] : [`median − goal ${options.goal.toFixed(2)}`]), 'cost', 's per seed'],
    rows: entries.map(({ title, cost, run: { result: r } }) => [
      title,
      r.protocol === 'all' ? `all ${(r.scoredImages ?? r.trainImages + r.testImages).toLocaleString('en-US')}` : `${r.protocol} ${r.testImages.toLocaleString('en-US')}`,
      formatMeanSd(r.spread.nmi),
      r.nmi,
      ...(options.publishedNmi === undefined ? [] : [vs(options.publishedNmi, r)]),
      ...(options.goal === undefined ? [] : [vs(options.goal, r)]),
      cost,
      r.runs.reduce((a, x) => a + x.seconds, 0) / r.runs.length,
    ]),
    digits: 3,
  });
}
