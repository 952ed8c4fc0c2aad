import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderIndexPage } from '../../src/report/index-page.js';
import { fakeResult } from '../experiment/helpers.js';

const results = [
  fakeResult('ae-gmm', [0.58, 0.585, 0.59]),
  fakeResult('kmeans-raw', [0.5, 0.51, 0.52]),
  fakeResult('kmeans-raw', [0.45, 0.47], { id: 'kmeans-raw~k=5', label: 'variant', description: "variant of the report's settings: k = 5", diff: ['k = 5'] }),
];

test('the index page links every notebook, escapes errors, shows the summary, which notebooks ran, and the chart', () => {
  const html = renderIndexPage({
    scale: 'smoke',
    runs: [{ name: '01-data', html: '01-data.html', ok: true, seconds: 3 }, { name: '02-kmeans', html: '02-kmeans.html', ok: false, seconds: 1, failedCell: 4, error: '<oops> & co' }],
    results,
    generatedAt: new Date(0),
    plotlyScript: 'plotly.min.js',
  });
  assert.match(html, /<a href="01-data.html">01-data<\/a>/);
  assert.match(html, /failed at cell 4/);
  assert.match(html, /&lt;oops&gt; &amp; co/);
  const summary = html.slice(html.indexOf('<table id="summary">'), html.indexOf('</table>', html.indexOf('<table id="summary">')));
  assert.equal((summary.match(/<tr class="(report|improved|variant)">/g) ?? []).length, 3);
  assert.match(summary, /<tr class="variant"><td>K-Means on raw pixels<\/td><td>variant of the report&#39;s settings: k = 5</);
  assert.match(summary, /0\.510 ± 0\.010/);
  assert.match(html, /<td>07-n2d<\/td><td><strong>not run<\/strong>/);
  assert.match(html, /<script src="plotly.min.js"><\/script>/);
  assert.match(html, /Not run at scale &#39;smoke&#39; yet: 04-ae-kmeans, 07-n2d\./);
});

test('without results the page says so and draws no chart', () => {
  const html = renderIndexPage({ scale: 'full', runs: [], results: [], generatedAt: new Date(0), plotlyScript: 'plotly.min.js' });
  assert.match(html, /No results recorded/);
  assert.doesNotMatch(html, /nmi-chart/);
});
