import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

const CLI = path.resolve(__dirname, '..', '..', 'dist', 'bench', 'cli.js');

test('the bench runner prints one JSON line per case with the common keys (median of repeats)', () => {
  const run = spawnSync(process.execPath, [CLI, 'load-data', '--repeat', '2', '--no-reference'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.trim().split('\n');
  assert.equal(lines.length, 1);
  const line = JSON.parse(lines[0]!) as Record<string, unknown>;
  assert.equal(line.case, 'load-data');
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(line.backend as string));
  assert.equal(typeof line.seconds, 'number');
  assert.ok((line.peakRssMB as number) > 100);
  assert.equal((line.runs as number[]).length, 2);
  assert.equal(line.trainImages, 60000);
});

test('the bench runner lists its cases and rejects unknown ones and bad options', () => {
  const list = spawnSync(process.execPath, [CLI, '--list'], { encoding: 'utf8' });
  for (const name of ['load-data', 'ae-epoch', 'encode-10k', 'kmeans-raw-ninit1', 'kmeans-raw-ninit10', 'gmm-full-128', 'gmm-diag-128']) {
    assert.match(list.stdout, new RegExp(`^${name}\\t`, 'm'));
  }
  const unknown = spawnSync(process.execPath, [CLI, 'nope'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown bench case\(s\): nope/);
  const bad = spawnSync(process.execPath, [CLI, 'load-data', '--repeat', '0'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--repeat takes a whole number >= 1, got '0'/);
});

test('a reference that ran on other data is shown but gives no ratio', async () => {
  const { referenceKeys } = await import('../../src/bench/stats.js');
  const same = referenceKeys({ data: 'autoencoder codes' }, 2, [{ seconds: 5, data: 'autoencoder codes' }, { seconds: 3, data: 'autoencoder codes' }]);
  assert.equal(same.ratioToReference, 0.5);
  assert.equal((same.reference as { seconds: number }).seconds, 4);
  const other = referenceKeys({ data: 'autoencoder codes' }, 2, [{ seconds: 4, data: 'random projection of the pixels' }]);
  assert.equal(other.ratioToReference, null);
  assert.match(other.notComparable as string, /ours ran on autoencoder codes, the reference on random projection of the pixels/);
  assert.deepEqual(referenceKeys({}, 2, []), {});
  assert.equal(referenceKeys({}, 2, [{ seconds: 'failed' }]).ratioToReference, undefined);
});
