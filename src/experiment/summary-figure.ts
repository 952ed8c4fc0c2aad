import { barChart } from '../plots/bar.js';
import type { Figure } from '../plots/figure.js';
import { LITERATURE_NMI, PUBLISHED_NMI } from './published.js';
import type { PipelineResult } from './results.js';
import { summaryRows } from './summary.js';

const COLORS = { report: '#1f77b4', improved: '#2ca02c', published: '#7f7f7f', literature: '#c7c7c7' } as const;

/**
 * NMI per pipeline setting (fit on the test images, or on all images for the literature's
 * protocol; mean with ± sd error bars over the seeds)
 * beside the report's published NMIs and the literature's (all 70k images, another protocol).
 * Variants are left out: they are not comparable settings.
 */
export function nmiErrorBarFigure(results: readonly PipelineResult[]): Figure {
  const rows = summaryRows(results).filter((r) => r.label !== 'variant' && r.protocol !== 'train');
  const published = Object.entries(PUBLISHED_NMI);
  const literature = Object.entries(LITERATURE_NMI);
  return barChart({
    title: 'NMI on the test images: ours (mean ± sd over seeds), the report\'s published, the literature\'s',
    categories: [
      ...rows.map((r) => `${r.pipeline}${r.protocol === 'all' ? ' (all images)' : ''}<br>${r.label === 'report' ? "report's settings" : r.setting}`),
      ...published.map(([k]) => `published: ${k}`),
      ...literature.map(([k]) => `literature: ${k}`),
    ],
    values: [...rows.map((r) => r.nmi.mean), ...published.map(([, v]) => v), ...literature.map(([, v]) => v)],
    errors: [...rows.map((r) => r.nmi.sd), ...published.map(() => NaN), ...literature.map(() => NaN)],
    colors: [
      ...rows.map((r) => (r.label === 'report' ? COLORS.report : COLORS.improved)),
      ...published.map(() => COLORS.published),
      ...literature.map(() => COLORS.literature),
    ],
    yTitle: 'NMI',
    digits: 3,
  });
}
