import type { PipelineResult } from '../experiment/results.js';
import { conclusion, formatDelta, notebookStatus, summaryRows } from '../experiment/summary.js';
import { nmiErrorBarFigure } from '../experiment/summary-figure.js';
import { escapeHtml } from '../plots/table.js';
import { scriptSafeJson } from '../plots/figure.js';
import type { NotebookChange } from './notebook-changes.js';

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
  return md.split(/\n\n+/).map((p) => `<p>${escapeHtml(p).replace(/\*\*(.+?)\*\*/g, '<strong>$1</strong>').replace(/`(.+?)`/g, '<code>$1</code>').replace(/\n/g, '<br>')}</p>`).join('\n');
}

/** What {@link renderIndexPage} shows. */
export interface IndexPageInput {
  readonly scale: string;
  readonly runs: readonly NotebookRun[];
  /** The results shown (see `indexResults`: interactive variants already left out unless asked for). */
  readonly results: readonly PipelineResult[];
  readonly generatedAt: Date;
  /** URL of plotly.js relative to the page, for the chart. */
  readonly plotlyScript?: string;
  /** Per notebook name: whether it is the committed notebook (see `notebookChange`). */
  readonly changes?: ReadonlyMap<string, NotebookChange>;
  /** Variants recorded before this run and left out of the page (0 when `--include-variants`). */
  readonly leftOutVariants?: number;
}

/**
 * The report's landing page: links to every notebook's HTML, run status and whether each notebook
 * is the committed one, which notebooks recorded results, the summary table (mean ± sd over seeds),
 * how many interactive variants were left out, and an error-bar chart drawn with the
 * `plotly.min.js` copied beside it (`plotlyScript`, relative URL).
 */
export function renderIndexPage(input: IndexPageInput): string {
  const rows = summaryRows(input.results);
  const ms = (s: { mean: number; sd: number }) => `${fmt(s.mean)} ± ${fmt(s.sd)}`;
  const status = notebookStatus(input.results).map((s) => `<tr><td>${escapeHtml(s.notebook)}</td><td>${s.results > 0 ? `${s.results} result${s.results === 1 ? '' : 's'}` : '<strong>not run</strong>'}</td>` +
    `<td>${s.lastRecordedAt ? escapeHtml(s.lastRecordedAt) : '–'}</td></tr>`).join('\n');
  const backends = [...new Set(input.results.map((r) => r.backend))];
  const figure = rows.length > 0 && input.plotlyScript
    ? `<div id="nmi-chart" style="width:100%;height:520px;"></div><script src="${escapeHtml(input.plotlyScript)}"></script>` +
      `<script>(function(){var f=${scriptSafeJson(nmiErrorBarFigure(input.results))};if(window.Plotly)Plotly.newPlot('nmi-chart',f.data,f.layout,{responsive:true});})();</script>`
    : '';
  const change = (name: string) => {
    const c = input.changes?.get(name);
    return c ? `<td class="change-${c.state}">${escapeHtml(c.text)}</td>` : '<td>–</td>';
  };
  const runRows = input.runs.map((r) => `<tr class="${r.ok ? 'ok' : 'failed'}"><td><a href="${escapeHtml(r.html)}">${escapeHtml(r.name)}</a></td>` +
    `<td>${r.ok ? 'ok' : `failed${r.failedCell ? ` at cell ${r.failedCell}` : ''}`}</td>${change(r.name)}<td>${r.seconds.toFixed(1)} s</td>` +
    `<td>${r.error ? `<pre>${escapeHtml(r.error)}</pre>` : ''}</td></tr>`).join('\n');
  const edited = [...(input.changes?.entries() ?? [])].filter(([, c]) => c.state === 'edited' || c.state === 'new').map(([n]) => n);
  const editedNote = edited.length > 0
    ? `<p id="edited-notebooks"><strong>Run as edited:</strong> ${edited.map(escapeHtml).join(', ')} ${edited.length === 1 ? 'differs' : 'differ'} from the committed notebooks; their pages and results show the edited settings (see the Notebooks table).</p>`
    : '';
  const left = input.leftOutVariants ?? 0;
  const variantsNote = left > 0
    ? `<p id="left-out-variants">${left} variant${left === 1 ? '' : 's'} recorded before this run (e.g. interactively in JupyterLab) ${left === 1 ? 'is' : 'are'} left out: ` +
      '<code>npm run report -- --include-variants</code> shows them, <code>npm run report -- --clear-variants</code> removes them.</p>'
    : '';
  const summary = rows.map((r) => `<tr class="${r.label}"><td>${escapeHtml(r.pipeline)}</td><td>${escapeHtml(r.setting)}</td><td>${ms(r.nmi)}</td><td>${fmt(r.medianNmi)}</td>` +
    `<td>${fmt(r.publishedNmi)}</td><td>${r.delta === undefined ? '–' : formatDelta(r.delta)}</td>` +
    `<td>${ms(r.ari)}</td><td>${ms(r.acc)}</td><td>${r.seeds}</td><td>${r.seconds.toFixed(1)}</td><td>${escapeHtml(r.images)}</td></tr>`).join('\n');
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>fmnist-cluster report (${escapeHtml(input.scale)} scale)</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 1100px; margin: 2em auto; padding: 0 1em; color: #222; }
table { border-collapse: collapse; margin: 1em 0; } th, td { border: 1px solid #ccc; padding: 4px 10px; text-align: left; }
th { background: #f3f3f3; } tr.failed td { background: #fde8e8; } tr.variant td { color: #8a4b00; } pre { margin: 0; white-space: pre-wrap; font-size: 12px; }
td:nth-child(n+3) { font-variant-numeric: tabular-nums; }
</style></head><body>
<h1>Clustering Fashion-MNIST: K-Means, autoencoder codes and Gaussian mixtures</h1>
<p>Scale <strong>${escapeHtml(input.scale)}</strong>, generated ${escapeHtml(input.generatedAt.toISOString())}; TF.js backend
<strong>${escapeHtml(backends.join(', ') || 'unknown')}</strong>.
All scores on the same test split; accuracy (ACC) after the optimal matching of clusters to classes.
As in the report, each clusterer is fitted on the test images (or their codes) that it scores — clustering uses no labels —
except in the rows marked "fit on train, predict test", which show how the clusters carry over to unseen images.
The autoencoder itself is always trained on the training images only.</p>
<p>Every score is over several clusterer seeds (the autoencoder is one trained model): mean ± sample sd, and the
median run's NMI. "Variant" rows ran other settings than the report's or our named improvements and are shown as such.</p>
<h2>Summary</h2>
${editedNote}
${variantsNote}
<table id="summary"><thead><tr><th>Pipeline</th><th>Setting</th><th>NMI mean ± sd</th><th>Median NMI</th><th>Published NMI</th><th>Δ (mean − published)</th><th>ARI mean ± sd</th><th>ACC mean ± sd</th><th>Seeds</th><th>Fit seconds (median)</th><th>Images</th></tr></thead>
<tbody>
${summary || '<tr><td colspan="11">No results recorded.</td></tr>'}
</tbody></table>
${figure}
<h2>Which notebooks recorded results</h2>
<table id="notebook-results"><thead><tr><th>Notebook</th><th>Results at this scale</th><th>Last recorded</th></tr></thead>
<tbody>
${status}
</tbody></table>
<div id="conclusion">${markdownToHtml(conclusion(input.results, input.scale === 'smoke' ? 'smoke' : 'full'))}</div>
<h2>Notebooks</h2>
<table id="notebooks"><thead><tr><th>Notebook</th><th>Status</th><th>Compared with git</th><th>Time</th><th>Error</th></tr></thead>
<tbody>
${runRows}
</tbody></table>
</body></html>
`;
}
