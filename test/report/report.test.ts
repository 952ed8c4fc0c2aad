/**
 * End to end: `npm run report` at smoke scale executes every notebook with the tslab kernel and
 * exports HTML; then each page is opened offline in headless Chromium, which must draw every
 * figure without a page error. Screenshots go to test-output/screenshots/.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { PipelineResult } from '../../src/experiment/results.js';
import { PLOTLY_MIME } from '../../src/notebook/display.js';
import { jupyterEnv, projectPython } from '../../src/util/paths.js';
import { checkPage, launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-output', 'report');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
/** The comment plotlyBundleHtml puts at the start of the inline plotly.js script. */
const BUNDLE_MARKER = '(plotly.js-dist-min), embedded inline for offline use';
const notebooks = readdirSync(path.join(ROOT, 'notebooks')).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();

/** Asks the project's Jupyter notary (signatures live in its database, not in the file) whether a notebook is trusted. */
function isTrusted(file: string): boolean {
  const check = spawnSync(projectPython(), ['-c',
    'import sys, nbformat; from nbformat.sign import NotebookNotary; print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], 4)))', file], { encoding: 'utf8', env: jupyterEnv() });
  return check.stdout.trim() === 'True';
}

test('the smoke-scale report executes every notebook and exports HTML', { timeout: 30 * 60_000 }, () => {
  rmSync(OUT, { recursive: true, force: true });
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'report', 'cli.js')], {
    cwd: ROOT,
    env: { ...process.env, REPORT_SCALE: 'smoke', REPORT_OUT_DIR: OUT, FMNIST_CACHE_DIR: tempDir('fmnist-cache-') },
    encoding: 'utf8',
  });
  process.stdout.write(run.stdout.split('\n').filter((l) => !/^ {4}cell/.test(l)).map((l) => `# ${l}`).join('\n') + '\n');
  assert.equal(run.status, 0, `report failed:\n${run.stdout}\n${run.stderr}`);
  for (const nb of notebooks) {
    const name = nb.replace(/\.ipynb$/, '');
    assert.ok(existsSync(path.join(OUT, `${name}.html`)), `${name}.html exported`);
    const executedFile = path.join(OUT, 'notebooks', nb);
    const executedText = readFileSync(executedFile, 'utf8');
    const executed = JSON.parse(executedText) as { cells: { cell_type: string; outputs?: { name?: string; text?: string; data?: Record<string, unknown> }[] }[] };
    assert.equal(isTrusted(executedFile), true, `${nb} is signed, so Jupyter trusts it when reopened`);
    const outputs = executed.cells.flatMap((c) => c.outputs ?? []);
    const stderr = outputs.filter((o) => o.name === 'stderr').map((o) => o.text).join('');
    assert.doesNotMatch(stderr, /error/i, `${nb} wrote an error to stderr`);
    // Figures are Plotly MIME bundles (drawn by JupyterLab's renderer even untrusted) with HTML and text fallbacks.
    const figures = outputs.filter((o) => o.data?.[PLOTLY_MIME] !== undefined);
    assert.ok(figures.length > 0, `${nb} has figures as ${PLOTLY_MIME} outputs`);
    // (nbformat stores multi-line strings as arrays of lines)
    const text = (v: unknown) => (Array.isArray(v) ? v.join('') : v);
    for (const f of figures) {
      assert.match(String(text(f.data!['text/html'])), /^<div id="[^"]+" class="fmnist-plot"/, `${nb}: a figure bundle without its HTML fallback`);
      assert.match(String(text(f.data!['text/plain'])), /^\[Plotly figure/, `${nb}: a figure bundle without its text`);
    }
    // plotly.js lives once in each exported page, never in the saved notebooks.
    assert.ok(!executedText.includes(BUNDLE_MARKER), `${nb} embeds plotly.js`);
    const page = readFileSync(path.join(OUT, `${name}.html`), 'utf8');
    assert.equal(page.split(BUNDLE_MARKER).length - 1, 1, `${name}.html carries plotly.js exactly once`);
  }
  // The terminal showed the autoencoder's training progress (notebook 03 trains: the cache is empty).
  assert.match(run.stdout, /^ {6}.*epoch \d+\/\d+/m, 'training progress forwarded to the terminal');
  // The notebooks as committed run the report's and our named settings, plus deliberate variants, all
  // in 07, recorded as such: N2D's dense autoencoder; N2D's paper protocol on all and on the test
  // images, and past it the GMM with 10 starts, the consensus of 5 runs, pre-training on shifted images
  // and twice the epochs.
  const recorded = JSON.parse(readFileSync(path.join(OUT, 'summary.json'), 'utf8')) as { results: PipelineResult[] };
  const N2D = 'variant of improved setting (N2D: UMAP to 10-d (20 neighbours, minDist 0), GMM full): ';
  assert.deepEqual(recorded.results.filter((r) => r.label === 'variant').map((r) => `${r.notebook} [${r.protocol}]: ${r.description}`), [
    `07-n2d [test]: ${N2D}autoencoder batch = 256, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [all]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [test]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [all]: ${N2D}nInit = 10, autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [test]: ${N2D}nInit = 10, autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [all]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, consensus of runs = 5, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [test]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, consensus of runs = 5, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [all]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10, shifts ±2 px`,
    `07-n2d [test]: ${N2D}autoencoder epochs = 3, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10, shifts ±2 px`,
    `07-n2d [all]: ${N2D}autoencoder epochs = 6, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
    `07-n2d [test]: ${N2D}autoencoder epochs = 6, autoencoder batch = 256, autoencoder trained on = train + test images, autoencoder = dense 784-500-500-2000-10`,
  ]);
  for (const nb of ['02-kmeans', '04-ae-kmeans', '05-ae-gmm', '07-n2d']) assert.ok(recorded.results.some((r) => r.notebook === nb && r.scale === 'smoke'), `${nb} recorded a result`);
  assert.ok(recorded.results.some((r) => r.id === 'kmeans-raw' && r.label === 'report'));
  const index = readFileSync(path.join(OUT, 'index.html'), 'utf8');
  for (const nb of notebooks) assert.match(index, new RegExp(`href="${nb.replace(/\.ipynb$/, '')}\\.html"`));
  const summary = JSON.parse(readFileSync(path.join(OUT, 'summary.json'), 'utf8')) as { scale: string; runs: { ok: boolean }[] };
  assert.equal(summary.scale, 'smoke');
  assert.ok(summary.runs.every((r) => r.ok));
});

test('every exported page draws all of its figures in headless Chromium, with no page error', { timeout: 10 * 60_000 }, async () => {
  const pages = notebooks.map((nb) => path.join(OUT, nb.replace(/\.ipynb$/, '.html'))).filter(existsSync);
  assert.equal(pages.length, notebooks.length, 'the report test above exported every page');
  const { browser, close } = await launchChromium();
  try {
    for (const file of pages) {
      const r = await checkPage(browser, file, SHOTS);
      assert.ok(r.plots > 0, `${path.basename(file)} has figures`);
      assert.equal(r.drawn, r.plots, `${path.basename(file)}: figures not drawn: ${r.notDrawn.join(' | ')}`);
      assert.deepEqual(r.pageErrors, [], `${path.basename(file)} raised page errors`);
      assert.ok(existsSync(r.screenshot));
    }
  } finally {
    await close();
  }
});
