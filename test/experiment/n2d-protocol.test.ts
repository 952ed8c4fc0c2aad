/**
 * N2D's paper protocol (issue 19): its settings written once, the piece budget, and pieces of its
 * training — the smoke-sized protocol (600 images, 3 epochs) split by a budget into two — giving
 * the weights of one uninterrupted run, bit for bit, through the model cache; then its clustering
 * over seeds against the paper's NMI.
 */
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { loadFashionMnist } from '../../src/data/dataset.js';
import { stratifiedSubset } from '../../src/data/split.js';
import { initBackend } from '../../src/tf/backend.js';
import {
  budgetReached, isN2dProtocolComplete, n2dPaperProtocol, n2dProtocolCodes, n2dProtocolData, n2dProtocolMinutes, n2dProtocolScores, n2dProtocolStatus,
  runN2dProtocolClustering, trainN2dProtocol, N2D_PAPER_EPOCHS, n2dProtocolCheckpointCodes,
} from '../../src/experiment/n2d-protocol.js';
import { n2dDenseTraining } from '../../src/experiment/n2d-autoencoder.js';
import type { ExperimentData } from '../../src/experiment/pipeline.js';
import { scaleSettings, SCALES } from '../../src/experiment/scale.js';
import { LITERATURE_NMI } from '../../src/experiment/published.js';
import { identifyRun } from '../../src/experiment/settings.js';
import { stepSettings, n2dProtocolStep, N2D_CLUSTERING_VARIANTS, N2D_TRAINING_VARIANTS, trainN2dVariant, n2dProtocolVariant, N2D_VARIANT_MINUTES_ENV } from '../../src/experiment/index.js';
import { tempDir } from '../helpers/tmp.js';
import { weightsOf } from '../models/helpers.js';

let data: ExperimentData;

before(async () => {
  await initBackend();
  const { train, test } = await loadFashionMnist({ verify: false });
  // The smoke scale's sizes, as the notebooks take them (the protocol then takes 500 + 100 of these).
  data = { train: stratifiedSubset(train, SCALES.smoke.trainImages, 0), test: stratifiedSubset(test, SCALES.smoke.testImages, 0), settings: SCALES.smoke };
});

test("the paper's protocol: N2D's dense autoencoder on all images for 1,000 epochs, UMAP 10-d / 20 neighbours / minDist 0, GMM full, 5 seeds, against 0.684", () => {
  const full = n2dPaperProtocol(scaleSettings('full'));
  assert.deepEqual(full.training, { ...n2dDenseTraining(scaleSettings('full')), epochs: N2D_PAPER_EPOCHS });
  assert.deepEqual([full.trainImages, full.testImages, full.training.batchSize, full.training.learningRate, full.training.seed], [60000, 10000, 256, 0.001, 0]);
  assert.deepEqual(full.umap, { nComponents: 10, nNeighbors: 20, minDist: 0 });
  assert.deepEqual(full.gmm, { nComponents: 10, covarianceType: 'full' });
  assert.deepEqual(full.seeds, [0, 1, 2, 3, 4]);
  assert.equal(full.publishedNmi, LITERATURE_NMI.N2D);
  const smoke = n2dPaperProtocol(scaleSettings('smoke'));
  assert.deepEqual([smoke.trainImages, smoke.testImages, smoke.training.epochs, smoke.checkpointEvery], [500, 100, 3, 1]);
  // the full protocol keeps the official images in their order (the bench and notebook 07 share one cache entry)
  const p = n2dProtocolData(data, { ...smoke, trainImages: 3000, testImages: 1000 });
  assert.equal(p.train, data.train);
});

test('n2dProtocolMinutes: none at full scale unless $N2D_PROTOCOL_MINUTES says, no limit at smoke; bad values are refused', () => {
  assert.equal(n2dProtocolMinutes(scaleSettings('full'), {}), 0);
  assert.equal(n2dProtocolMinutes(scaleSettings('smoke'), {}), Infinity);
  assert.equal(n2dProtocolMinutes(scaleSettings('full'), { N2D_PROTOCOL_MINUTES: '60' }), 60);
  // the training variants' own variable, read the same way
  assert.equal(n2dProtocolMinutes(scaleSettings('full'), { N2D_PROTOCOL_MINUTES: '60' }, N2D_VARIANT_MINUTES_ENV), 0);
  assert.equal(n2dProtocolMinutes(scaleSettings('full'), { N2D_VARIANT_MINUTES: '30' }, N2D_VARIANT_MINUTES_ENV), 30);
  assert.throws(() => n2dProtocolMinutes(scaleSettings('full'), { N2D_VARIANT_MINUTES: '-1' }, N2D_VARIANT_MINUTES_ENV), /N2D_VARIANT_MINUTES must be a number of minutes >= 0/);
  assert.equal(n2dProtocolMinutes(scaleSettings('full'), { N2D_PROTOCOL_MINUTES: 'Infinity' }), Infinity);
  assert.throws(() => n2dProtocolMinutes(scaleSettings('full'), { N2D_PROTOCOL_MINUTES: 'an hour' }), /N2D_PROTOCOL_MINUTES must be a number of minutes >= 0 .*got 'an hour'/);
  assert.throws(() => n2dProtocolMinutes(scaleSettings('full'), { N2D_PROTOCOL_MINUTES: '-5' }), RangeError);
});

test('budgetReached: the epoch budget, or another epoch of the mean length so far would end past the minutes', () => {
  assert.equal(budgetReached({ epochs: 2 }, { epochs: 1, elapsedSeconds: 100 }), false);
  assert.equal(budgetReached({ epochs: 2 }, { epochs: 2, elapsedSeconds: 1 }), true);
  assert.equal(budgetReached({ minutes: 1 }, { epochs: 5, elapsedSeconds: 50 }), false); // a 6th epoch ends at 60 s
  assert.equal(budgetReached({ minutes: 1 }, { epochs: 5, elapsedSeconds: 55 }), true); // … at 66 s
  assert.equal(budgetReached({ minutes: 1 }, { epochs: 1, elapsedSeconds: 200 }), true); // one epoch longer than the budget: at least it ran
  assert.equal(budgetReached({ minutes: Infinity }, { epochs: 1000, elapsedSeconds: 1e6 }), false);
  assert.equal(budgetReached({}, { epochs: 1000, elapsedSeconds: 1e6 }), false);
});

test('two budgeted pieces of the protocol give the weights of one uninterrupted run, bit for bit; then it is cached and clustered over seeds', async () => {
  const protocol = n2dPaperProtocol(scaleSettings('smoke'));
  const cacheDir = tempDir();
  const reference = await trainN2dProtocol(data, protocol, { cacheDir: tempDir() });
  assert.equal(reference.stopped, 'complete');

  assert.match((await n2dProtocolStatus(data, protocol, { cacheDir, backend: 'tensorflow' })).summary,
    /^N2D's paper protocol \(dense autoencoder on 600 images, 3 epochs\): not trained yet \(3 epochs\), ≈ \d+s left at an estimated ≈ [\d.]+ s\/epoch on the tensorflow backend\. Continue with `npm run bench -- n2d-protocol --minutes 60`/);
  await assert.rejects(n2dProtocolCheckpointCodes(data, protocol, { cacheDir }), /holds no training checkpoint \(checkpoint\.json\)/);
  const [paperTraining, shifts, longer] = N2D_TRAINING_VARIANTS;
  const early = await trainN2dVariant(data, protocol, shifts!, { cacheDir });
  assert.equal(early.stopped, 'not-started', 'a training variant waits for the protocol to complete');
  const own = await trainN2dVariant(data, protocol, paperTraining!, { cacheDir, budget: { minutes: 0 } });
  assert.match(own.summary, /^no training in this run: N2D's paper protocol/, "the 'paper' variant is the protocol's own training");
  assert.match(early.summary, /^N2D's protocol, pre-trained on images shifted by up to 2 px: not trained in this run; it starts once the paper's protocol is complete/);
  assert.match(early.after.summary, /^N2D's protocol, pre-trained on images shifted by up to 2 px \(dense autoencoder on 600 images, 3 epochs\): not trained yet/);
  const none = await trainN2dProtocol(data, protocol, { cacheDir, budget: { minutes: 0 } });
  assert.equal(none.stopped, 'not-started');
  assert.equal(none.model, undefined);
  assert.throws(() => n2dProtocolCodes(data, protocol, none), /not complete \(not-started\)/);

  const first = await trainN2dProtocol(data, protocol, { cacheDir, budget: { epochs: 2 } });
  assert.equal(first.stopped, 'budget');
  assert.deepEqual([first.before.cache.epochsDone, first.after.cache.epochsDone, first.epochs], [0, 2, 2]);
  assert.match(first.after.cache.summary, /^checkpoint after epoch 2 of 3: 1 epoch to go/);
  assert.match(first.after.summary, /: 2 of 3 epochs cached \(checkpoint after epoch 2 of 3: .*\), ≈ \d+s left at ≈ [\d.]+ s\/epoch on the machine that trained it\./);
  assert.match(first.summary, /^N2D's paper protocol: trained epochs 1–2 in .*; stopped by this run's budget at the end of epoch 2: /);
  assert.equal(isN2dProtocolComplete(first), false);
  // The partly trained model of the checkpoint, for watching the training mid-way: the weights the piece stopped with.
  const mid = await n2dProtocolCheckpointCodes(data, protocol, { cacheDir });
  assert.equal(mid.epochsDone, 2);
  assert.equal(mid.codes.training.epochs, 2, 'recorded with the epochs done, never as the protocol');
  assert.deepEqual(mid.codes.test.data, first.model!.encode(n2dProtocolData(data, protocol).test.images).data);
  assert.deepEqual([mid.codes.train.rows, mid.codes.test.rows], [500, 100]);
  first.model?.dispose();

  const second = await trainN2dProtocol(data, protocol, { cacheDir, budget: { epochs: 2 } });
  assert.equal(second.stopped, 'complete');
  assert.deepEqual([second.before.cache.epochsDone, second.after.cache.epochsDone, second.epochs], [2, 3, 1]);
  assert.ok(Number.isFinite(second.finalLoss) && second.finalLoss! > 0);
  assert.deepEqual(weightsOf(second.model!), weightsOf(reference.model!), 'two pieces = one run');

  const again = await trainN2dProtocol(data, protocol, { cacheDir, budget: { minutes: 0 } });
  assert.equal(again.stopped, 'cached');
  assert.equal(again.after.cache.cached, true);
  assert.deepEqual(weightsOf(again.model!), weightsOf(reference.model!));

  const seeds = { ...protocol, seeds: [0, 1] };
  const codes = n2dProtocolCodes(data, seeds, again);
  assert.deepEqual([codes.train.rows, codes.test.rows, codes.train.cols], [500, 100, 10]);
  const runs = runN2dProtocolClustering(data, seeds, codes);
  const scores = n2dProtocolScores(runs, seeds);
  assert.deepEqual(scores.perSeed.map((s) => s.seed), [0, 1]);
  assert.ok(scores.perSeed.every((s) => s.nmi > 0.2 && s.nmi < 1), JSON.stringify(scores.perSeed));
  assert.equal(scores.publishedNmi, 0.684);
  assert.equal(scores.medianMinusPublished, scores.nmi.median - 0.684);
  // recorded as a variant that says what the autoencoder was and what it was trained on
  const settings = stepSettings(runs[0]!.model, n2dProtocolStep(seeds, codes));
  const identity = identifyRun('n2d', settings, scaleSettings('smoke'), 'improved');
  assert.equal(identity.label, 'variant');
  assert.ok(identity.diff.includes('autoencoder trained on = train + test images') && identity.diff.includes('autoencoder = dense 784-500-500-2000-10'), identity.diff.join(', '));

  // The training variants, now that the protocol is complete: their own cache entries, trained in pieces the same way.
  assert.deepEqual(N2D_TRAINING_VARIANTS.map((v) => v.name), ['paper', 'shifts-2px', 'epochs-x2']);
  assert.deepEqual(n2dProtocolVariant(protocol, shifts!).training.augmentation, { maxShift: 2 });
  const shifted = await trainN2dVariant(data, protocol, shifts!, { cacheDir, budget: { epochs: 1 } });
  assert.deepEqual([shifted.stopped, shifted.before.cache.epochsDone, shifted.after.cache.epochsDone], ['budget', 0, 1]);
  assert.notEqual(shifted.key, again.key);
  assert.notDeepEqual(weightsOf(shifted.model!), weightsOf(reference.model!));
  shifted.model?.dispose();
  const extended = await trainN2dVariant(data, protocol, longer!, { cacheDir, budget: { epochs: 1 } });
  assert.deepEqual([extended.stopped, extended.before.cache.epochsDone, extended.after.cache.epochsDone, extended.after.cache.epochs], ['budget', 3, 4, 6],
    'twice the epochs continues the protocol\'s own run from its 3 epochs');
  extended.model?.dispose();
  const stillCached = await trainN2dProtocol(data, protocol, { cacheDir, budget: { minutes: 0 } });
  assert.equal(stillCached.stopped, 'cached', 'the protocol\'s complete model is kept');
  assert.deepEqual(weightsOf(stillCached.model!), weightsOf(reference.model!));
  stillCached.model?.dispose();

  // The clustering variants past the paper, on the same codes: labelled by what they change, scored on all or the test images.
  const one = { ...protocol, seeds: [3] };
  const [paper, starts, consensus] = N2D_CLUSTERING_VARIANTS;
  assert.deepEqual(N2D_CLUSTERING_VARIANTS.map((v) => v.name), ['paper', 'gmm-10-starts', 'consensus-5']);
  const onTest = runN2dProtocolClustering(data, one, codes, { images: 'test', variant: paper });
  assert.equal(onTest[0]!.evaluation.labelsPred.length, 100, 'fitted on and scored against the 100 test images');
  const started = runN2dProtocolClustering(data, one, codes, { variant: starts });
  assert.equal(started[0]!.model.options.nInit, 10);
  const startsDiff = identifyRun('n2d', stepSettings(started[0]!.model, n2dProtocolStep(one, codes, { variant: starts })), scaleSettings('smoke'), 'improved').diff;
  assert.ok(startsDiff.includes('nInit = 10'), startsDiff.join(', '));
  const voted = runN2dProtocolClustering(data, one, codes, { variant: consensus });
  assert.deepEqual(voted[0]!.consensus!.memberSeeds, [15, 16, 17, 18, 19]);
  assert.equal(voted[0]!.evaluation.labelsPred.length, 600);
  const votedStep = n2dProtocolStep(one, codes, { variant: consensus });
  assert.ok(identifyRun('n2d', stepSettings(voted[0]!.model, votedStep), scaleSettings('smoke'), 'improved').diff.includes('consensus of runs = 5'));
  for (const m of [reference.model, second.model, again.model]) m?.dispose();
});
