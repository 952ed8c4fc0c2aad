import { test } from 'node:test';
import assert from 'node:assert/strict';
import { KMeans } from '../../src/cluster/index.js';
import { clusterGallery, confusionFigure, evaluateClustering, matchedColumns, runSeeds } from '../../src/experiment/evaluation.js';
import { SCALES } from '../../src/experiment/scale.js';
import { createDisplay } from '../../src/notebook/display.js';
import { formatMeanSd, showComparison, showEvaluation, showRun, showVariants } from '../../src/notebook/show.js';
import { toyExperiment } from './helpers.js';

// 3 classes, 4 clusters: cluster 7 ↔ class 0, 5 ↔ 1, 9 ↔ 2, cluster 2 is extra (mostly class 1).
const labelsTrue = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 1, 1];
const labelsPred = [7, 7, 7, 5, 5, 5, 5, 9, 9, 9, 9, 9, 2, 2];
const names = ['shirt', 'shoe', 'bag'];

test('evaluateClustering scores, matches clusters and keeps the raw contingency', () => {
  const ev = evaluateClustering(labelsTrue, labelsPred, names);
  assert.equal(ev.acc, (3 + 3 + 4) / 14);
  assert.deepEqual(ev.contingency.clusters, [2, 5, 7, 9]);
  assert.equal(ev.contingency.rows, 3);
  assert.deepEqual(matchedColumns(ev), [-1, 1, 0, 2]);
  const fig = confusionFigure(ev, 'toy');
  assert.match(JSON.stringify(fig.layout), /toy/);
  assert.match(JSON.stringify(fig), /c7→shirt/);
  assert.match(JSON.stringify(fig), /c2 \(unmatched\)/);
});

test('clusterGallery: one row per non-empty cluster, rows ordered by matched class', () => {
  const ev = evaluateClustering(labelsTrue, labelsPred, names);
  const images = { data: Float32Array.from({ length: 14 * 784 }, (_, i) => (i % 7) / 7), rows: 14, cols: 784 };
  const fig = clusterGallery(images, ev, { perCluster: 2, title: 'g' });
  const text = JSON.stringify(fig.layout);
  assert.ok(text.indexOf('c7→shirt') < text.indexOf('c5→shoe') && text.indexOf('c5→shoe') < text.indexOf('c9→bag'));
  assert.ok(text.includes('c2'));
});

test('showEvaluation emits the scores, one figure and the classification report; `only` picks parts', () => {
  const out: string[] = [];
  const display = createDisplay({ html: (s) => out.push(s) });
  const ev = evaluateClustering(labelsTrue, labelsPred, names);
  showEvaluation(ev, { title: 'Toy', display });
  const html = out.join('\n');
  assert.match(html, /Toy: scores on 14 test images/);
  assert.match(html, /classification report/);
  assert.match(html, /macro avg/);
  assert.equal((html.match(/class="fmnist-plot"/g) ?? []).length, 1);
  out.length = 0;
  showEvaluation(ev, { title: 'Only', display, only: ['scores'] });
  assert.equal((out.join('').match(/fmnist-plot"/g) ?? []).length, 0);
});

test('showRun says what ran (report\'s settings or a variant, with its id), tabulates the seeds with mean ± sd, then the median run', () => {
  const { exp, inputs } = toyExperiment();
  const kmeans = { nClusters: 10, init: 'kmeans++' as const, nInit: SCALES.smoke.nInit, maxIter: 300, tol: 1e-4, engine: 'js' as const };
  const variant = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make: (seed) => new KMeans({ ...kmeans, nClusters: 3, seed }) });
  assert.equal(variant.result.label, 'variant');
  assert.equal(variant.evaluation.acc, 1, 'the blobs are found');
  const out: string[] = [];
  const display = createDisplay({ html: (s) => out.push(s) });
  showRun(variant, { display });
  const html = out.join('\n');
  assert.match(html, /<b>K-Means on raw pixels<\/b>: <span style="color:#b35900;font-weight:bold;">variant of the report&#39;s settings: k = 3<\/span>/);
  assert.match(html, /recorded as <code>kmeans-raw~k=3<\/code> \(smoke scale, 3 seeds\)/);
  assert.match(html, /nClusters = 3/);
  assert.match(html, /per clusterer seed \(median run by NMI: seed \d\)/);
  assert.match(html, /mean ± sd/);
  assert.match(html, />1\.000 ± 0\.000</);
  assert.match(html, /variant of the report&#39;s settings: k = 3 \(median seed \d\): scores on 24 test images/);
  assert.equal((html.match(/class="fmnist-plot"/g) ?? []).length, 1, 'the median run\'s confusion heatmap');

  out.length = 0;
  const oneSeed = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, seeds: [5], make: (seed) => new KMeans({ ...kmeans, nClusters: 3, seed }) });
  showRun(oneSeed, { display, only: ['scores'] });
  assert.doesNotMatch(out.join(''), /per clusterer seed/, 'no seed table for one seed');
  assert.match(out.join(''), /\(smoke scale, 1 seed\)/);
});

test('showComparison: one row per run with mean ± sd, median and Δ vs the published NMI', () => {
  const { exp, inputs } = toyExperiment();
  const make = (k: number) => (seed: number) => new KMeans({ nClusters: k, nInit: 1, seed, engine: 'js' });
  const runs = [exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make: make(3) }), exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', protocol: 'train', inputs, make: make(2) })];
  const out: string[] = [];
  showComparison(runs, { publishedNmi: 0.5, display: createDisplay({ html: (s) => out.push(s) }) });
  const html = out.join('');
  assert.match(html, /published \(the report\)/);
  assert.equal((html.match(/<tr[ >]/g) ?? []).length, 1 + 1 + 2, 'header, published, two runs');
  assert.match(html, /fit on train/);
  assert.match(html, />1\.000 ± 0\.000</);
  assert.match(html, />\+0\.500</, 'Δ of a perfect run vs 0.5');
  assert.equal(formatMeanSd({ mean: 0.5, sd: 0.0123 }), '0.500 ± 0.012');
});

test('showVariants: one row per variant with its images, NMI against the published figure and the goal, cost and seconds per seed', () => {
  const { exp, inputs } = toyExperiment();
  const make = (seed: number) => new KMeans({ nClusters: 3, nInit: 1, seed, engine: 'js' });
  const plain = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, protocol: 'all' });
  const voted = exp.cluster({ pipeline: 'kmeans-raw', intent: 'report', inputs, make, consensus: { members: 2 } });
  const out: string[] = [];
  showVariants([{ title: 'one run', cost: '1 fit', run: plain }, { title: 'consensus of 2', cost: '2 fits', run: voted }], {
    publishedNmi: 0.684, goal: 0.7, display: createDisplay({ html: (s) => out.push(s) }),
  });
  const html = out.join('');
  assert.equal((html.match(/<tr[ >]/g) ?? []).length, 1 + 2, 'header and two variants');
  assert.match(html, /median − published 0\.684/);
  assert.match(html, /median − goal 0\.70/);
  assert.match(html, /one run<\/td><td[^>]*>all 54</, 'all train + test images');
  assert.match(html, /consensus of 2<\/td><td[^>]*>test 24</);
  assert.match(html, />\+0\.316</, 'a perfect run against 0.684');
  assert.match(html, />\+0\.300</, 'and against the goal');
  assert.match(html, />2 fits</);
});

test('runSeeds returns every run and the median by NMI', () => {
  const perSeed: Record<number, number[]> = { 0: [0, 0, 1, 1], 1: [0, 1, 0, 1], 2: [0, 0, 0, 1] };
  const truth = [0, 0, 1, 1];
  const r = runSeeds([0, 1, 2], (seed) => evaluateClustering(truth, perSeed[seed]!));
  assert.equal(r.runs.length, 3);
  const nmis = r.runs.map((x) => x.evaluation.nmi).sort((a, b) => a - b);
  assert.equal(r.median.evaluation.nmi, nmis[1]);
  assert.equal(r.median.seed, 2);
  assert.throws(() => runSeeds([], () => evaluateClustering(truth, truth)), /at least one seed/);
});

test('runSeeds keeps each fitted model when the run returns one, so the median model needs no refit', () => {
  const truth = [0, 0, 1, 1];
  const perSeed: Record<number, number[]> = { 0: [0, 0, 1, 1], 1: [0, 1, 0, 1], 2: [0, 0, 0, 1] };
  const r = runSeeds([0, 1, 2], (seed) => ({ evaluation: evaluateClustering(truth, perSeed[seed]!), model: { fittedWith: seed } }));
  assert.deepEqual(r.runs.map((x) => x.model), [{ fittedWith: 0 }, { fittedWith: 1 }, { fittedWith: 2 }]);
  assert.deepEqual(r.median.model, { fittedWith: r.median.seed });
  assert.equal(r.median.seed, 2);
});
