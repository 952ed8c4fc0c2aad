/**
 * Issue 8's "Done when": in notebook 02, changing k from 10 to 5 and rerunning must be recorded and
 * summarised as a variant (k = 5), never as the report's settings, and the summary of a project
 * where only 02 has run must say which notebooks have not.
 */
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { GaussianMixture, KMeans } from '../../src/cluster/index.js';
import { ArtifactStore } from '../../src/experiment/artifacts.js';
import { CACHE_ENV } from '../../src/util/paths.js';
import { stratifiedSubset } from '../../src/data/index.js';
import { consensusMemberSeeds, Experiment, unitLength, type Clusterer, type Preprocessor } from '../../src/experiment/experiment.js';
import { createRandom } from '../../src/util/random.js';
import { n2dDenseTraining } from '../../src/experiment/n2d-autoencoder.js';
import { autoencoderCodes, isAutoencoderCached, type ExperimentData } from '../../src/experiment/pipeline.js';
import { ResultStore } from '../../src/experiment/results.js';
import { SCALES, type ScaleSettings } from '../../src/experiment/scale.js';
import { conclusion, summaryRows } from '../../src/experiment/summary.js';
import { initBackend } from '../../src/tf/backend.js';
import { fashionTestSplit } from '../helpers/fmnist.js';
import { tempDir } from '../helpers/tmp.js';
import { toyExperiment } from './helpers.js';

/** Smoke scale on 500 real test images (another 500 as "train"), two seeds, one K-Means start. */
const SETTINGS: ScaleSettings = { ...SCALES.smoke, trainImages: 500, testImages: 500, nInit: 1, seeds: [0, 1] };

async function smallExperimentData(): Promise<ExperimentData | undefined> {
  const all = await fashionTestSplit();
  return all && { train: stratifiedSubset(all, 500, 1), test: stratifiedSubset(all, 500, 0), settings: SETTINGS };
}

/** Notebook 02's experiment on the small data with a fresh results store; skips the test when the data is not installed. */
async function notebook02(t: TestContext) {
  const data = await smallExperimentData();
  if (!data) {
    t.skip('Fashion-MNIST not installed (see src/data)');
    return undefined;
  }
  await initBackend();
  const store = new ResultStore({ scale: 'smoke', root: tempDir() });
  return { data, store, exp: new Experiment('02-kmeans', data, { store }), pixels: { train: data.train.images, test: data.test.images } };
}

/** Notebook 02's config cell: the report's K-Means at this scale. */
const reportKMeans = { nClusters: 10, init: 'kmeans++' as const, nInit: SETTINGS.nInit, maxIter: 300, tol: 1e-4 };

test('k = 5 in notebook 02 is recorded and summarised as a variant, beside (not over) the report\'s run', async (t) => {
  const setup = await notebook02(t);
  if (!setup) return;
  const { store, exp, pixels } = setup;

  const report = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: pixels, make: (seed) => new KMeans({ ...reportKMeans, seed }) });
  assert.equal(report.result.label, 'report');
  assert.equal(report.result.id, 'kmeans-raw');
  assert.equal(report.title, "K-Means on raw pixels — the report's settings");

  // The user edits the config cell (nClusters: 5) and reruns the cell, still meaning the report's step.
  const k5 = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: pixels, make: (seed) => new KMeans({ ...reportKMeans, nClusters: 5, seed }) });
  const r = k5.result;
  assert.equal(r.label, 'variant');
  assert.equal(r.settings.nClusters, 5, 'the setting is read from the fitted estimator');
  assert.equal(r.settings.estimator, 'KMeans');
  assert.ok(r.diff.includes('k = 5'), `diff: ${r.diff.join(', ')}`);
  assert.equal(r.description, "variant of the report's settings: k = 5");
  assert.notEqual(r.id, 'kmeans-raw');
  assert.match(k5.title, /variant/);
  assert.doesNotMatch(k5.title, /— the report's settings$/);
  assert.equal(k5.evaluation.contingency.cols, 5, 'five clusters in the median run');
  assert.deepEqual(r.runs.map((x) => x.seed), [0, 1]);
  assert.ok(r.spread.nmi.min <= r.nmi && r.nmi <= r.spread.nmi.max);
  assert.deepEqual([r.scale, r.testImages, r.notebook], ['smoke', 500, '02-kmeans']);

  // Both runs are in the table; the report's run is untouched.
  const results = store.load();
  assert.deepEqual(results.map((x) => x.id).sort(), ['kmeans-raw', r.id].sort());
  assert.deepEqual(results.find((x) => x.id === 'kmeans-raw')!.runs, report.result.runs);
  // Rerunning k = 5 replaces the variant's row, not the report's.
  exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: pixels, make: (seed) => new KMeans({ ...reportKMeans, nClusters: 5, seed }) });
  assert.equal(store.load().length, 2);

  // The summary table shows it as a variant.
  const rows = summaryRows(results);
  const row = rows.find((x) => x.id === r.id)!;
  assert.equal(row.label, 'variant');
  assert.equal(row.setting, "variant of the report's settings: k = 5");
  assert.equal(rows.filter((x) => x.label === 'report').map((x) => x.id).join(), 'kmeans-raw');

  // The conclusion: only 02 ran; the variant is listed apart and gets no verdict.
  const text = conclusion(results, 'smoke');
  assert.match(text, /Not run at scale 'smoke' yet: 04-ae-kmeans, 05-ae-gmm, 07-n2d\./);
  assert.doesNotMatch(text, /three pipelines/);
  assert.match(text, /Of the 1 pipeline recorded/);
  const ms = (s: { mean: number; sd: number }) => `${s.mean.toFixed(3)} ± ${s.sd.toFixed(3)}`;
  assert.match(text, new RegExp(`K-Means on raw pixels with the report's settings: NMI ${ms(report.result.spread.nmi)} vs the published 0\\.516`));
  const variantLines = text.split('\n').filter((l) => l.includes(ms(r.spread.nmi)) && l.includes('k = 5'));
  assert.equal(variantLines.length, 1, 'the k = 5 run is named once');
  assert.match(variantLines[0]!, /^Variants \(settings that are neither the report's nor our named improvements, so not compared with the published figures\)/);
  assert.doesNotMatch(text, /best by mean NMI[^\n]*k = 5/, 'a variant is never the best pipeline');
});

test('with only the k = 5 run recorded, nothing is presented as the report\'s settings', async (t) => {
  const setup = await notebook02(t);
  if (!setup) return;
  const { store, exp, pixels } = setup;
  const k5 = exp.cluster({
    pipeline: 'kmeans-raw', intent: 'report', inputs: pixels, seeds: [0],
    make: (seed) => new KMeans({ ...reportKMeans, nClusters: 5, seed }),
  });
  assert.equal(k5.result.label, 'variant');
  const text = conclusion(store.load(), 'smoke');
  assert.doesNotMatch(text, /the best by mean NMI/, 'no ranking from variants alone');
  assert.doesNotMatch(text, /with the report's settings/);
});

test('the improved setting (unit-length rows) is recorded under its own id with its preprocessing', async (t) => {
  const setup = await notebook02(t);
  if (!setup) return;
  const { store, exp, pixels } = setup;
  const cosine = exp.cluster({ pipeline: 'kmeans-raw', intent: 'improved', inputs: pixels, preprocessing: unitLength(), seeds: [0], make: (seed) => new KMeans({ ...reportKMeans, seed }) });
  assert.deepEqual([cosine.result.label, cosine.result.id, cosine.result.settings.preprocessing], ['improved', 'kmeans-raw-improved', 'unit-length rows']);
  const row = cosine.transformed.labelled.data.subarray(0, 784);
  assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-5, 'the clusterer saw unit-length rows');
  const onTrain = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', protocol: 'train', inputs: pixels, seeds: [0], make: (seed) => new KMeans({ ...reportKMeans, seed }) });
  assert.deepEqual([onTrain.result.label, onTrain.result.id, onTrain.result.protocol], ['report', 'kmeans-raw-train', 'train']);
  assert.equal(onTrain.evaluation.labelsPred.length, 500, 'fit on train, labels the test images');
  const half = { data: pixels.test.data.subarray(0, 250 * 784), rows: 250, cols: 784 };
  const make = (seed: number) => new KMeans({ ...reportKMeans, seed });
  assert.throws(() => exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: { train: pixels.train, test: half }, make }),
    /cluster: the test inputs have 250 rows but there are 500 test labels; pass the inputs of this experiment's data/);
  assert.throws(() => exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: pixels, seeds: [], make }), /at least one seed/);
  assert.throws(() => exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', make }), /pass `inputs`/);
  assert.equal(store.load().length, 2, 'failed steps record nothing');
});

test('protocols: test fits and labels the test points, train fits on train and labels test, all fits and labels both', () => {
  const { exp, store, inputs } = toyExperiment();
  const make = (seed: number) => new KMeans({ nClusters: 3, nInit: 1, seed, engine: 'js' });
  const onTest = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make });
  const onTrain = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', protocol: 'train', inputs, make });
  const onAll = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', protocol: 'all', inputs, make });
  assert.deepEqual([onTest.transformed.fit.rows, onTest.evaluation.labelsPred.length], [24, 24]);
  assert.deepEqual([onTrain.transformed.fit.rows, onTrain.evaluation.labelsPred.length], [30, 24]);
  assert.deepEqual([onAll.transformed.fit.rows, onAll.evaluation.labelsPred.length], [54, 54]);
  for (const r of [onTest, onTrain, onAll]) assert.equal(r.evaluation.acc, 1, `${r.result.protocol}: the blobs are found`);
  const ids = [onTest, onTrain, onAll].map((r) => r.result.id);
  assert.equal(new Set(ids).size, 3, `one row per protocol: ${ids.join(', ')}`);
  assert.ok(ids[1]!.includes('-train') && ids[2]!.includes('-all'));
  assert.equal(onAll.result.scoredImages, 54);
  assert.match(onAll.result.name, /all train \+ test images/);
  const rows = summaryRows(store.load());
  assert.deepEqual(rows.map((r) => r.protocol), ['test', 'train', 'all']);
  assert.equal(rows[2]!.images, 'all 54 (train + test)');
  assert.equal(rows[0]!.images, '30 train / 24 test');
  // The train inputs must match the train labels too.
  assert.throws(() => exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs: { train: inputs.test, test: inputs.test }, make }),
    /cluster: the train inputs have 24 rows but there are 30 train labels/);
});

test('a seeded preprocessor is refitted for every seed with that seed; an unseeded one is fitted once', () => {
  const { exp, inputs } = toyExperiment();
  const make = (seed: number) => new KMeans({ nClusters: 3, nInit: 1, seed, engine: 'js' });
  const fits: (number | undefined)[] = [];
  const recorder = (seeded: boolean): Preprocessor => ({ name: seeded ? 'seeded' : 'plain', seeded, fit: (_x, seed) => { fits.push(seed); return (y) => y; } });
  const seeded = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, preprocessing: recorder(true) });
  assert.deepEqual(fits, [0, 1, 2]);
  assert.equal(seeded.result.settings.preprocessing, 'seeded');
  assert.equal(seeded.result.label, 'variant', 'another preprocessing is not the report\'s setting');
  fits.length = 0;
  exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, preprocessing: recorder(false) });
  assert.equal(fits.length, 1);
});

/** A clusterer that finds the toy blobs (by the sign of the coordinates) and then misplaces a seeded 35% of the points. */
function noisyBlobFinder(seed: number): Clusterer {
  return {
    options: { nClusters: 3, noise: 0.35 },
    fit: () => undefined,
    predict: (x) => {
      const rng = createRandom(seed);
      return Int32Array.from({ length: x.rows }, (_, i) => {
        const blob = x.data[2 * i]! > 5 ? 1 : x.data[2 * i + 1]! > 5 ? 2 : 0;
        return rng.next() < 0.35 ? rng.int(3) : (blob + seed) % 3; // other ids per seed too
      });
    },
  };
}

test('a consensus step: each seed votes over its own members (preprocessing refitted per member), recorded as a variant with its cost', () => {
  const { exp, store, inputs } = toyExperiment();
  const fits: (number | undefined)[] = [];
  const preprocessing: Preprocessor = { name: 'seeded', seeded: true, fit: (_x, seed) => { fits.push(seed); return (y) => y; } };
  const make = (seed: number) => new KMeans({ nClusters: 3, nInit: 1, seed, engine: 'js' });
  const plain = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, preprocessing, protocol: 'all' });
  fits.length = 0;
  const voted = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, preprocessing, protocol: 'all', consensus: { members: 3 } });
  assert.deepEqual(fits, [0, 1, 2, 3, 4, 5, 6, 7, 8], 'seeds 0, 1, 2 vote over members 0–2, 3–5, 6–8: no member shared');
  assert.deepEqual(consensusMemberSeeds(2, 3), [6, 7, 8]);
  assert.equal(voted.result.label, 'variant');
  assert.deepEqual(voted.result.diff.slice(-2), ['preprocessing = seeded', 'consensus of runs = 3']);
  assert.equal(voted.result.settings['consensus.members'], 3);
  assert.notEqual(voted.result.id, plain.result.id);
  assert.equal(store.load().length, 2, 'recorded beside the plain run, not over it');
  for (const run of voted.runs) {
    assert.equal(run.evaluation.acc, 1, 'the blobs are found');
    assert.deepEqual(run.consensus!.memberSeeds, consensusMemberSeeds(run.seed, 3));
    assert.equal(run.consensus!.agreement, 1);
    assert.equal(run.evaluation.labelsPred.length, 54);
  }
  assert.throws(() => exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, consensus: { members: 1 } }), /consensus\.members must be an integer >= 2/);
  assert.equal(store.load().length, 2, 'a refused consensus records nothing');
});

test('a consensus of noisy runs scores above its members, and its seconds are its members\' seconds', () => {
  const { exp, inputs } = toyExperiment();
  const run = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make: noisyBlobFinder, protocol: 'all', consensus: { members: 9 } });
  for (const r of run.runs) {
    const members = r.consensus!.memberNmi;
    assert.equal(members.length, 9);
    const median = [...members].sort((a, b) => a - b)[4]!;
    assert.ok(r.evaluation.nmi > median + 0.1, `seed ${r.seed}: consensus NMI ${r.evaluation.nmi.toFixed(3)}, members' median ${median.toFixed(3)}`);
    assert.ok(r.consensus!.agreement < 1);
    assert.ok(r.seconds >= r.consensus!.memberSeconds.reduce((a, b) => a + b, 0), 'one consensus labelling costs all its members');
  }
});

test("N2D's dense autoencoder: its codes are cached per model and runs on them are variants named by the architecture", async (t) => {
  const data = await smallExperimentData();
  if (!data) return t.skip('Fashion-MNIST not installed (see src/data)');
  await initBackend();
  const root = tempDir();
  const previous = process.env[CACHE_ENV];
  process.env[CACHE_ENV] = root;
  t.after(() => (previous === undefined ? delete process.env[CACHE_ENV] : (process.env[CACHE_ENV] = previous)));
  const training = n2dDenseTraining(SETTINGS);
  assert.deepEqual(training, { kind: 'dense', epochs: 2, batchSize: 256, learningRate: 0.001, seed: 0, hiddenSizes: [500, 500, 2000], codeSize: 10 });
  assert.equal(isAutoencoderCached(data, training), false);
  const store = new ArtifactStore('smoke', root);
  const codes = await autoencoderCodes(data, training, { store });
  assert.equal(codes.fromCache, false);
  assert.match(codes.modelKey, /^dense-ae-/);
  assert.equal(codes.architecture, 'dense 784-500-500-2000-10');
  assert.deepEqual([codes.train.rows, codes.train.cols, codes.test.rows, codes.test.cols], [500, 10, 500, 10]);
  assert.equal(isAutoencoderCached(data, training), true);
  const again = await autoencoderCodes(data, training, { store });
  assert.equal(again.fromCache, true);
  assert.deepEqual(again.test.data, codes.test.data);
  assert.equal(store.loadFloat32('codes-test', codes.modelKey), undefined, "the conv model's artifact names are not used");

  const exp = new Experiment('07-n2d', data, { store: new ResultStore({ scale: 'smoke', root }) });
  const run = exp.cluster({ pipeline: 'n2d', intent: 'improved', codes, make: (seed) => new GaussianMixture({ nComponents: 10, covarianceType: 'diag', seed }) });
  assert.equal(run.result.label, 'variant');
  assert.equal(run.result.settings['ae.architecture'], 'dense 784-500-500-2000-10');
  assert.ok(run.result.diff.includes('autoencoder = dense 784-500-500-2000-10'), run.result.diff.join('; '));
  assert.match(run.result.id, /^n2d-improved~.*autoencoder=dense784-500-500-2000-10/);
});
