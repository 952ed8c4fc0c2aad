import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadResults, medianRun, recordResult, ResultStore, spreadOf } from '../../src/experiment/results.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeResult } from './helpers.js';

test('results are recorded by id (a rerun replaces its row, a variant gets its own), one table per scale', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'smoke', root });
  assert.equal(store.file, path.join(root, 'results', 'smoke.jsonl'));
  assert.deepEqual(store.load(), [], 'no file yet: no results');
  const r = fakeResult('kmeans-raw', [0.5, 0.52], { scale: 'smoke' });
  store.record(r);
  recordResult(store, fakeResult('ae-gmm', [0.58], { scale: 'smoke' }));
  store.record(fakeResult('kmeans-raw', [0.45], { id: 'kmeans-raw~k=5', label: 'variant', diff: ['k = 5'], scale: 'smoke' }));
  const all = store.record({ ...r, nmi: 0.6 });
  assert.deepEqual(all.map((x) => x.id), ['ae-gmm', 'kmeans-raw~k=5', 'kmeans-raw']);
  assert.deepEqual(loadResults(store), all);
  assert.equal(all.find((x) => x.id === 'kmeans-raw')!.nmi, 0.6);
  assert.equal(all.find((x) => x.id === 'kmeans-raw~k=5')!.nmi, 0.45, 'the variant did not overwrite the report run');
  assert.deepEqual(new ResultStore({ scale: 'full', root }).load(), [], 'another scale has its own table');
  store.clear();
  assert.deepEqual(store.load(), []);
});

test('a corrupt results table of an earlier version, or one of another format, is reported with its file and skipped, never thrown or overwritten', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'smoke', root });
  mkdirSync(path.dirname(store.legacyFile), { recursive: true });
  writeFileSync(store.legacyFile, '{"format": "fmnist-cluster-results-v2", "results": [');
  let read = store.read();
  assert.deepEqual(read.results, []);
  assert.equal(read.problems[0]!.file, store.legacyFile);
  assert.match(read.problems[0]!.message, /not JSON .*delete it and rerun the notebooks/);
  // The table of an older version (a bare array, or another format tag).
  writeFileSync(store.legacyFile, JSON.stringify([{ id: 'kmeans-raw', variant: 'report', nmi: 0.5 }]));
  assert.match(store.read().problems[0]!.message, /not a table of format fmnist-cluster-results-v2 .*delete it/);
  writeFileSync(store.legacyFile, JSON.stringify({ format: 'fmnist-cluster-results-v1', results: [] }));
  read = store.read();
  assert.match(read.problems[0]!.message, /not a table of format fmnist-cluster-results-v2/);
  store.record(fakeResult('kmeans-raw', [0.5], { scale: 'smoke' }));
  assert.match(readFileSync(`${store.legacyFile}.migrated`, 'utf8'), /results-v1/, 'kept aside, not destroyed');
  assert.deepEqual(store.load().map((r) => r.id), ['kmeans-raw']);
});

test('the store follows REPORT_SCALE and FMNIST_CACHE_DIR by default', () => {
  const root = tempDir();
  const saved = { scale: process.env.REPORT_SCALE, cache: process.env.FMNIST_CACHE_DIR };
  try {
    process.env.REPORT_SCALE = 'smoke';
    process.env.FMNIST_CACHE_DIR = root;
    assert.equal(new ResultStore().file, path.join(root, 'results', 'smoke.jsonl'));
  } finally {
    for (const [k, v] of [['REPORT_SCALE', saved.scale], ['FMNIST_CACHE_DIR', saved.cache]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
});

test('spreadOf: mean, sample sd (0 for one value), min, max; medianRun: lower middle by NMI', () => {
  const s = spreadOf([0.5, 0.6, 0.7]);
  assert.ok(Math.abs(s.mean - 0.6) < 1e-12 && Math.abs(s.sd - 0.1) < 1e-12);
  assert.deepEqual([s.min, s.max], [0.5, 0.7]);
  assert.equal(spreadOf([0.4]).sd, 0);
  assert.throws(() => spreadOf([]), /at least one value/);
  const runs = [{ seed: 0, nmi: 0.7 }, { seed: 1, nmi: 0.5 }, { seed: 2, nmi: 0.6 }, { seed: 3, nmi: 0.4 }];
  assert.equal(medianRun(runs).seed, 1, 'even count: the lower middle (0.5)');
  assert.equal(medianRun(runs.slice(0, 3)).seed, 2);
  assert.throws(() => medianRun([]), /at least one run/);
});
