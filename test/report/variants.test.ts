import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { ResultStore } from '../../src/experiment/results.js';
import { renderIndexPage } from '../../src/report/index-page.js';
import { notebookChange } from '../../src/report/notebook-changes.js';
import { clearVariants, indexResults, parseReportArgs } from '../../src/report/variants.js';
import { fakeResult } from '../experiment/helpers.js';
import { tempDir } from '../helpers/tmp.js';

const ROOT = path.resolve(__dirname, '..', '..');

test('parseReportArgs: flags and name filters; an unknown flag names the allowed ones', () => {
  assert.deepEqual(parseReportArgs([]), { includeVariants: false, clearVariants: false, only: [] });
  assert.deepEqual(parseReportArgs(['--include-variants', '02', 'n2d']), { includeVariants: true, clearVariants: false, only: ['02', 'n2d'] });
  assert.equal(parseReportArgs(['--clear-variants']).clearVariants, true);
  assert.throws(() => parseReportArgs(['--include-variant']), /unknown option --include-variant; allowed: --include-variants, --clear-variants/);
});

const start = new Date('2026-12-07T12:00:00.000Z');
const report = fakeResult('kmeans-raw', [0.5, 0.51], { recordedAt: '2026-12-07T12:05:00.000Z' });
const olderReport = fakeResult('ae-gmm', [0.58, 0.59], { recordedAt: '2026-12-07T09:00:00.000Z' });
const interactive = fakeResult('kmeans-raw', [0.45], { id: 'kmeans-raw~k=5', label: 'variant', description: 'variant: k = 5', diff: ['k = 5'], recordedAt: '2026-12-07T11:59:59.000Z' });
const runsOwn = fakeResult('n2d', [0.6], { id: 'n2d-improved~dense', label: 'variant', description: 'variant: dense autoencoder', recordedAt: '2026-12-07T12:30:00.000Z' });

test('indexResults: variants recorded before the run are left out unless asked; the run\'s own variants and older settings stay', () => {
  const all = [report, olderReport, interactive, runsOwn];
  const { shown, leftOut } = indexResults(all, { runStartedAt: start, includeVariants: false });
  assert.deepEqual(shown.map((r) => r.id), ['kmeans-raw', 'ae-gmm', 'n2d-improved~dense']);
  assert.deepEqual(leftOut.map((r) => r.id), ['kmeans-raw~k=5']);
  assert.deepEqual(indexResults(all, { runStartedAt: start, includeVariants: true }).shown.map((r) => r.id), all.map((r) => r.id));
  // The page says what was left out and how to get it back or clear it.
  const html = renderIndexPage({ scale: 'smoke', runs: [], results: shown, generatedAt: start, leftOutVariants: leftOut.length });
  assert.match(html, /1 variant recorded before this run \(e\.g\. interactively in JupyterLab\) is left out: <code>npm run report -- --include-variants<\/code> shows them, <code>npm run report -- --clear-variants<\/code> removes them/);
  assert.doesNotMatch(html, /k = 5/);
  // Which notebooks ran as edited.
  const changes = new Map([
    ['02-kmeans', { state: 'committed' as const, text: 'as committed' }],
    ['03-autoencoder', { state: 'edited' as const, text: 'edited: differs from the committed notebook (git diff notebooks/03-autoencoder.ipynb)' }],
  ]);
  const page = renderIndexPage({ scale: 'smoke', runs: [...changes.keys()].map((name) => ({ name, html: `${name}.html`, ok: true, seconds: 1 })), results: shown, generatedAt: start, changes });
  assert.match(page, /<p id="edited-notebooks"><strong>Run as edited:<\/strong> 03-autoencoder differs from the committed notebooks/);
  assert.match(page, /<td class="change-edited">edited: differs from the committed notebook \(git diff notebooks\/03-autoencoder.ipynb\)<\/td>/);
  assert.match(page, /<td class="change-committed">as committed<\/td>/);
  assert.doesNotMatch(page, /left-out-variants/);
});

test('clearVariants removes every variant of the scale and keeps the other results', () => {
  const store = new ResultStore({ scale: report.scale, root: tempDir('fmnist-results-') });
  for (const r of [report, interactive, olderReport, runsOwn]) store.record(r);
  assert.deepEqual(clearVariants(store).map((r) => r.id), ['kmeans-raw~k=5', 'n2d-improved~dense']);
  assert.deepEqual(store.load().map((r) => r.id), ['kmeans-raw', 'ae-gmm']);
  assert.deepEqual(clearVariants(store), [], 'nothing left to clear');
});

function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

test('notebookChange through the nbstripout filter: saved outputs are no change, edited sources are; git stores no outputs', () => {
  const repo = tempDir('fmnist-git-');
  git(repo, 'init', '-q');
  git(repo, 'config', 'user.email', 'test@example.com');
  git(repo, 'config', 'user.name', 'test');
  cpSync(path.join(ROOT, '.gitattributes'), path.join(repo, '.gitattributes'));
  // The project's filter set-up, with the project's venv (the temporary repository has none).
  const setup = spawnSync('bash', [path.join(ROOT, 'scripts', 'setup-git-filter.sh'), repo, path.join(ROOT, '.venv', 'bin', 'python')], { encoding: 'utf8' });
  assert.equal(setup.status, 0, setup.stderr);
  mkdirSync(path.join(repo, 'notebooks'));
  const file = path.join(repo, 'notebooks', '02-kmeans.ipynb');
  const committed = readFileSync(path.join(ROOT, 'notebooks', '02-kmeans.ipynb'), 'utf8');
  writeFileSync(file, committed);
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'notebooks');
  assert.equal(notebookChange(file).state, 'committed');

  // A run and a save: outputs and execution counts in the file, none in git.
  const nb = JSON.parse(committed) as { cells: { cell_type: string; source: string[]; outputs?: unknown[]; execution_count?: number | null }[] };
  const code = nb.cells.filter((c) => c.cell_type === 'code');
  code.forEach((c, i) => { c.execution_count = i + 1; c.outputs = [{ output_type: 'stream', name: 'stdout', text: ['done\n'] }]; });
  writeFileSync(file, JSON.stringify(nb, null, 1) + '\n');
  assert.equal(notebookChange(file).state, 'committed', 'outputs are not a change');
  assert.equal(git(repo, 'diff', 'HEAD', '--stat'), '', 'git diff shows nothing after a run and a save');
  // (git status compares file sizes first and may list the file until it is added: adding stores nothing new.)
  git(repo, 'add', 'notebooks/02-kmeans.ipynb');
  assert.equal(git(repo, 'status', '--porcelain'), '', 'adding the saved notebook stages no change');
  const stored = JSON.parse(git(repo, 'show', ':notebooks/02-kmeans.ipynb')) as typeof nb;
  assert.deepEqual(stored.cells.filter((c) => c.cell_type === 'code').map((c) => [c.outputs, c.execution_count]), code.map(() => [[], null]), 'git stores no outputs');

  // An edited config cell is a change, named with the command that shows it.
  code[0]!.source = code[0]!.source.map((l) => l.replace('nClusters: 10,', 'nClusters: 5,'));
  writeFileSync(file, JSON.stringify(nb, null, 1) + '\n');
  const edited = notebookChange(file);
  assert.equal(edited.state, 'edited');
  assert.equal(edited.text, 'edited: differs from the committed notebook (git diff notebooks/02-kmeans.ipynb)');
  const added = path.join(repo, 'notebooks', '08-new.ipynb');
  writeFileSync(added, committed);
  assert.equal(notebookChange(added).state, 'new');
  const outside = path.join(tempDir('fmnist-nogit-'), 'x.ipynb');
  writeFileSync(outside, committed);
  assert.equal(notebookChange(outside).state, 'unknown');
});
