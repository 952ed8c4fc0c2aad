/**
 * End to end in a real JupyterLab (the project's `.venv`), driven by headless Chromium the way a
 * user works: open a notebook, Run → Run All Cells, read what the page shows; then edit the
 * config cell (k = 10 → 5) in the editor and Run → Run Selected Cell and All Below.
 *
 * Checks, at smoke scale, on a copy of notebooks/ (the real ones are never touched), committed to
 * a git repository of its own with the project's nbstripout filter:
 * - a notebook opens unmodified (no ●) and, closed without edits, leaves `git status` clean;
 * - the notebook runs on the tslab kernel ("TypeScript (tslab)" in the toolbar);
 * - no cell writes to stderr (tslab's channel for compile and runtime errors) or shows an error;
 * - every figure output is drawn by Plotly (an SVG with traces, heatmaps or images), and their
 *   number equals the figure outputs of the notebook as JupyterLab saves it;
 * - after k = 5: the confusion heatmap has 5 cluster columns, its title says "variant", and the
 *   results table (read with the compiled library) holds a k = 5 run labelled as a variant,
 *   next to the k = 10 run labelled as the report's settings;
 * - File → Save and Export Notebook As → HTML with the default choices ("Sanitize HTML" ticked)
 *   gives, for 02 and 05, a page that draws every figure offline and shows tables as markup;
 * - git stores no outputs: 02's staged version differs from the committed one only in the edited
 *   line, 05 run and saved shows no difference;
 * - after a kernel restart, a middle cell's "Cannot find name" comes with the restart hint.
 * Screenshots: test-output/lab/02-kmeans-NN.png, 02-kmeans-k5-NN.png, 05-ae-gmm-NN.png
 * (and <name>-failure.png when a step fails).
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { checkPage, launchChromium } from '../helpers/browser.js';
import { commitNotebooks, exportFromMenu, git, isDirty } from '../helpers/lab-export.js';
import { RESTART_HINT } from '../../src/notebook/kernel-hints.js';
import {
  PROJECT_ROOT, dismissDialogs, editCodeCell, lastExecutionCount, menu, openNotebook, readNotebookView, runMenu, saveNotebook, savedFigureCount,
  screenshotNotebook, selectCodeCell, startJupyterLab, waitForExecution, waitForView, type JupyterLab, type NotebookView,
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

/** Exports `name` from the File menu with the default choices, opens the page offline: every figure drawn, tables markup. */
async function assertExportDraws(page: Page, browser: Browser, lab: JupyterLab, name: string): Promise<void> {
  const dest = path.join(SHOTS, `${name}-export.html`);
  const { sanitize } = await exportFromMenu(page, 'HTML', dest);
  assert.equal(sanitize, true, 'the export dialog\'s default is "Sanitize HTML output" (the test keeps the defaults)');
  const html = readFileSync(dest, 'utf8');
  assert.doesNotMatch(html, /&lt;(table|td|tr|caption|script|div)\b/, `${name}: the exported page shows markup as text`);
  const saved = JSON.parse(readFileSync(path.join(lab.rootDir, `${name}.ipynb`), 'utf8')) as Parameters<typeof savedFigureCount>[0];
  const check = await checkPage(browser, dest, SHOTS);
  assert.equal(check.plots, savedFigureCount(saved), `${name}: figures in the exported page vs figure outputs of the notebook`);
  assert.equal(check.drawn, check.plots, `${name}: figures not drawn offline: ${check.notDrawn.join(' | ')}`);
  assert.deepEqual(check.pageErrors, [], `${name}: page errors in the exported page`);
}

/** The notebook as git would store it now (through the nbstripout filter), parsed. */
function storedByGit(dir: string, file: string): { cells: { cell_type: string; source: string | string[]; outputs?: unknown[]; execution_count?: number | null }[] } {
  git(dir, 'add', file);
  return JSON.parse(git(dir, 'show', `:${file}`)) as ReturnType<typeof storedByGit>;
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

describe('JupyterLab end to end (headless Chromium, smoke scale)', { timeout: 20 * 60_000 }, () => {
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
    commitNotebooks(lab.rootDir);
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

  test('02-kmeans opens unmodified (no ●), and closed without edits leaves git status clean', { timeout: 3 * 60_000 }, async () => {
    await step('02-kmeans-open', async () => {
      await openNotebook(page, lab!, '02-kmeans.ipynb');
      await page.waitForTimeout(2_000); // the kernel's info has been merged into the notebook's metadata by now
      assert.equal(await isDirty(page, '02-kmeans.ipynb'), false, 'the notebook is marked modified right after opening');
      await menu(page, 'File', 'filemenu:close-and-cleanup');
      await dismissDialogs(page);
      assert.equal(git(lab!.rootDir, 'status', '--porcelain'), '', 'git status after opening and closing without edits');
    });
  });

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

  test('02-kmeans: File → Save and Export Notebook As → HTML draws every figure offline; git stores the edit, not the outputs', { timeout: 5 * 60_000 }, async () => {
    assert.ok(afterRunAll, 'the Run All test above passed');
    await step('02-kmeans-export', async () => {
      await assertExportDraws(page, browser!, lab!, '02-kmeans');
      const stored = storedByGit(lab!.rootDir, '02-kmeans.ipynb');
      const committed = JSON.parse(git(lab!.rootDir, 'show', 'HEAD:02-kmeans.ipynb')) as ReturnType<typeof storedByGit>;
      const code = stored.cells.filter((c) => c.cell_type === 'code');
      assert.deepEqual(code.filter((c) => (c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null).length, 0, 'git stores no outputs or execution counts');
      const lines = (nb: ReturnType<typeof storedByGit>) => nb.cells.flatMap((c) => (Array.isArray(c.source) ? c.source.join('') : c.source).split('\n'));
      const before = lines(committed), after = lines(stored);
      assert.equal(after.length, before.length);
      assert.deepEqual(after.map((l, i) => [before[i], l]).filter(([a, b]) => a !== b).map(([a, b]) => `${a!.trim()} → ${b!.trim()}`), [`${K10} → ${K5}`], 'the only change git sees is the edited line');
    });
  });

  test('05-ae-gmm: Run All Cells (trains the smoke autoencoder), no errors, every figure drawn', { timeout: 6 * 60_000 }, async () => {
    await step('05-ae-gmm', async () => {
      await lab!.shutdownKernels(); // 02's kernel: free its memory
      const { view } = await openNotebook(page, lab!, '05-ae-gmm.ipynb');
      assert.equal(view.kernelName, KERNEL, 'the notebook opens on the tslab kernel');
      assert.equal(await isDirty(page, '05-ae-gmm.ipynb'), false, 'the notebook is marked modified right after opening');
      await runMenu(page, 'runmenu:run-all');
      const done = await waitForExecution(page, { after: 0, timeoutMs: 5 * 60_000 });
      await screenshotNotebook(page, SHOTS, '05-ae-gmm');
      await assertHealthy(page, lab!, '05-ae-gmm', done, pageErrors);
      afterRunAll05 = done;
    });
  });

  let afterRunAll05: NotebookView | undefined;

  test('05-ae-gmm: the menu\'s HTML export draws every figure offline; run and saved, git sees no change', { timeout: 5 * 60_000 }, async () => {
    assert.ok(afterRunAll05, 'the Run All test above passed');
    await step('05-ae-gmm-export', async () => {
      await assertExportDraws(page, browser!, lab!, '05-ae-gmm');
      assert.equal(git(lab!.rootDir, 'diff', 'HEAD', '--stat', '--', '05-ae-gmm.ipynb'), '', 'git diff of the run and saved notebook');
      const stored = storedByGit(lab!.rootDir, '05-ae-gmm.ipynb');
      assert.ok(stored.cells.every((c) => (c.outputs?.length ?? 0) === 0), 'git stores no outputs');
      assert.equal(git(lab!.rootDir, 'status', '--porcelain', '--', '05-ae-gmm.ipynb'), '', 'nothing to commit for 05');
    });
  });

  test('after Kernel → Restart Kernel, a middle cell\'s "Cannot find name" comes with the restart hint', { timeout: 3 * 60_000 }, async () => {
    assert.ok(afterRunAll05, 'the Run All test above passed');
    await step('05-ae-gmm-restart', async () => {
      await menu(page, 'Kernel', 'kernelmenu:restart');
      await page.locator('.jp-Dialog .jp-Dialog-button.jp-mod-accept').click();
      await waitForView(page, 'the restarted kernel', (v) => v.kernelStatus === 'idle' && v.codeCells.every((c) => !c.prompt.includes('*')), 60_000);
      const middle = 2; // uses `codes` and `exp` from the cells above
      await selectCodeCell(page, middle);
      await runMenu(page, 'runmenu:run');
      const view = await waitForView(page, 'the middle cell\'s error', (v) => v.errors.length > 0 && v.kernelStatus === 'idle', 60_000);
      const text = view.errors.join('\n');
      assert.match(text, /Cannot find name '\w+'/, `the compile error:\n${text}`);
      assert.ok(text.includes(RESTART_HINT), `the restart hint under it:\n${text}`);
      assert.equal(text.split(RESTART_HINT).length - 1, 1, 'one hint per cell');
    });
  });
});
