import type { PipelineResult } from '../notebook/artifacts.js';
import { PUBLISHED_NMI, REPRODUCTION_TOLERANCE } from './published.js';

/** A signed difference with three decimals; values that round to zero print as ±0.000 (never -0.000). */
export function formatDelta(delta: number): string {
  const r = Math.round(delta * 1000) / 1000;
  if (r === 0) return '±0.000';
  return (r > 0 ? '+' : '') + r.toFixed(3);
}

/** A row of the summary table: our scores beside the published NMI. */
export interface SummaryRow {
  readonly pipeline: string;
  readonly variant: string;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  readonly seconds: number;
  readonly publishedNmi: number | undefined;
  /** nmi − publishedNmi, when there is a published value. */
  readonly delta: number | undefined;
  readonly images: string;
}

/** The published pipelines in report order (raw K-Means, AE + K-Means, AE + GMM). */
const PUBLISHED_PIPELINES = Object.keys(PUBLISHED_NMI) as (keyof typeof PUBLISHED_NMI)[];

/** Which published pipeline a result id belongs to (`ae-gmm-train` → `ae-gmm`), by position; -1 for none. */
function publishedIndex(id: string): number {
  return PUBLISHED_PIPELINES.findIndex((k) => id === k || id.startsWith(k + '-'));
}

/** The published NMI a result is compared with: by its `publishedNmi`, else by its id's pipeline. */
function publishedFor(r: PipelineResult): number | undefined {
  if (r.publishedNmi !== undefined) return r.publishedNmi;
  const i = publishedIndex(r.id);
  return i < 0 ? undefined : PUBLISHED_NMI[PUBLISHED_PIPELINES[i]!];
}

/** Summary rows in pipeline order (raw K-Means, AE + K-Means, AE + GMM, then others), report before improved. */
export function summaryRows(results: readonly PipelineResult[]): SummaryRow[] {
  const order = (r: PipelineResult) => {
    const i = publishedIndex(r.id);
    return (i < 0 ? 99 : i) * 2 + (r.variant === 'report' ? 0 : 1);
  };
  return [...results].sort((a, b) => order(a) - order(b)).map((r) => {
    const published = publishedFor(r);
    return {
      pipeline: r.name,
      variant: r.variant === 'report' ? "report's settings" : 'improved',
      nmi: r.nmi,
      ari: r.ari,
      acc: r.acc,
      seconds: r.seconds,
      publishedNmi: published,
      delta: published === undefined ? undefined : r.nmi - published,
      images: `${r.trainImages.toLocaleString('en-US')} train / ${r.testImages.toLocaleString('en-US')} test`,
    };
  });
}

/**
 * A short written conclusion generated from the numbers (never hard-coded): which pipeline is
 * best, whether the report's settings reproduce its NMIs within the tolerance, and whether the
 * improved settings beat them. At smoke scale it says the numbers are not comparable.
 */
export function conclusion(results: readonly PipelineResult[], scale: 'smoke' | 'full'): string {
  if (results.length === 0) return 'No pipeline has recorded a result yet: run notebooks 02–05 first.';
  const rows = summaryRows(results);
  const best = rows.reduce((a, b) => (b.nmi > a.nmi ? b : a));
  const lines: string[] = [];
  if (scale === 'smoke') {
    lines.push(
      `These numbers come from a smoke-scale run (${rows[0]!.images}, a short training): they check that every step works, ` +
        'and are not comparable with the published figures. Run `npm run report` (full scale) for the real comparison.',
    );
  }
  lines.push(`The best pipeline by NMI is **${best.pipeline}** (${best.variant}) with NMI ${best.nmi.toFixed(3)}, ARI ${best.ari.toFixed(3)} and accuracy ${(100 * best.acc).toFixed(1)}% after matching clusters to classes.`);
  const reproduced = rows.filter((r) => r.variant === "report's settings" && r.delta !== undefined);
  for (const r of reproduced) {
    const ok = Math.abs(r.delta!) <= REPRODUCTION_TOLERANCE;
    lines.push(
      `${r.pipeline} with the report's settings: NMI ${r.nmi.toFixed(3)} vs the published ${r.publishedNmi!.toFixed(3)} ` +
        `(${formatDelta(r.delta!)}): ${ok ? `reproduced within ±${REPRODUCTION_TOLERANCE}` : `not within ±${REPRODUCTION_TOLERANCE}`}.`,
    );
  }
  const improved = rows.filter((r) => r.variant === 'improved' && r.publishedNmi !== undefined);
  for (const r of improved) {
    lines.push(
      `${r.pipeline} with improved settings: NMI ${r.nmi.toFixed(3)}, ${r.delta! > 0 ? 'above' : 'not above'} the published ${r.publishedNmi!.toFixed(3)} (${formatDelta(r.delta!)}).`,
    );
  }
  const worst = rows.reduce((a, b) => (b.acc < a.acc ? b : a));
  lines.push(
    `Accuracies here are computed after the optimal one-to-one matching of clusters to classes (Hungarian algorithm), ` +
      `ranging from ${(100 * worst.acc).toFixed(1)}% to ${(100 * Math.max(...rows.map((r) => r.acc))).toFixed(1)}%; ` +
      "the report's 0.20 / 0.12 / 0.10 compared raw cluster ids with labels and measured nothing.",
  );
  return lines.join('\n\n');
}
