import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { variantFlags, testRowsNmi } from '../../src/bench/cases/n2d-variants.js';
import { nmi } from '../../src/metrics/nmi.js';
import { createRandom } from '../../src/util/random.js';

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

test("a case's own flags: listed, passed to it; unknown, valueless or misplaced ones are refused", () => {
  const list = spawnSync(process.execPath, [CLI, '--list'], { encoding: 'utf8' });
  assert.match(list.stdout, /^n2d-protocol\t.*\(runs only when named\) --minutes: .* --epochs: /m);
  const unknown = spawnSync(process.execPath, [CLI, 'n2d-protocol', '--hours', '2'], { encoding: 'utf8' });
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option --hours: expected --repeat N, --no-reference, --list or a case's flag \(.*--minutes/);
  const valueless = spawnSync(process.execPath, [CLI, 'n2d-protocol', '--minutes'], { encoding: 'utf8' });
  assert.equal(valueless.status, 2);
  assert.match(valueless.stderr, /--minutes takes a value \(e\.g\. --minutes 60\)/);
  const misplaced = spawnSync(process.execPath, [CLI, 'load-data', '--minutes', '5'], { encoding: 'utf8' });
  assert.equal(misplaced.status, 2);
  assert.match(misplaced.stderr, /Option --minutes belongs to none of the cases run \(load-data\)/);
});

test("n2d-protocol at smoke scale: a budgeted piece stops at an epoch's end with a checkpoint, the next finishes and clusters over 5 seeds against 0.684", { timeout: 10 * 60_000 }, () => {
  const env = { ...process.env, REPORT_SCALE: 'smoke', FMNIST_CACHE_DIR: tempDir('fmnist-cache-') };
  const piece = (...flags: string[]) => {
    const run = spawnSync(process.execPath, [CLI, 'n2d-protocol', '--no-reference', ...flags], { encoding: 'utf8', env });
    assert.equal(run.status, 0, run.stderr);
    return JSON.parse(run.stdout.trim()) as Record<string, any>;
  };
  const bad = spawnSync(process.execPath, [CLI, 'n2d-protocol', '--minutes', 'soon'], { encoding: 'utf8', env });
  assert.equal(bad.status, 1);
  assert.match(bad.stdout, /--minutes takes a number of minutes > 0, got 'soon'/);

  const first = piece('--epochs', '2');
  assert.equal(first.case, 'n2d-protocol');
  assert.deepEqual([first.scale, first.images, first.training.epochs, first.training.batchSize, first.training.seed, first.training.architecture], ['smoke', 600, 3, 256, 0, '784-500-500-2000-10']);
  assert.deepEqual([first.stopped, first.epochsBefore, first.epochsAfter], ['budget', 0, 2]);
  assert.ok(first.secondsPerEpoch > 0 && first.finalLoss > 0 && first.trainingSeconds > 0);
  assert.ok(typeof first.machine.cpu === 'string' && first.machine.cores >= 1);
  assert.equal(first.loadAverage.start.length, 3);
  assert.match(first.next, /^1 epoch to go: run the command again/);
  assert.equal(first.clustering, undefined);

  const second = piece();
  assert.deepEqual([second.stopped, second.epochsBefore, second.epochsAfter], ['complete', 2, 3]);
  const c = second.clustering;
  assert.deepEqual(c.seeds, [0, 1, 2, 3, 4]);
  assert.deepEqual(c.perSeed.map((s: { seed: number }) => s.seed), [0, 1, 2, 3, 4]);
  assert.equal(c.publishedNmi, 0.684);
  assert.ok(c.nmi.median > 0.2 && c.nmi.median < 1 && c.nmi.sd >= 0);
  assert.deepEqual(c.umap, { nComponents: 10, nNeighbors: 20, minDist: 0 });

  // The clustering variants on the completed protocol's codes, here on the test images with two seeds.
  const variants = spawnSync(process.execPath, [CLI, 'n2d-variants', '--no-reference', '--images', 'test', '--variants', 'paper,consensus-5', '--seeds', '0,1'], { encoding: 'utf8', env });
  assert.equal(variants.status, 0, variants.stderr);
  const v = JSON.parse(variants.stdout.trim()) as Record<string, any>;
  assert.match(v.codes, /N2D's paper protocol/);
  assert.deepEqual(v.results.map((r: any) => [r.variant, r.images, r.scored, r.perSeed.length]), [['paper', 'test', 100, 2], ['consensus-5', 'test', 100, 2]]);
  const voted = v.results[1];
  assert.equal(voted.perSeed[0].memberNmi.length, 5);
  assert.ok(voted.perSeed.every((s: any) => s.agreement > 0 && s.agreement <= 1 && s.nmi > 0.2));
  assert.equal(voted.cost, '5 UMAP + 5 GMM fits per seed');
});

test('n2d-variants: its flags are checked before anything runs', () => {
  const known = ['paper', 'gmm-10-starts', 'consensus-5'];
  assert.deepEqual(variantFlags({}, known), { codes: 'protocol', images: ['all', 'test'], variants: known });
  assert.deepEqual(variantFlags({ codes: 'report', images: 'test', variants: 'consensus-5', seeds: '3,4' }, known), { codes: 'report', images: ['test'], variants: ['consensus-5'], seeds: [3, 4] });
  assert.throws(() => variantFlags({ codes: 'dense' }, known), /--codes takes 'protocol' .* or 'report' .*, got 'dense'/);
  assert.throws(() => variantFlags({ images: 'train' }, known), /--images takes 'all', 'test' or 'both', got 'train'/);
  assert.throws(() => variantFlags({ variants: 'paper,vote' }, known), /--variants takes names among paper, gmm-10-starts, consensus-5/);
  assert.throws(() => variantFlags({ seeds: '1,1' }, known), /--seeds takes distinct whole numbers/);
});

test('n2d-variants: the test rows of a fit on all images are scored on their own', () => {
  // Train rows first, then test rows, as the protocol concatenates them.
  const rng = createRandom(7);
  const trainPred = Array.from({ length: 300 }, () => rng.int(10));
  const testTrue = Array.from({ length: 120 }, () => rng.int(10));
  const testPred = testTrue.map((l) => (rng.next() < 0.7 ? (l + 3) % 10 : rng.int(10)));
  const all = Int32Array.from([...trainPred, ...testPred]);
  assert.equal(testRowsNmi(all, Uint8Array.from(testTrue)), nmi(testTrue, testPred));
  assert.ok(testRowsNmi(all, Uint8Array.from(testTrue)) > 0.3 && testRowsNmi(all, Uint8Array.from(testTrue)) < 1);
  assert.equal(testRowsNmi([5, 5, 0, 0, 1, 1], [3, 3, 7, 7]), 1);
  assert.throws(() => testRowsNmi([0, 1], [0, 1, 2]), /needs the predictions of all images \(train then test\): got 2 for 3 test labels/);
});
