import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { PipelineResult } from '../../src/notebook/artifacts.js';
import { conclusion, summaryRows } from '../../src/report/summary.js';
import { renderIndexPage } from '../../src/report/index-page.js';

const base = { ari: 0.35, acc: 0.5, seconds: 2, trainImages: 60000, testImages: 10000, settings: {} };
const results: PipelineResult[] = [
  { ...base, id: 'ae-gmm', name: 'AE codes + GMM', variant: 'report', nmi: 0.585 },
  { ...base, id: 'kmeans-raw', name: 'K-Means, raw pixels', variant: 'report', nmi: 0.513 },
  { ...base, id: 'kmeans-raw-improved', name: 'K-Means, raw pixels', variant: 'improved', nmi: 0.53, acc: 0.6 },
  { ...base, id: 'ae-kmeans', name: 'AE codes + K-Means', variant: 'report', nmi: 0.50 },
];

test('summary rows: pipeline order, published NMI and delta beside ours', () => {
  const rows = summaryRows(results);
  assert.deepEqual(rows.map((r) => r.pipeline), ['K-Means, raw pixels', 'K-Means, raw pixels', 'AE codes + K-Means', 'AE codes + GMM']);
  assert.equal(rows[0]!.publishedNmi, 0.516);
  assert.ok(Math.abs(rows[0]!.delta! - -0.003) < 1e-12);
  assert.equal(rows[1]!.variant, 'improved');
  assert.equal(rows[3]!.publishedNmi, 0.591);
});

test('the conclusion is computed from the numbers', () => {
  const text = conclusion(results, 'full');
  assert.match(text, /best pipeline by NMI is \*\*AE codes \+ GMM\*\*/);
  assert.match(text, /K-Means, raw pixels with the report's settings: NMI 0\.513 vs the published 0\.516 \(-0\.003\): reproduced within ±0\.02/);
  assert.match(text, /AE codes \+ K-Means with the report's settings: NMI 0\.500 .*not within ±0\.02/);
  assert.match(text, /improved settings: NMI 0\.530, above the published 0\.516/);
  assert.match(conclusion(results, 'smoke'), /smoke-scale run/);
  assert.match(conclusion([], 'full'), /No pipeline/);
  const changed = conclusion(results.map((r) => (r.id === 'ae-gmm' ? { ...r, nmi: 0.4 } : r)), 'full');
  assert.match(changed, /best pipeline by NMI is \*\*K-Means, raw pixels\*\* \(improved\)/);
});

test('the index page links every notebook, escapes errors, and shows the table', () => {
  const html = renderIndexPage({
    scale: 'smoke',
    runs: [{ name: '01-data', html: '01-data.html', ok: true, seconds: 3 }, { name: '02-kmeans', html: '02-kmeans.html', ok: false, seconds: 1, failedCell: 4, error: '<oops> & co' }],
    results,
    generatedAt: new Date(0),
  });
  assert.match(html, /<a href="01-data.html">01-data<\/a>/);
  assert.match(html, /failed at cell 4/);
  assert.match(html, /&lt;oops&gt; &amp; co/);
  assert.equal((html.match(/<tr><td>/g) ?? []).length, 4);
});

test('formatDelta never prints -0.000', async () => {
  const { formatDelta } = await import('../../src/report/summary.js');
  assert.equal(formatDelta(-0.0002), '±0.000');
  assert.equal(formatDelta(0.0123), '+0.012');
  assert.equal(formatDelta(-0.0246), '-0.025');
});
