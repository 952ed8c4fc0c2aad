import { test } from 'node:test';
import assert from 'node:assert/strict';
import { clearlyApart, conclusion, formatDelta, notebookStatus, summaryRows } from '../../src/experiment/summary.js';
import { nmiErrorBarFigure } from '../../src/experiment/summary-figure.js';
import { fakeResult } from './helpers.js';

const K5 = { id: 'kmeans-raw~k=5', label: 'variant', description: "variant of the report's settings: k = 5", diff: ['k = 5'], recordedAt: '2026-12-01T12:00:00.000Z' } as const;
const results = [
  fakeResult('ae-gmm', [0.58, 0.585, 0.59]),
  fakeResult('kmeans-raw', [0.5, 0.51, 0.52]),
  fakeResult('kmeans-raw', [0.45, 0.47], K5),
  fakeResult('kmeans-raw', [0.53, 0.54, 0.55], { id: 'kmeans-raw-improved', label: 'improved', description: 'improved: unit-length images (cosine)' }),
  fakeResult('kmeans-raw', [0.49], { id: 'kmeans-raw-train', protocol: 'train', name: 'K-Means on raw pixels (fit on train, predict test)' }),
  fakeResult('ae-kmeans', [0.49, 0.5, 0.51]),
];
const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

test('summary rows: pipeline order, then report / improved / variant, test before train; mean ± sd, median, published and delta', () => {
  const rows = summaryRows(results);
  assert.deepEqual(rows.map((r) => r.id), ['kmeans-raw', 'kmeans-raw-train', 'kmeans-raw-improved', 'kmeans-raw~k=5', 'ae-kmeans', 'ae-gmm']);
  const raw = rows[0]!;
  assert.equal(raw.label, 'report');
  assert.equal(raw.setting, "the report's settings");
  assert.ok(close(raw.nmi.mean, 0.51) && close(raw.nmi.sd, 0.01), `${raw.nmi.mean} ± ${raw.nmi.sd}`);
  assert.ok(close(raw.nmi.min, 0.5) && close(raw.nmi.max, 0.52));
  assert.equal(raw.medianNmi, 0.51);
  assert.equal(raw.seeds, 3);
  assert.equal(raw.publishedNmi, 0.516);
  assert.ok(close(raw.delta!, 0.51 - 0.516));
  assert.equal(raw.images, '60,000 train / 10,000 test');
  assert.equal(raw.notebook, '02-kmeans');
  const k5 = rows.find((r) => r.id === 'kmeans-raw~k=5')!;
  assert.equal(k5.label, 'variant');
  assert.equal(k5.setting, "variant of the report's settings: k = 5");
  assert.equal(k5.seeds, 2);
  assert.equal(rows.find((r) => r.id === 'kmeans-raw-train')!.protocol, 'train');
  assert.equal(rows.at(-1)!.publishedNmi, 0.591);
});

test('clearlyApart: gap beyond twice the combined sd; unknown with one seed', () => {
  const s = (mean: number, sd: number, seeds = 3) => ({ nmi: { mean, sd, min: mean, max: mean }, seeds });
  assert.equal(clearlyApart(s(0.6, 0.01), s(0.55, 0.01)), true);
  assert.equal(clearlyApart(s(0.6, 0.01), s(0.59, 0.01)), false);
  assert.equal(clearlyApart(s(0.59, 0.01), s(0.6, 0.01)), false, 'symmetric');
  assert.equal(clearlyApart(s(0.6, 0, 1), s(0.3, 0.01)), undefined);
});

test('notebookStatus: one entry per recording notebook, with its count and newest time; missing ones at 0', () => {
  const st = notebookStatus(results);
  assert.deepEqual(st.map((s) => s.notebook), ['02-kmeans', '04-ae-kmeans', '05-ae-gmm', '07-n2d']);
  assert.deepEqual(st.map((s) => s.results), [4, 1, 1, 0]);
  assert.equal(st[0]!.lastRecordedAt, K5.recordedAt);
  assert.equal(st[3]!.lastRecordedAt, undefined);
});

test('the conclusion is computed from the recorded numbers: ranking with seed spread, verdicts, improvements, variants apart', () => {
  const text = conclusion(results.filter((r) => r.protocol === 'test'), 'full');
  assert.match(text, /Not run at scale 'full' yet: 07-n2d\./);
  assert.match(text, /Of the 3 pipelines recorded, the best by mean NMI over 3 seeds is \*\*Autoencoder codes \+ GMM\*\* \(the report's settings\): NMI 0\.585 ± 0\.005/);
  assert.match(text, /1\. Autoencoder codes \+ GMM, the report's settings: 0\.585 ± 0\.005 — clearly above the next/);
  assert.match(text, /3\. K-Means on raw pixels, the report's settings: 0\.510 ± 0\.010 — within the seed spread of the next/);
  assert.doesNotMatch(text, /\d\. K-Means on raw pixels, variant/, 'variants are not ranked');
  assert.match(text, /K-Means on raw pixels with the report's settings: NMI 0\.510 ± 0\.010 vs the published 0\.516 \(-0\.006\): reproduced within ±0\.02/);
  assert.match(text, /Autoencoder codes \+ K-Means with the report's settings: NMI 0\.500 ± 0\.010 vs the published 0\.546 \(-0\.046\): not within ±0\.02/);
  assert.match(text, /improved: unit-length images \(cosine\): NMI 0\.540 ± 0\.010, above the published 0\.516 \(\+0\.024\)/);
  assert.match(text, /Variants \(settings that are neither the report's nor our named improvements.*k = 5 — NMI 0\.460 ± 0\.014 \(02-kmeans\)/);
  assert.doesNotMatch(text, /0\.460[^\n]*(reproduced|not within)/, 'a variant gets no reproduction verdict');
  // Change a number and the conclusion follows.
  const changed = conclusion(results.map((r) => (r.id === 'ae-gmm' ? { ...r, spread: { ...r.spread, nmi: { ...r.spread.nmi, mean: 0.4 } } } : r)), 'full');
  assert.match(changed, /the best by mean NMI over 3 seeds is \*\*K-Means on raw pixels\*\* \(improved: unit-length images \(cosine\)\)/);
});

test('at smoke scale: says the numbers are not comparable and gives no verdict; with nothing recorded, says what to run', () => {
  const text = conclusion(results, 'smoke');
  assert.match(text, /smoke-scale run/);
  assert.match(text, /no verdict at smoke scale/);
  assert.doesNotMatch(text, /reproduced within|not within/);
  assert.match(conclusion([], 'full'), /No pipeline has recorded a result at scale 'full' yet: run notebooks 02-kmeans, 04-ae-kmeans, 05-ae-gmm, 07-n2d/);
});

test('nmiErrorBarFigure: mean NMI with ± sd error bars per setting, published and literature beside; variants left out', () => {
  const fig = nmiErrorBarFigure(results);
  type ErrorBars = { array: number[]; visible: boolean };
  const trace = fig.data[0] as { x: unknown[]; y: unknown[]; orientation?: string; error_x?: ErrorBars; error_y?: ErrorBars };
  // Long or many labels turn the chart horizontal (barChart's `horizontal: 'auto'`): categories on y.
  const horizontal = trace.orientation === 'h';
  const categories = (horizontal ? trace.y : trace.x) as string[];
  const values = (horizontal ? trace.x : trace.y) as number[];
  const errors = horizontal ? trace.error_x : trace.error_y;
  assert.ok(errors, 'error bars present');
  assert.equal(errors.visible, true);
  const ours = categories.filter((c) => !/^(published|literature):/.test(c));
  assert.equal(ours.length, 4, `the four test-protocol, non-variant settings: ${ours.join(' | ')}`);
  assert.ok(!categories.some((c) => /k = 5|variant/.test(c)), 'no variant bar');
  assert.ok(categories.some((c) => /^published: kmeans-raw$/.test(c)));
  const i = categories.findIndex((c) => c.startsWith('K-Means on raw pixels<br>report'));
  assert.ok(i >= 0, categories.join(' | '));
  assert.ok(close(values[i]!, 0.51));
  assert.ok(Math.abs(errors.array[i]! - 0.01) < 1e-6);
  assert.equal(errors.array[categories.indexOf('published: kmeans-raw')], 0, 'published values have no error bar');
});

test('formatDelta never prints -0.000', () => {
  assert.equal(formatDelta(-0.0002), '±0.000');
  assert.equal(formatDelta(0.0123), '+0.012');
  assert.equal(formatDelta(-0.0246), '-0.025');
});
