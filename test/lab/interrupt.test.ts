/**
 * ■ (Interrupt the kernel) in a real JupyterLab on the tslab kernel, driven by headless Chromium
 * the way a user works (toolbar button, Run menu), at smoke scale on a copy of notebooks/:
 * - during 03's training (epochs raised to 30 in the config cell so ■ lands mid-training, on the
 *   kernel's default backend and training engine): the kernel stays alive, the cell ends with one
 *   "Training interrupted at epoch e/30, batch b/B" line saying what was kept, the partly trained
 *   model is there, and the next cell (the loss chart) runs and draws;
 * - during 07's N2D cell (a long synchronous cell: UMAP + GaussianMixture over seeds): the cell
 *   ends at the next safe point with one `InterruptedError` line naming the step, the kernel stays
 *   alive, and the next cell runs normally;
 * - during 07's training of N2D's paper protocol (its epochs raised to 40 in the config cell): the
 *   cell ends with its one-line summary (stopped by ■, what is cached and what remains), and running
 *   it again resumes from the checkpoint ■ left and finishes the training.
 * Screenshots: test-output/lab-interrupt/<name>-failure.png when a step fails.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../helpers/browser.js';
import {
  PROJECT_ROOT, editCodeCell, interruptKernel, openNotebook, readCellOutputs, readNotebookView, runCodeCell, runMenu,
  selectCodeCell, startJupyterLab, waitForCell, waitForView, type CellOutputs, type JupyterLab,
} from '../helpers/jupyterlab.js';

const SHOTS = path.join(PROJECT_ROOT, 'test-output', 'lab-interrupt');
const KERNEL = 'TypeScript (tslab)';
const EPOCHS = 30;

/** A cell has finished: an execution count in its prompt (not `[*]` or `[ ]`). */
const finished = (o: CellOutputs) => /^\[\d+\]/.test(o.prompt);

/** Runs the code cells above `index` (Run → Run All Above) and waits until they have finished without errors. */
async function runAbove(page: Page, index: number, timeoutMs: number): Promise<void> {
  await selectCodeCell(page, index);
  await runMenu(page, 'notebook:run-all-above');
  await waitForView(page, `the cells above code cell ${index} to run`, (v) => {
    if (v.errors.length > 0) throw new Error(`a cell above code cell ${index} failed:\n${v.errors.join('\n---\n').slice(0, 3000)}`);
    return v.kernelStatus === 'idle' && v.codeCells.slice(0, index).every((c) => /^\[\d+\]/.test(c.prompt));
  }, timeoutMs);
}

/** Kernel alive and idle, no dialog (e.g. "The kernel … appears to have died"). */
async function assertKernelAlive(page: Page, what: string): Promise<void> {
  const view = await waitForView(page, `the kernel to be idle ${what}`, (v) => v.kernelStatus === 'idle', 30_000);
  assert.deepEqual(view.dialogs, [], `no dialog ${what}`);
  assert.equal(view.statusBarKernel, `${KERNEL} | Idle`, `the status bar's kernel item ${what}`);
}

describe('■ in JupyterLab keeps the tslab kernel (headless Chromium, smoke scale)', { timeout: 10 * 60_000 }, () => {
  let lab: JupyterLab | undefined;
  let browser: Browser | undefined;
  let page: Page;

  async function step(name: string, body: () => Promise<void>): Promise<void> {
    try {
      await body();
    } catch (err) {
      await page?.screenshot({ path: path.join(SHOTS, `${name}-failure.png`) }).catch(() => undefined);
      if (err instanceof Error) err.message += `\n(screenshot: test-output/lab-interrupt/${name}-failure.png)\n--- JupyterLab log (tail) ---\n${lab?.log().slice(-3000) ?? ''}`;
      throw err;
    }
  }

  before(async () => {
    rmSync(SHOTS, { recursive: true, force: true });
    mkdirSync(SHOTS, { recursive: true });
    lab = await startJupyterLab();
    browser = (await launchChromium()).browser;
    page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    page.on('dialog', (dialog) => void dialog.accept());
  });

  after(async () => {
    await browser?.close().catch(() => undefined);
    await lab?.stop();
  });

  test(`03-autoencoder: ■ during training (${EPOCHS} epochs) keeps the kernel, one line says what was kept, the next cell runs`, { timeout: 5 * 60_000 }, async () => {
    await step('03-autoencoder', async () => {
      const { view } = await openNotebook(page, lab!, '03-autoencoder.ipynb');
      assert.equal(view.kernelName, KERNEL);
      await editCodeCell(page, 'autoencoder: fc.reportAutoencoderTraining(settings),', `autoencoder: { ...fc.reportAutoencoderTraining(settings), epochs: ${EPOCHS} },`);
      const cells = view.codeCells.map((c) => c.source);
      const training = cells.findIndex((s) => s.includes('trainedAutoencoder('));
      assert.ok(training > 0, `03 has a training cell (trainedAutoencoder): ${cells.join(' | ')}`);
      await runAbove(page, training, 90_000);

      await runCodeCell(page, training);
      // Mid-training: after the second epoch's line, long before the 30th.
      await waitForCell(page, training, 'epoch 2 of the training', (o) => new RegExp(`epoch 2/${EPOCHS}\\b`).test(o.stdout), 120_000);
      await interruptKernel(page);
      const out = await waitForCell(page, training, 'the training cell to end after ■', finished, 120_000);
      await assertKernelAlive(page, 'after ■ during training');

      const lines = out.stdout.split('\n').filter((l) => /interrupted/i.test(l));
      const kept = lines.filter((l) => new RegExp(`^Training interrupted at epoch (\\d+)/${EPOCHS}, batch \\d+/\\d+: the model keeps the weights reached`).test(l));
      assert.equal(kept.length, 1, `one line says where training stopped and what was kept; stdout:\n${out.stdout}`);
      const epoch = Number(/epoch (\d+)\//.exec(kept[0]!)![1]);
      assert.ok(epoch >= 2 && epoch < EPOCHS, `stopped mid-training (epoch ${epoch} of ${EPOCHS})`);
      assert.equal(out.stderr, '', 'no error output from the interrupted training cell');

      // The next cell uses the partly trained model: the loss chart of the epochs done.
      await runCodeCell(page, training + 1);
      const next = await waitForCell(page, training + 1, 'the loss-chart cell after ■', finished, 60_000);
      assert.equal(next.stderr, '', `the next cell runs without errors: ${next.stderr}`);
      assert.match(next.stdout, /final loss \d\.\d{4}/, 'the next cell prints the partly trained model\'s loss');
      assert.equal(next.figures, 1, 'the next cell draws its chart');
      await assertKernelAlive(page, 'after the next cell');
    });
  });

  test('07-n2d: ■ during the synchronous N2D cell stops at a safe point with one line, the next cell runs', { timeout: 5 * 60_000 }, async () => {
    await step('07-n2d', async () => {
      await lab!.shutdownKernels(); // 03's kernel: free its memory
      const { view } = await openNotebook(page, lab!, '07-n2d.ipynb');
      const cells = view.codeCells.map((c) => c.source);
      const n2d = cells.findIndex((s) => s.includes("pipeline: 'n2d'"));
      assert.ok(n2d > 0, `07 has the N2D cell: ${cells.join(' | ')}`);
      await runAbove(page, n2d, 3 * 60_000); // config, and the codes (trains the smoke autoencoder)

      await runCodeCell(page, n2d);
      await waitForCell(page, n2d, 'the N2D cell to start', (o) => o.prompt.includes('*'), 30_000);
      // Inside UMAP or the mixture by now (each of the 5 seeds' UMAP alone takes seconds).
      await page.waitForTimeout(4_000);
      assert.ok((await readCellOutputs(page, n2d)).prompt.includes('*'), 'the N2D cell is still running when ■ is pressed');
      await interruptKernel(page);
      const out = await waitForCell(page, n2d, 'the N2D cell to end after ■', finished, 60_000);
      await assertKernelAlive(page, 'after ■ during the N2D cell');
      const lines = out.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `one line, no stack:\n${out.stderr}`);
      assert.match(lines[0]!, /InterruptedError: Stopped by ■ \(interrupt\) in (UMAP's|GaussianMixture's|K-Means)[^:]*: the cell stopped there; variables of earlier cells are kept\./);

      // The next cell (the recorded results table) runs normally, with the variables of earlier cells.
      await runCodeCell(page, n2d + 1);
      const next = await waitForCell(page, n2d + 1, 'the cell after the N2D cell', finished, 60_000);
      assert.equal(next.stderr, '', `the next cell runs without errors: ${next.stderr}`);
      await assertKernelAlive(page, 'after the next cell');
      const after = await readNotebookView(page);
      assert.equal(after.errors.length, 1, `only the interrupted cell shows an error:\n${after.errors.join('\n---\n')}`);
    });
  });

  test("07-n2d: ■ during the paper protocol's training keeps its progress; running the cell again continues it to the end", { timeout: 5 * 60_000 }, async () => {
    await step('07-protocol', async () => {
      await lab!.shutdownKernels();
      const { view } = await openNotebook(page, lab!, '07-n2d.ipynb');
      await editCodeCell(page, 'paperProtocol: fc.n2dPaperProtocol(settings),',
        `paperProtocol: { ...fc.n2dPaperProtocol(settings), training: { ...fc.n2dPaperProtocol(settings).training, epochs: ${EPOCHS + 10} } },`);
      const cells = view.codeCells.map((c) => c.source);
      const training = cells.findIndex((s) => s.includes('trainN2dProtocol('));
      assert.ok(training > 0, `07 has the protocol's training cell: ${cells.join(' | ')}`);
      // The training cell needs only the config cell's data, config and backend.
      await runCodeCell(page, 0);
      await waitForCell(page, 0, 'the config cell', finished, 120_000);

      await runCodeCell(page, training);
      await waitForCell(page, training, "epoch 2 of the protocol's training", (o) => new RegExp(`paper protocol epoch 2/${EPOCHS + 10}\\b`).test(o.stdout), 120_000);
      await interruptKernel(page);
      const out = await waitForCell(page, training, 'the training cell to end after ■', finished, 60_000);
      await assertKernelAlive(page, "after ■ during the protocol's training");
      assert.equal(out.stderr, '', `no error output: ■ ends the piece, it does not fail it:\n${out.stderr}`);
      const summary = out.stdout.split('\n').filter((l) => l.startsWith("N2D's paper protocol: "));
      assert.equal(summary.length, 1, `one summary line:\n${out.stdout}`);
      assert.match(summary[0]!, /stopped by ■ \(interrupt\): N2D's paper protocol \(dense autoencoder on 600 images, 40 epochs\): \d+ of 40 epochs cached/);

      // Run again (what a user does later): it resumes where ■ left it and trains to the end.
      await runCodeCell(page, training);
      const again = await waitForCell(page, training, 'the training cell to finish', (o) => finished(o) && /all 40 epochs are done and cached/.test(o.stdout), 180_000);
      assert.match(again.stdout, /resuming at epoch \d+ of 40/);
      assert.equal(again.stderr, '');
      await assertKernelAlive(page, 'after the training finished');
    });
  });
});
