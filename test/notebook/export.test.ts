/**
 * The HTML export of the project's venv (python/fmnist_nbconvert's `fmnist_lab` template, made the
 * HTML exporter's default by the package's Jupyter config): a notebook with a figure and a table as
 * our display writes them is exported by `jupyter nbconvert --to html` (the same exporter and
 * config JupyterLab's File → Save and Export Notebook As → HTML uses), with and without "Sanitize
 * HTML", then opened offline in headless Chromium: every figure draws, the table is markup.
 * The menu itself is driven in test/lab/jupyterlab.test.ts.
 */
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { createDisplay, type MimeBundle } from '../../src/notebook/display.js';
import { barChart, lineChart } from '../../src/plots/index.js';
import { jupyterEnv } from '../../src/util/paths.js';
import { checkPage, launchChromium } from '../helpers/browser.js';

const ROOT = path.resolve(__dirname, '..', '..');
const JUPYTER = path.join(ROOT, '.venv', 'bin', 'jupyter');
const BUNDLE_MARKER = '(plotly.js-dist-min), embedded inline for offline use';

/** A notebook as JupyterLab saves it after a run: a heading, one figure output, one table output. */
function notebookWithOutputs(): object {
  const outputs: MimeBundle[] = [];
  const d = createDisplay({ html: (s) => outputs.push({ 'text/html': s }), bundle: (b) => outputs.push(b) });
  d.loadPlotly(); // the first cell's classic-Notebook loader
  d.showFigure(barChart({ title: 'Class counts', categories: ['a', 'b'], values: [3, 4] }));
  d.showTable({ caption: 'Scores <per> seed', columns: ['seed', 'NMI'], rows: [[0, 0.5123], [1, 0.5234]] });
  d.showFigure(lineChart({ title: 'SSE', series: [{ name: 's', x: [1, 2, 3], y: [3, 2, 1] }] }));
  const lines = (s: string) => s.split(/(?<=\n)/);
  return {
    cells: [
      { cell_type: 'markdown', id: 'a1', metadata: {}, source: lines('# 2. K-Means on *raw* pixels\n\nText.') },
      {
        cell_type: 'code', id: 'a2', metadata: {}, execution_count: 1, source: ['fc.showFigure(...)'],
        outputs: outputs.map((data) => ({ output_type: 'display_data', metadata: {}, data: Object.fromEntries(Object.entries(data).map(([k, v]) => [k, typeof v === 'string' ? lines(v) : v])) })),
      },
    ],
    metadata: { kernelspec: { display_name: 'TypeScript (tslab)', language: 'typescript', name: 'tslab' } },
    nbformat: 4,
    nbformat_minor: 5,
  };
}

// Inside the project, as the real notebooks are: the template finds node_modules' plotly.js from there.
mkdirSync(path.join(ROOT, 'test-output'), { recursive: true });
const dir = mkdtempSync(path.join(ROOT, 'test-output', 'export-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Exports with `jupyter nbconvert --to html` (both variants at once: each start-up takes seconds). */
async function exportHtml(sanitize: boolean): Promise<string> {
  const file = path.join(dir, `nb-${sanitize}.ipynb`);
  writeFileSync(file, JSON.stringify(notebookWithOutputs(), null, 1));
  const child = spawn(JUPYTER, ['nbconvert', '--to', 'html', `--HTMLExporter.sanitize_html=${sanitize ? 'True' : 'False'}`, file], { env: jupyterEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  assert.equal(code, 0, `jupyter nbconvert failed:\n${stderr}`);
  return file.replace(/\.ipynb$/, '.html');
}

test('jupyter nbconvert --to html, sanitized (JupyterLab\'s default) or not: plotly.js once, tables as markup, titled, every figure drawn offline', { timeout: 180_000 }, async () => {
  const files = await Promise.all([true, false].map(exportHtml));
  const { browser, close } = await launchChromium();
  try {
    for (const [i, file] of files.entries()) {
      const what = i === 0 ? 'sanitized' : 'not sanitized';
      const html = readFileSync(file, 'utf8');
      assert.equal(html.split(BUNDLE_MARKER).length - 1, 1, `${what}: plotly.js embedded exactly once`);
      assert.match(html, /<title>2\. K-Means on raw pixels<\/title>/, `${what}: the title is the notebook's heading`);
      assert.match(html, /<table class="fmnist-table"/, `${what}: the table is markup`);
      assert.doesNotMatch(html, /&lt;(table|td|tr|div|b|caption|script)\b/, `${what}: no markup shown as text`);
      assert.match(html, /<b>Scores &lt;per&gt; seed<\/b>/, `${what}: the caption, escaped once`);
      const page = await checkPage(browser, file, path.join(ROOT, 'test-output', 'screenshots'));
      assert.equal(page.plots, 2, `${what}: two figures`);
      assert.equal(page.drawn, 2, `${what}: figures not drawn offline: ${page.notDrawn.join(' | ')}`);
      assert.deepEqual(page.pageErrors, [], `${what}: page errors`);
    }
  } finally {
    await close();
  }
});
