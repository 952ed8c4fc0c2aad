/**
 * The results store loses nothing and accepts only what it can summarise: concurrent writer
 * processes, torn and malformed lines, the legacy table, scales, and seeds that were ignored.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { identicalSeedLabels, labelsFingerprint, ResultStore, RESULTS_FORMAT, type PipelineResult } from '../../src/experiment/results.js';
import { conclusion, summaryRows } from '../../src/experiment/summary.js';
import { renderIndexPage } from '../../src/report/index-page.js';
import { tempDir } from '../helpers/tmp.js';
import { fakeResult, toyExperiment } from './helpers.js';
import { KMeans } from '../../src/cluster/index.js';

const WORKER = path.join(__dirname, 'record-worker.ts');

function runWriter(root: string, writer: number, count: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', WORKER, root, String(writer), String(count)], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`writer ${writer} exited with ${code}: ${err}`))));
  });
}

test('4 processes × 200 records at once: every record is found, none torn', { timeout: 240_000 }, async () => {
  const root = tempDir();
  await Promise.all([0, 1, 2, 3].map((w) => runWriter(root, w, 200)));
  const store = new ResultStore({ scale: 'smoke', root });
  const { results, problems } = store.read();
  assert.deepEqual(problems, []);
  assert.equal(results.length, 800);
  for (let w = 0; w < 4; w++) {
    for (let i = 0; i < 200; i++) assert.ok(results.some((r) => r.id === `w${w}-${i}`), `w${w}-${i} is missing`);
  }
  assert.equal(readFileSync(store.file, 'utf8').split('\n').filter(Boolean).length, 800, 'one line per record');
  assert.ok(!existsSync(store.lockFile), 'the lock is released');
});

test('a torn last line (a killed writer) is skipped and reported; the next record is not swallowed by it', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'smoke', root });
  store.record(fakeResult('kmeans-raw', [0.5], { scale: 'smoke' }));
  appendFileSync(store.file, `{"format":"${RESULTS_FORMAT}","result":{"id":"ae-gm`);
  let read = store.read();
  assert.deepEqual(read.results.map((r) => r.id), ['kmeans-raw']);
  assert.equal(read.problems.length, 1);
  assert.equal(read.problems[0]!.line, 2);
  assert.match(read.problems[0]!.message, /incomplete last line \(a writer was killed/);
  store.record(fakeResult('ae-gmm', [0.58], { scale: 'smoke' }));
  read = store.read();
  assert.deepEqual(read.results.map((r) => r.id), ['kmeans-raw', 'ae-gmm'], 'the record after the torn line is whole');
  assert.equal(read.problems.length, 1);
  assert.match(read.problems[0]!.message, /not JSON/);
});

test('one malformed entry is reported with file and line and skipped; the summary and index still build', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'full', root });
  store.record(fakeResult('kmeans-raw', [0.5, 0.52]));
  const bad = { ...fakeResult('ae-gmm', [0.58]) } as Record<string, unknown>;
  delete bad.spread;
  appendFileSync(store.file, JSON.stringify({ format: RESULTS_FORMAT, result: bad }) + '\n');
  appendFileSync(store.file, 'not json at all\n');
  store.record(fakeResult('n2d', [0.6]));
  const { results, problems } = store.read();
  assert.deepEqual(results.map((r) => r.id), ['kmeans-raw', 'n2d']);
  assert.deepEqual(problems.map((p) => [p.file, p.line]), [[store.file, 2], [store.file, 3]]);
  assert.match(problems[0]!.message, /result 'ae-gmm': spread must be an object, got nothing \(the field is missing\); skipped/);
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.message);
  process.on('warning', onWarning);
  const loaded = store.load();
  assert.equal(loaded.length, 2);
  assert.doesNotThrow(() => summaryRows(loaded));
  assert.doesNotThrow(() => conclusion(loaded, 'full'));
  assert.doesNotThrow(() => renderIndexPage({ scale: 'full', runs: [], results: loaded, generatedAt: new Date() }));
  // emitWarning is asynchronous: the listener has run by the next turn of the event loop.
  return new Promise<void>((resolve) => setImmediate(() => {
    process.off('warning', onWarning);
    assert.ok(warnings.some((w) => w.includes(`${store.file}, line 2: result 'ae-gmm'`)), warnings.join('\n'));
    assert.ok(warnings.some((w) => w.includes(`${store.file}, line 3: not JSON`)), warnings.join('\n'));
    resolve();
  }));
});

test('the legacy <scale>.json table is read, a malformed entry in it named by entry, and it is migrated by the next write', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'full', root });
  mkdirSync(path.dirname(store.legacyFile), { recursive: true });
  const old = [fakeResult('kmeans-raw', [0.5]), { id: 'ae-gmm', nmi: 0.5 }, fakeResult('n2d', [0.6])];
  writeFileSync(store.legacyFile, JSON.stringify({ format: 'fmnist-cluster-results-v2', results: old }, null, 1));
  let read = store.read();
  assert.deepEqual(read.results.map((r) => r.id), ['kmeans-raw', 'n2d']);
  assert.equal(read.problems.length, 1);
  assert.equal(read.problems[0]!.file, store.legacyFile);
  assert.match(read.problems[0]!.message, /entry 2: result 'ae-gmm': pipeline must be a string/);
  store.record(fakeResult('n2d', [0.7]));
  assert.ok(!existsSync(store.legacyFile) && existsSync(`${store.legacyFile}.migrated`), 'the legacy table is moved aside');
  read = store.read();
  assert.deepEqual(read.results.map((r) => [r.id, r.nmi]), [['kmeans-raw', 0.5], ['n2d', 0.7]]);
  assert.deepEqual(read.problems, []);
  // A corrupt legacy table is reported, not thrown; the log still works.
  writeFileSync(store.legacyFile, '{"format": "fmnist-cluster-results-v2", "results": [');
  read = store.read();
  assert.equal(read.results.length, 2);
  assert.match(read.problems[0]!.message, /not JSON .*the whole table is skipped/);
});

test('the store refuses a result of another scale and an unknown scale', () => {
  const root = tempDir();
  const full = new ResultStore({ scale: 'full', root });
  assert.throws(() => full.record(fakeResult('kmeans-raw', [0.5], { scale: 'smoke' })),
    (err: Error) => err instanceof RangeError && /is of scale "smoke" but this store holds scale 'full'/.test(err.message) && /new ResultStore\(\{ scale: 'smoke' \}\)/.test(err.message));
  assert.ok(!existsSync(full.file), 'nothing written');
  assert.throws(() => new ResultStore({ scale: 'medium' as 'full', root }), (err: Error) => err instanceof RangeError && /scale must be one of 'smoke', 'full', got "medium"/.test(err.message));
  assert.throws(() => full.record({ id: 'x', scale: 'full' } as unknown as PipelineResult), (err: Error) => err instanceof TypeError && /Nothing was written/.test(err.message));
  // A smoke record smuggled into the full log is skipped on read, never summarised.
  full.record(fakeResult('kmeans-raw', [0.5]));
  appendFileSync(full.file, JSON.stringify({ format: RESULTS_FORMAT, result: fakeResult('n2d', [0.9], { scale: 'smoke' }) }) + '\n');
  const { results, problems } = full.read();
  assert.deepEqual(results.map((r) => r.id), ['kmeans-raw']);
  assert.match(problems[0]!.message, /of scale 'smoke', not this file's 'full'/);
});

test('a cache root that is a file is refused when the store is made, before any clustering', () => {
  const root = tempDir();
  const file = path.join(root, 'cache');
  writeFileSync(file, 'x');
  assert.throws(() => new ResultStore({ scale: 'full', root: file }), /ResultStore: the results folder .*cache\/results cannot exist: a part of the path above it is a file, not a folder/);
  const saved = process.env.FMNIST_CACHE_DIR;
  try {
    process.env.FMNIST_CACHE_DIR = file;
    assert.throws(() => new ResultStore({ scale: 'full' }), /Point FMNIST_CACHE_DIR at a folder/);
  } finally {
    if (saved === undefined) delete process.env.FMNIST_CACHE_DIR;
    else process.env.FMNIST_CACHE_DIR = saved;
  }
  mkdirSync(path.join(root, 'ok', 'results'), { recursive: true });
  writeFileSync(path.join(root, 'ok', 'results', 'full.jsonl'), '');
  assert.deepEqual(new ResultStore({ scale: 'full', root: path.join(root, 'ok') }).load(), []);
});

test('seeds that all predicted the same labels are flagged in the record and noted in the conclusion', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'full', root });
  const same = labelsFingerprint(Int32Array.from([0, 1, 1, 2]));
  assert.equal(labelsFingerprint([0, 1, 1, 2]), same, 'number[] and Int32Array of the same labels agree');
  assert.notEqual(labelsFingerprint([1, 0, 0, 2]), same, 'a permutation of the ids is another labelling');
  const ignored = fakeResult('kmeans-raw', [0.5, 0.5, 0.5]);
  const runs = ignored.runs.map((r) => ({ ...r, labelsHash: same }));
  const honoured = fakeResult('ae-gmm', [0.5, 0.6]);
  const runs2 = honoured.runs.map((r, i) => ({ ...r, labelsHash: labelsFingerprint([i, 0]) }));
  assert.equal(identicalSeedLabels(runs), true);
  assert.equal(identicalSeedLabels(runs2), false);
  assert.equal(identicalSeedLabels(runs.slice(0, 1)), false, 'one seed proves nothing');
  assert.equal(identicalSeedLabels(ignored.runs), false, 'no fingerprints: not judged');
  const table = store.record({ ...ignored, runs });
  store.record({ ...honoured, runs: runs2 });
  assert.equal(table.find((r) => r.id === 'kmeans-raw')!.identicalSeedLabels, true);
  const loaded = store.load();
  assert.equal(loaded.find((r) => r.id === 'ae-gmm')!.identicalSeedLabels, false);
  assert.deepEqual(summaryRows(loaded).map((r) => r.identicalSeedLabels), [true, false]);
  const text = conclusion(loaded, 'full');
  assert.match(text, /Seed probably ignored: K-Means on raw pixels, the report's settings \(3 seeds\): every seed predicted exactly the same labels/);
  assert.doesNotMatch(text, /Seed probably ignored:.*autoencoder.*GMM/i);
});

test('a dead writer\'s lock is broken; a live one is waited for, then a clear error names the lock file', () => {
  const root = tempDir();
  const store = new ResultStore({ scale: 'smoke', root, lockTimeoutMs: 300 });
  mkdirSync(path.dirname(store.file), { recursive: true });
  // pid 2^22 + 1 is above Linux's pid_max default: no such process.
  writeFileSync(store.lockFile, `${2 ** 22 + 1} ${require('node:os').hostname()} deadbeef ${Date.now()}`);
  store.record(fakeResult('kmeans-raw', [0.5], { scale: 'smoke' }));
  assert.equal(store.load().length, 1);
  assert.ok(!existsSync(store.lockFile));
  writeFileSync(store.lockFile, `${process.ppid} ${require('node:os').hostname()} cafe ${Date.now()}`);
  assert.throws(() => store.record(fakeResult('n2d', [0.5], { scale: 'smoke' })), (err: Error) => err.message.includes(store.lockFile) && /If no notebook or report is running, delete that file/.test(err.message));
  assert.ok(existsSync(store.lockFile), 'a live writer\'s lock is left alone');
  // An empty lock (a writer killed between creating and writing it) is broken once it is old.
  writeFileSync(store.lockFile, '');
  assert.throws(() => store.record(fakeResult('n2d', [0.5], { scale: 'smoke' })), /is held by another writer/, 'a fresh empty lock may be one being written');
  const old = (Date.now() - 60_000) / 1000;
  utimesSync(store.lockFile, old, old);
  store.record(fakeResult('n2d', [0.5], { scale: 'smoke' }));
  assert.deepEqual(store.load().map((r) => r.id), ['kmeans-raw', 'n2d']);
});

test('Experiment.cluster: a make(seed) that ignores its seed is flagged in the recorded result', () => {
  const { exp, store, inputs } = toyExperiment();
  const ignoring = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make: () => new KMeans({ nClusters: 3, nInit: 1, seed: 7, engine: 'js' }) });
  assert.equal(ignoring.result.runs.length, 3);
  assert.ok(ignoring.result.runs.every((r) => typeof r.labelsHash === 'string' && r.labelsHash.length === 16), 'each seed\'s labels are fingerprinted');
  const recorded = store.load().find((r) => r.id === ignoring.result.id)!;
  assert.equal(recorded.identicalSeedLabels, true);
  assert.match(conclusion(store.load(), 'smoke'), /Seed probably ignored: K-Means on raw pixels/);
});
