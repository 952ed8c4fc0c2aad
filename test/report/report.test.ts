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
import { checkPage, launchChromium } from '../helpers/browser.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '..', '..');
const OUT = path.join(ROOT, 'test-output', 'report');
const SHOTS = path.join(ROOT, 'test-output', 'screenshots');
const notebooks = readdirSync(path.join(ROOT, 'notebooks')).filter((f) => /^\d\d-.*\.ipynb$/.test(f)).sort();

/** Asks Jupyter's notary (signatures live in its database, not in the file) whether a notebook is trusted. */
function isTrusted(file: string): boolean {
  const check = spawnSync('/usr/bin/python3', ['-c',
    'import sys, nbformat; from nbformat.sign import NotebookNotary; print(NotebookNotary().check_signature(nbformat.read(sys.argv[1], 4)))', file], { encoding: 'utf8' });
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
    const executed = JSON.parse(readFileSync(executedFile, 'utf8')) as { cells: { cell_type: string; outputs?: { name?: string; text?: string }[] }[] };
    assert.equal(isTrusted(executedFile), true, `${nb} is signed, so Jupyter trusts it when reopened`);
    const stderr = executed.cells.flatMap((c) => c.outputs ?? []).filter((o) => o.name === 'stderr').map((o) => o.text).join('');
    assert.doesNotMatch(stderr, /error/i, `${nb} wrote an error to stderr`);
  }
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
