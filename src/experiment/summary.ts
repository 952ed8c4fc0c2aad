import { LITERATURE_NMI, PUBLISHED_NMI, REPRODUCTION_TOLERANCE } from './published.js';
import type { PipelineResult, Spread } from './results.js';
import { PIPELINE_NAMES, PIPELINE_NOTEBOOKS, type PipelineId, type Protocol, type RunLabel } from './settings.js';

/** A signed difference with three decimals; values that round to zero print as ±0.000 (never -0.000). */
export function formatDelta(delta: number): string {
  const r = Math.round(delta * 1000) / 1000;
  if (r === 0) return '±0.000';
  return (r > 0 ? '+' : '') + r.toFixed(3);
}

/** A row of the summary table: our scores (mean ± sd over seeds, and the median run) beside the published NMI. */
export interface SummaryRow {
  readonly id: string;
  readonly pipeline: string;
  readonly label: RunLabel;
  /** "the report's settings", "improved: …", "variant of …: k = 5". */
  readonly setting: string;
  readonly protocol: Protocol;
  readonly nmi: Spread;
  readonly ari: Spread;
  readonly acc: Spread;
  /** The median run's NMI. */
  readonly medianNmi: number;
  readonly seeds: number;
  readonly seconds: number;
  readonly publishedNmi: number | undefined;
  /** Mean NMI − published NMI, when there is a published value. */
  readonly delta: number | undefined;
  readonly images: string;
  readonly notebook: string;
  readonly recordedAt: string;
  readonly backend: string;
  /** Every seed predicted exactly the same labels: the seed was probably ignored (see {@link PipelineResult.identicalSeedLabels}). */
  readonly identicalSeedLabels: boolean;
}

const PIPELINE_ORDER = Object.keys(PIPELINE_NAMES) as PipelineId[];
const LABEL_ORDER: Readonly<Record<RunLabel, number>> = { report: 0, improved: 1, variant: 2 };

/** Summary rows in pipeline order (raw K-Means, AE + K-Means, AE + GMM, N2D), test protocol first, then report, improved, variants. */
export function summaryRows(results: readonly PipelineResult[]): SummaryRow[] {
  const order = (r: PipelineResult) => {
    const p = PIPELINE_ORDER.indexOf(r.pipeline);
    return (p < 0 ? 99 : p) * 100 + LABEL_ORDER[r.label] * 10 + ['test', 'train', 'all'].indexOf(r.protocol);
  };
  return [...results].sort((a, b) => order(a) - order(b)).map((r) => {
    const published = r.publishedNmi ?? (PUBLISHED_NMI as Record<string, number | undefined>)[r.pipeline];
    return {
      id: r.id,
      pipeline: r.name,
      label: r.label,
      setting: r.description,
      protocol: r.protocol,
      nmi: r.spread.nmi,
      ari: r.spread.ari,
      acc: r.spread.acc,
      medianNmi: r.nmi,
      seeds: r.runs.length,
      seconds: r.seconds,
      publishedNmi: published,
      // A variant is not the report's setting: no difference from the published figure is shown.
      delta: published === undefined || r.label === 'variant' ? undefined : r.spread.nmi.mean - published,
      images: r.protocol === 'all' ? `all ${(r.scoredImages ?? r.trainImages + r.testImages).toLocaleString('en-US')} (train + test)` : `${r.trainImages.toLocaleString('en-US')} train / ${r.testImages.toLocaleString('en-US')} test`,
      notebook: r.notebook,
      recordedAt: r.recordedAt,
      backend: r.backend,
      identicalSeedLabels: r.identicalSeedLabels === true,
    };
  });
}

/** Which notebook has recorded results at this scale, and when. */
export interface NotebookStatus {
  readonly notebook: string;
  readonly pipeline: PipelineId;
  readonly results: number;
  /** ISO time of the newest result, if any. */
  readonly lastRecordedAt: string | undefined;
}

/** One entry per notebook that records a pipeline (02, 04, 05, 07), with its results' count and newest time. */
export function notebookStatus(results: readonly PipelineResult[]): NotebookStatus[] {
  return PIPELINE_ORDER.map((pipeline) => {
    const notebook = PIPELINE_NOTEBOOKS[pipeline];
    const mine = results.filter((r) => r.notebook === notebook || r.pipeline === pipeline);
    const last = mine.map((r) => r.recordedAt).sort().pop();
    return { notebook, pipeline, results: mine.length, lastRecordedAt: last };
  });
}

/** Whether two seed spreads are apart by more than twice their combined sd (undefined when either has one seed). */
export function clearlyApart(a: { nmi: Spread; seeds: number }, b: { nmi: Spread; seeds: number }): boolean | undefined {
  if (a.seeds < 2 || b.seeds < 2) return undefined;
  return Math.abs(a.nmi.mean - b.nmi.mean) > 2 * Math.hypot(a.nmi.sd, b.nmi.sd);
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const ms = (s: Spread) => `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;

/**
 * A short written conclusion generated from the recorded numbers only (never hard-coded): which
 * notebooks have not run, a ranking of the pipelines with their seed spread and which gaps exceed
 * it, whether the report's settings reproduce the published NMIs, whether the improved settings
 * beat them. Variants (e.g. a rerun with k = 5) are listed as such and never judged against
 * the published figures. At smoke scale it says the numbers are not comparable.
 */
export function conclusion(results: readonly PipelineResult[], scale: 'smoke' | 'full'): string {
  const status = notebookStatus(results);
  const missing = status.filter((s) => s.results === 0).map((s) => s.notebook);
  if (results.length === 0) {
    return `No pipeline has recorded a result at scale '${scale}' yet: run notebooks ${missing.join(', ')} (or \`npm run report\`) first.`;
  }
  const rows = summaryRows(results);
  const lines: string[] = [];
  if (missing.length > 0) {
    lines.push(`Not run at scale '${scale}' yet: ${missing.join(', ')}. Their pipelines are left out of everything below.`);
  }
  if (scale === 'smoke') {
    lines.push(
      `These numbers come from a smoke-scale run (${rows[0]!.images}, a short training): they check that every step works, ` +
        'and are not comparable with the published figures. Run `npm run report` (full scale) for the real comparison.',
    );
  }
  const ranked = rows.filter((r) => r.label !== 'variant' && r.protocol === 'test').sort((a, b) => b.nmi.mean - a.nmi.mean);
  const pipelines = new Set(ranked.map((r) => r.pipeline)).size;
  if (ranked.length > 0) {
    const best = ranked[0]!;
    lines.push(
      `Of the ${pipelines} pipeline${pipelines === 1 ? '' : 's'} recorded, the best by mean NMI over ${best.seeds} seed${best.seeds === 1 ? '' : 's'} is **${best.pipeline}** ` +
        `(${best.setting}): NMI ${ms(best.nmi)}, ARI ${ms(best.ari)}, accuracy ${pct(best.acc.mean)} after matching clusters to classes.`,
    );
    if (ranked.length > 1) {
      const items = ranked.map((r, i) => {
        const next = ranked[i + 1];
        const apart = next ? clearlyApart(r, next) : undefined;
        const gap = next === undefined ? '' : apart === undefined ? ' (one seed: gap to the next unknown)' : apart ? ' — clearly above the next (gap > 2 sd)' : ' — within the seed spread of the next';
        return `${i + 1}. ${r.pipeline}, ${r.setting}: ${ms(r.nmi)}${gap}`;
      });
      lines.push(`Ranking by mean NMI ± sd over clusterer seeds (fit on the test images):\n\n${items.join('\n')}`);
    }
  }
  for (const r of rows.filter((x) => x.label === 'report' && x.delta !== undefined)) {
    const ok = Math.abs(r.delta!) <= REPRODUCTION_TOLERANCE;
    // Only the full scale and the report's protocol (fit on the test images) are the report's
    // experiment: a smoke run or a fit-on-train row gets no verdict.
    const verdict =
      scale === 'smoke' ? 'no verdict at smoke scale'
      : r.protocol !== 'test' ? 'for comparison only (the published figure was fitted on the test images)'
      : ok ? `reproduced within ±${REPRODUCTION_TOLERANCE}` : `not within ±${REPRODUCTION_TOLERANCE}`;
    lines.push(`${r.pipeline} with the report's settings: NMI ${ms(r.nmi)} vs the published ${r.publishedNmi!.toFixed(3)} (${formatDelta(r.delta!)}): ${verdict}.`);
  }
  for (const r of rows.filter((x) => x.label === 'improved' && x.publishedNmi !== undefined && x.protocol === 'test')) {
    lines.push(`${r.pipeline}, ${r.setting}: NMI ${ms(r.nmi)}, ${r.delta! > 0 ? 'above' : 'not above'} the published ${r.publishedNmi!.toFixed(3)} (${formatDelta(r.delta!)}).`);
  }
  for (const r of rows.filter((x) => x.label !== 'variant' && x.protocol === 'all')) {
    const n2d = LITERATURE_NMI.N2D!;
    lines.push(
      `${r.pipeline} (${r.setting}), the literature's protocol: NMI ${ms(r.nmi)} vs N2D's published ${n2d.toFixed(3)} ` +
        `(${formatDelta(r.nmi.mean - n2d)}; N2D used a larger dense autoencoder).`,
    );
  }
  const variants = rows.filter((r) => r.label === 'variant');
  if (variants.length > 0) {
    lines.push(
      `Variants (settings that are neither the report's nor our named improvements, so not compared with the published figures): ` +
        variants.map((r) => `${r.pipeline}: ${r.setting} — NMI ${ms(r.nmi)} (${r.notebook})`).join('; ') + '.',
    );
  }
  const sameLabels = rows.filter((r) => r.identicalSeedLabels);
  if (sameLabels.length > 0) {
    lines.push(
      `Seed probably ignored: ${sameLabels.map((r) => `${r.pipeline}, ${r.setting} (${r.seeds} seeds)`).join('; ')}: every seed predicted exactly the same labels, ` +
        'so the sd of 0 says nothing about the spread over seeds. Check that the clusterer is built with the seed it is given (`make: (seed) => new KMeans({ ..., seed })`).',
    );
  }
  const named = rows.filter((r) => r.label !== 'variant');
  const accs = (named.length > 0 ? named : rows).map((r) => r.acc.mean);
  lines.push(
    `Accuracies here are computed after the optimal one-to-one matching of clusters to classes (Hungarian algorithm), ` +
      `ranging from ${pct(Math.min(...accs))} to ${pct(Math.max(...accs))}; ` +
      "the report's 0.20 / 0.12 / 0.10 compared raw cluster ids with labels and measured nothing.",
  );
  return lines.join('\n\n');
}
