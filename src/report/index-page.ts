import type { PipelineResult } from '../notebook/artifacts.js';
import { conclusion, formatDelta, summaryRows } from './summary.js';
import { escapeHtml } from '../plots/table.js';

/** How one notebook's execution went. */
export interface NotebookRun {
  readonly name: string;
  readonly html: string;
  readonly ok: boolean;
  readonly seconds: number;
  readonly failedCell?: number;
  readonly error?: string;
}


const fmt = (x: number | undefined, digits = 3) => (x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits));

/** Minimal markdown (paragraphs and **bold**) to HTML, for the generated conclusion. */
function markdownToHtml(md: string): string {
  return md.split(/\n\n+/).map((p) => `<p>${escapeHtml(p).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/`(.+?)`/g, '<code>$1</code>')}</p>`).join('\n');
}

/** The report's landing page: links to every notebook's HTML, run status and the summary table. */
export function renderIndexPage(input: { scale: string; runs: readonly NotebookRun[]; results: readonly PipelineResult[]; generatedAt: Date }): string {
  const rows = summaryRows(input.results);
  const runRows = input.runs.map((r) => `<tr class="${r.ok ? 'ok' : 'failed'}"><td><a href="${escapeHtml(r.html)}">${escapeHtml(r.name)}</a></td>` +
    `<td>${r.ok ? 'ok' : `failed${r.failedCell ? ` at cell ${r.failedCell}` : ''}`}</td><td>${r.seconds.toFixed(1)} s</td>` +
    `<td>${r.error ? `<pre>${escapeHtml(r.error)}</pre>` : ''}</td></tr>`).join('\n');
  const summary = rows.map((r) => `<tr><td>${escapeHtml(r.pipeline)}</td><td>${escapeHtml(r.variant)}</td><td>${fmt(r.nmi)}</td>` +
    `<td>${fmt(r.publishedNmi)}</td><td>${r.delta === undefined ? '–' : formatDelta(r.delta)}</td>` +
    `<td>${fmt(r.ari)}</td><td>${fmt(r.acc)}</td><td>${r.seconds.toFixed(1)}</td><td>${escapeHtml(r.images)}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fmnist-cluster report (${escapeHtml(input.scale)} scale)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
th { background: #f3f3f3; } tr.failed td { background: #fde8e8; } pre { margin: 0; white-space: pre-wrap; font-size: 12px; }
td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
</style></head><body>
<h1>Clustering Fashion-MNIST: K-Means, autoencoder codes and Gaussian mixtures</h1>
<p>Scale <strong>${escapeHtml(input.scale)}</strong>, generated ${escapeHtml(input.generatedAt.toISOString())}.
All scores on the same test split; accuracy (ACC) after the optimal matching of clusters to classes.
As in the report, each clusterer is fitted on the test images (or their codes) that it scores — clustering uses no labels —
except in the rows marked "fit on train, predict test", which show how the clusters carry over to unseen images.
The autoencoder itself is always trained on the training images only.</p>
<h2>Summary</h2>
<table id="summary"><thead><tr><th>Pipeline</th><th>Settings</th><th>NMI</th><th>Published NMI</th><th>Δ NMI</th><th>ARI</th><th>ACC</th><th>Fit seconds</th><th>Images</th></tr></thead>
<tbody>
${summary || '<tr><td colspan="9">No results recorded.</td></tr>'}
</tbody></table>
<div id="conclusion">${markdownToHtml(conclusion(input.results, input.scale === 'smoke' ? 'smoke' : 'full'))}</div>
<h2>Notebooks</h2>
<table id="notebooks"><thead><tr><th>Notebook</th><th>Status</th><th>Time</th><th>Error</th></tr></thead>
<tbody>
${runRows}
</tbody></table>
</body></html>
`;
}
