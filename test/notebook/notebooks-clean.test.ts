/**
 * The committed notebooks are what JupyterLab and git's nbstripout filter would write, so opening
 * one does not mark it modified (●) and a save without edits changes nothing git sees:
 * - their `language_info` is exactly what the tslab kernel reports (JupyterLab copies the kernel's
 *   into the notebook on open and marks it modified when it differs; tslab 1.0.22 reports version
 *   "3.7.2" whatever TypeScript it bundles), and the kernelspec is the project's;
 * - nbformat 4.5 with a cell id on every cell (JupyterLab adds missing ones on open);
 * - no outputs or execution counts, and each file is a fixed point of the filter.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '..', '..');
const DIR = path.join(ROOT, 'notebooks');
const files = readdirSync(DIR).filter((f) => f.endsWith('.ipynb')).sort();

interface Nb {
  cells: { id?: string; cell_type: string; outputs?: unknown[]; execution_count?: number | null; metadata: object }[];
  metadata: { kernelspec?: object; language_info?: object };
  nbformat: number;
  nbformat_minor: number;
}

test('the committed notebooks carry the language_info the tslab kernel reports, and the project\'s kernelspec', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { JupyterHandlerImpl } = require('tslab/dist/jupyter.js') as { JupyterHandlerImpl: new (executor: unknown, isJs: boolean) => { handleKernel(): { language_info: object } } };
  const reported = new JupyterHandlerImpl({}, false).handleKernel().language_info;
  for (const f of files) {
    const nb = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as Nb;
    assert.deepEqual(nb.metadata.language_info, reported, `${f}: language_info differs from the kernel's, so JupyterLab would mark it modified on open`);
    assert.deepEqual(nb.metadata.kernelspec, { display_name: 'TypeScript (tslab)', language: 'typescript', name: 'tslab' }, f);
  }
});

test('the committed notebooks are nbformat 4.5 with cell ids, without outputs, and fixed points of the nbstripout filter', () => {
  for (const f of files) {
    const text = readFileSync(path.join(DIR, f), 'utf8');
    const nb = JSON.parse(text) as Nb;
    assert.deepEqual([nb.nbformat, nb.nbformat_minor], [4, 5], f);
    assert.deepEqual(nb.cells.filter((c) => typeof c.id !== 'string' || c.id === '').length, 0, `${f}: cells without an id`);
    assert.deepEqual(nb.cells.filter((c) => (c.outputs?.length ?? 0) > 0 || (c.execution_count ?? null) !== null).length, 0, `${f}: outputs or execution counts`);
  }
  // What .gitattributes' filter would strip (scripts/setup-git-filter.sh's command; one process for all files).
  const dry = spawnSync(path.join(ROOT, '.venv', 'bin', 'python'), ['-m', 'nbstripout', '--keep-id', '--dry-run', ...files.map((f) => path.join(DIR, f))], { encoding: 'utf8' });
  assert.equal(dry.status, 0, dry.stderr);
  assert.equal(dry.stdout, '', 'the filter would strip something from these (run `.venv/bin/python -m nbstripout --keep-id <file>`)');
});

test('every notebook\'s config cell prints the scale and its cost (describeScale), none raw backend JSON', () => {
  for (const f of files.filter((n) => !/summary/.test(n))) {
    const nb = JSON.parse(readFileSync(path.join(DIR, f), 'utf8')) as { cells: { cell_type: string; source: string[] }[] };
    const first = nb.cells.find((c) => c.cell_type === 'code')!.source.join('');
    assert.match(first, /console\.log\([^;]*fc\.describeScale\(settings/, `${f}: the config cell prints fc.describeScale(settings…)`);
    assert.doesNotMatch(first, /JSON\.stringify\(fc\.backendInfo\(\)\)/, `${f}: raw backend JSON`);
  }
});
