import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clusterGallery, confusionFigure, evaluateClustering, matchedColumns, pipelineResult, runSeeds, showComparison, showEvaluation } from '../../src/notebook/evaluation.js';
import { createDisplay } from '../../src/notebook/display.js';
import type { ExperimentData } from '../../src/notebook/pipeline.js';

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

test('showEvaluation and showComparison emit tables and a figure through the display', () => {
  const out: string[] = [];
  const display = createDisplay({ html: (s) => out.push(s) }, { bundleSource: () => 'window.Plotly={};' });
  const ev = evaluateClustering(labelsTrue, labelsPred, names);
  showEvaluation(ev, { title: 'Toy', display });
  const html = out.join('\n');
  assert.match(html, /Toy: scores on 14 test images/);
  assert.match(html, /classification report/);
  assert.match(html, /macro avg/);
  assert.equal((html.match(/class="fmnist-plot"/g) ?? []).length, 1);
  out.length = 0;
  showComparison([{ name: 'a', evaluation: ev, seconds: 1 }], { publishedNmi: 0.5, display });
  assert.match(out.join(''), /published \(the report\)/);
  out.length = 0;
  showEvaluation(ev, { title: 'Only', display, only: ['scores'] });
  assert.equal((out.join('').match(/fmnist-plot"/g) ?? []).length, 0);
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

test('pipelineResult carries scores, sizes and settings', () => {
  const ev = evaluateClustering(labelsTrue, labelsPred, names);
  const data = { train: { images: { rows: 100 } }, test: { images: { rows: 14 } } } as unknown as ExperimentData;
  const r = pipelineResult(ev, { id: 'x', name: 'X', variant: 'improved', seconds: 2, data, settings: { k: 4 } });
  assert.deepEqual([r.nmi, r.acc, r.trainImages, r.testImages, r.settings.k], [ev.nmi, ev.acc, 100, 14, 4]);
});

test('runSeeds keeps each fitted model when the run returns one, so the median model needs no refit', () => {
  const truth = [0, 0, 1, 1];
  const perSeed: Record<number, number[]> = { 0: [0, 0, 1, 1], 1: [0, 1, 0, 1], 2: [0, 0, 0, 1] };
  const r = runSeeds([0, 1, 2], (seed) => ({ evaluation: evaluateClustering(truth, perSeed[seed]!), model: { fittedWith: seed } }));
  assert.deepEqual(r.runs.map((x) => x.model), [{ fittedWith: 0 }, { fittedWith: 1 }, { fittedWith: 2 }]);
  assert.deepEqual(r.median.model, { fittedWith: r.median.seed });
  assert.equal(r.median.seed, 2);
});
