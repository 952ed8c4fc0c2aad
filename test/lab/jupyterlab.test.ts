/**
 * End to end in a real JupyterLab (the project's `.venv`), driven by headless Chromium the way a
 * user works: open a notebook, Run → Run All Cells, read what the page shows; then edit the
 * config cell (k = 10 → 5) in the editor and Run → Run Selected Cell and All Below.
 *
 * Checks, at smoke scale, on a copy of notebooks/ (the real ones are never touched):
 * - the notebook runs on the tslab kernel ("TypeScript (tslab)" in the toolbar);
 * - no cell writes to stderr (tslab's channel for compile and runtime errors) or shows an error;
 * - every figure output is drawn by Plotly (an SVG with traces, heatmaps or images), and their
 *   number equals the figure outputs of the notebook as JupyterLab saves it;
 * - after k = 5: the confusion heatmap has 5 cluster columns, its title says "variant", and the
 *   results table (read with the compiled library) holds a k = 5 run labelled as a variant,
 *   next to the k = 10 run labelled as the report's settings.
 * Screenshots: test-output/lab/02-kmeans-NN.png, 02-kmeans-k5-NN.png, 05-ae-gmm-NN.png
 * (and <name>-failure.png when a step fails).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import {
  PROJECT_ROOT, editCodeCell, lastExecutionCount, openNotebook, readNotebookView, runMenu, saveNotebook, savedFigureCount,
  screenshotNotebook, selectCodeCell, startJupyterLab, waitForExecution, type JupyterLab, type NotebookView,
} from '../helpers/jupyterlab.js';

const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'lab');
const KERNEL = 'TypeScript (tslab)';
/** The config cell's line in 02-kmeans and its edit. */
const K10 = 'nClusters: 10,';
const K5 = 'nClusters: 5,';

/** Figures each notebook is known to make at least (the saved notebook gives the exact count). */
const MIN_FIGURES: Record<string, number> = { '02-kmeans': 4, '05-ae-gmm': 6 };

/** Shape of the recorded results as this test reads them (src/experiment/results.ts). */
interface RecordedResult {
  id: string;
  pipeline: string;
  notebook: string;
  label: string;
  description: string;
  diff: string[];
  protocol: string;
  scale: string;
  settings: Record<string, string | number | boolean>;
}

function describeFigures(view: NotebookView): string {
  return view.figures.map((f) => `cell ${f.cell} "${f.title}": ${f.drawn ? 'drawn' : `NOT drawn${f.placeholder ? ` (${f.placeholder})` : ''}`}`).join('\n');
}

/** Asserts: tslab kernel, no error output, every figure drawn, as many figures as the saved notebook has. */
async function assertHealthy(page: Page, lab: JupyterLab, name: string, view: NotebookView, pageErrors: string[]): Promise<void> {
  assert.equal(view.kernelName, KERNEL, `${name} runs on the tslab kernel`);
  assert.deepEqual(view.errors, [], `${name}: cells wrote errors (stderr / error outputs)`);
  assert.ok(view.figures.length >= (MIN_FIGURES[name] ?? 1), `${name}: expected at least ${MIN_FIGURES[name]} figures, found ${view.figures.length}:\n${describeFigures(view)}`);
  const notDrawn = view.figures.filter((f) => !f.drawn);
  assert.deepEqual(notDrawn.map((f) => f.title), [], `${name}: figures not drawn:\n${describeFigures(view)}`);
  const saved = await saveNotebook(page, path.join(lab.rootDir, `${name}.ipynb`));
  assert.equal(view.figures.length, savedFigureCount(saved), `${name}: figures on the page vs figure outputs in the saved notebook`);
  assert.deepEqual(pageErrors, [], `${name}: JavaScript errors on the page`);
  // Seconds later the kernel is still there (no "kernel died" dialog, still idle).
  const later = await readNotebookView(page);
  assert.deepEqual(later.dialogs, [], `${name}: dialogs open after the run`);
  assert.equal(later.kernelStatus, 'idle', `${name}: kernel status after the run`);
  assert.equal(later.statusBarKernel, `${KERNEL} | Idle`, `${name}: the status bar's kernel item after the run`);
}

describe('JupyterLab end to end (headless Chromium, smoke scale)', { timeout: 10 * 60_000 }, () => {
  let lab: JupyterLab | undefined;
  let browser: Browser | undefined;
  let page: Page;
  const pageErrors: string[] = [];

  /** Runs `body`; on failure saves a screenshot and adds the server's log tail to the error. */
  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      await page?.screenshot({ path: path.join(SHOTS, `${name}-failure.png`) }).catch(() => undefined);
      if (err instanceof Error) err.message += `\n(screenshot: test-output/lab/${name}-failure.png)\n--- JupyterLab log (tail) ---\n${lab?.log().slice(-3000) ?? ''}`;
      throw err;
    }
  }

  before(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    lab = await startJupyterLab();
    browser = (await launchChromium()).browser;
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('dialog', (dialog) => void dialog.accept()); // e.g. "leave the page?" when moving to the next notebook
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await lab?.stop();
  });

  let afterRunAll: NotebookView | undefined;

  test('02-kmeans: Run All Cells on the tslab kernel, no errors, every figure drawn', { timeout: 5 * 60_000 }, async () => {
    await step('02-kmeans', async () => {
      const { view } = await openNotebook(page, lab!, '02-kmeans.ipynb');
      assert.equal(view.kernelName, KERNEL, 'the notebook opens on the tslab kernel');
      await runMenu(page, 'runmenu:run-all');
      afterRunAll = await waitForExecution(page, { after: 0, timeoutMs: 4 * 60_000 });
      await screenshotNotebook(page, SHOTS, '02-kmeans');
      await assertHealthy(page, lab!, '02-kmeans', afterRunAll, pageErrors);
    });
  });

  test('02-kmeans: k = 10 → 5 in the config cell, rerun below: 5 cluster columns, recorded and shown as a variant', { timeout: 5 * 60_000 }, async () => {
    assert.ok(afterRunAll, 'the Run All test above passed');
    await step('02-kmeans-k5', async () => {
      const cell = await editCodeCell(page, K10, K5);
      await selectCodeCell(page, cell);
      await runMenu(page, 'notebook:run-all-below');
      const view = await waitForExecution(page, { after: lastExecutionCount(afterRunAll!), fromCell: cell, timeoutMs: 4 * 60_000 });
      await screenshotNotebook(page, SHOTS, '02-kmeans-k5');
      await assertHealthy(page, lab!, '02-kmeans', view, pageErrors);

      // The first confusion heatmap is the report-settings section's.
      const confusion = view.figures.find((f) => /matched cluster/i.test(f.title));
      assert.ok(confusion, `a confusion heatmap (title "… matched cluster"):\n${describeFigures(view)}`);
      const heatmap = confusion.traces.find((t) => t.type === 'heatmap');
      assert.ok(heatmap, `"${confusion.title}" has a heatmap trace`);
      assert.equal(heatmap.z0, 5, `"${confusion.title}": cluster columns in the data`);
      assert.equal(heatmap.x, 5, `"${confusion.title}": cluster labels`);
      assert.equal(confusion.xTicks.length, 5, `"${confusion.title}": x tick labels drawn: ${confusion.xTicks.join(', ')}`);
      assert.match(confusion.title, /variant/i, 'the title says the run is a variant');
      assert.match(confusion.title, /k = 5/, 'the title names the difference');

      // What the notebook recorded, read with the compiled library from the kernel's cache folder.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fc = require(path.join(PROJECT_ROOT, 'dist', 'index.js')) as {
        ResultStore: new (o: { scale: string; root: string }) => unknown;
        loadResults: (store: unknown) => RecordedResult[];
      };
      const results = fc.loadResults(new fc.ResultStore({ scale: 'smoke', root: lab!.cacheDir }));
      const listing = results.map((r) => `${r.id}: ${r.label} (${r.description}), k = ${r.settings.nClusters}`).join('\n');
      const raw = results.filter((r) => r.notebook === '02-kmeans' && r.pipeline === 'kmeans-raw' && r.protocol === 'test' && r.settings.preprocessing === 'none');
      const k5 = raw.filter((r) => r.settings.nClusters === 5);
      assert.equal(k5.length, 1, `one k = 5 run of K-Means on raw pixels (test protocol, no preprocessing) is recorded ` +
        `(the store replaces a result with the same id: the report's k = 5 variant and the improved setting's k = 5 variant need distinct ids); results:\n${listing}`);
      assert.equal(k5[0]!.label, 'variant', `the k = 5 run is labelled a variant, not the report's settings; results:\n${listing}`);
      assert.deepEqual(k5[0]!.diff, ['k = 5']);
      assert.equal(k5[0]!.scale, 'smoke');
      const k10 = raw.filter((r) => r.settings.nClusters === 10);
      assert.deepEqual(k10.map((r) => r.label), ['report'], `the earlier k = 10 run stays recorded as the report's settings; results:\n${listing}`);
      assert.deepEqual(results.filter((r) => r.settings.nClusters === 5 && r.label !== 'variant').map((r) => r.id), [], `no k = 5 run is labelled report/improved; results:\n${listing}`);
    });
  });

  test('05-ae-gmm: Run All Cells (trains the smoke autoencoder), no errors, every figure drawn', { timeout: 6 * 60_000 }, async () => {
    await step('05-ae-gmm', async () => {
      await lab!.shutdownKernels(); // 02's kernel: free its memory
      const { view } = await openNotebook(page, lab!, '05-ae-gmm.ipynb');
      assert.equal(view.kernelName, KERNEL, 'the notebook opens on the tslab kernel');
      await runMenu(page, 'runmenu:run-all');
      const done = await waitForExecution(page, { after: 0, timeoutMs: 5 * 60_000 });
      await screenshotNotebook(page, SHOTS, '05-ae-gmm');
      await assertHealthy(page, lab!, '05-ae-gmm', done, pageErrors);
    });
  });
});
