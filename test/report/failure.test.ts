/**
 * A failing notebook cell is reported with the notebook's name, the cell number and the error text
 * that tslab writes to stderr only (nbclient's own error is empty), and the run exits non-zero.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { notebook } from './notebooks.js';

const ROOT = path.resolve(__dirname, '..', '..');

test('a failing cell is named with notebook, cell number and the error text; the others still run', { timeout: 5 * 60_000 }, () => {
  const dir = tempDir('fmnist-nb-');
  const nbDir = path.join(dir, 'notebooks');
  mkdirSync(nbDir);
  writeFileSync(path.join(nbDir, '01-ok.ipynb'), notebook(['const a: number = 1;', 'a + 1']));
  writeFileSync(path.join(nbDir, '02-broken.ipynb'), notebook(['const b = 2;', "const c: number = 'not a number';", 'b']));
  writeFileSync(path.join(nbDir, '03-throws.ipynb'), notebook(["throw new Error('the data folder is empty');"]));
  const out = path.join(dir, 'out');
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'report', 'cli.js')], {
    cwd: ROOT,
    env: { ...process.env, REPORT_SCALE: 'smoke', REPORT_OUT_DIR: out, REPORT_NOTEBOOKS_DIR: nbDir, FMNIST_CACHE_DIR: path.join(dir, 'cache') },
    encoding: 'utf8',
  });
  assert.equal(run.status, 1, run.stdout + run.stderr);
  assert.match(run.stdout, /01-ok: ok/);
  assert.match(run.stdout, /02-broken: FAILED at cell 2/);
  assert.match(run.stdout, /Type 'string' is not assignable to type 'number'/);
  assert.match(run.stdout, /03-throws: FAILED at cell 1/);
  assert.match(run.stdout, /the data folder is empty/);
  assert.match(run.stdout, /1\/3 notebooks ok/);
  const index = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(index, /failed at cell 2/);
  assert.ok(existsSync(path.join(out, '02-broken.html')), 'the failing notebook is still exported, outputs up to the error');
  // The first line of every page says what it holds.
  const first = (f: string) => readFileSync(path.join(out, f), 'utf8').split('\n', 1)[0]!;
  assert.equal(first('01-ok.html'), '<!-- fmnist-cluster-report: complete run, 2 of 2 code cells -->');
  assert.match(first('02-broken.html'), /^<!-- fmnist-cluster-report: INCOMPLETE run: stopped at cell 2 of 3 \(.*Type 'string' is not assignable/);
  assert.match(readFileSync(path.join(out, '02-broken.html'), 'utf8'), /<body[^>]*><div style="border:2px solid #b00[^>]*>INCOMPLETE run: stopped at cell 2 of 3/);
  assert.equal(first('index.html'), '<!-- fmnist-cluster-report: complete report run: 1 of 3 notebooks ok -->');
});
