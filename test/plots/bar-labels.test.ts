/**
 * 06-summary's NMI chart stays readable with every pipeline recorded (8 settings plus the
 * published and literature bars): barChart's default `horizontal: 'auto'` turns long category
 * labels into one row each, as tall as their lines need. Checked on the figure and drawn by
 * plotly.js in headless Chromium: no two category labels overlap.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nmiErrorBarFigure } from '../../src/experiment/summary-figure.js';
import { plotlyBundleHtml, readPlotlyBundle } from '../../src/notebook/display.js';
import { CLASS_NAMES } from '../../src/data/classes.js';
import { barChart, wantsHorizontalBars } from '../../src/plots/index.js';
import { scriptSafeJson } from '../../src/plots/figure.js';
import { fakeResult } from '../experiment/helpers.js';
import { launchChromium } from '../helpers/browser.js';

const improved = (p: Parameters<typeof fakeResult>[0], id: string, description: string, extra = {}) =>
  fakeResult(p, [0.6, 0.61, 0.62], { id, label: 'improved', description, ...extra });
/** Eight settings, as after 02, 04, 05 and 07 have run (full protocol set). */
const results = [
  fakeResult('kmeans-raw', [0.51, 0.52, 0.53]),
  improved('kmeans-raw', 'kmeans-raw-improved', 'improved: unit-length images (cosine)'),
  fakeResult('ae-kmeans', [0.54, 0.55, 0.56]),
  improved('ae-kmeans', 'ae-kmeans-improved', 'improved: unit-length codes'),
  fakeResult('ae-gmm', [0.57, 0.58, 0.59]),
  improved('ae-gmm', 'ae-gmm-improved', 'improved: unit length, PCA 20, 5 starts'),
  improved('n2d', 'n2d-improved', 'N2D: UMAP to 10-d (20 neighbours, minDist 0), GMM full'),
  improved('n2d', 'n2d-improved-all', 'N2D: UMAP to 10-d (20 neighbours, minDist 0), GMM full', { protocol: 'all' }),
];

test('barChart \'auto\': class names stay vertical bars; the summary\'s long labels become horizontal rows tall enough for their lines', () => {
  assert.equal(wantsHorizontalBars(CLASS_NAMES), false);
  assert.equal(barChart({ categories: CLASS_NAMES, values: CLASS_NAMES.map((_, i) => i) }).data[0]!.orientation, 'v');
  const fig = nmiErrorBarFigure(results);
  const trace = fig.data[0] as { orientation: string; y: string[] };
  assert.equal(trace.orientation, 'h');
  assert.ok(trace.y.length >= 8 + 3, `${trace.y.length} bars`);
  const lines = Math.max(...trace.y.map((l) => l.split('<br>').length));
  assert.ok((fig.layout.height as number) >= 110 + trace.y.length * (lines * 17 + 12), `height ${fig.layout.height} for ${trace.y.length} rows of ${lines} lines`);
  assert.equal((fig.layout.yaxis as { automargin: boolean }).automargin, true, 'the label column widens to the longest label');
  assert.equal(barChart({ categories: ['a'], values: [1], horizontal: false }).data[0]!.orientation, 'v', 'an explicit choice wins');
});

test('drawn by plotly.js at a notebook\'s width, no two of the summary chart\'s labels overlap', { timeout: 120_000 }, async () => {
  const fig = nmiErrorBarFigure(results);
  const { browser, close } = await launchChromium();
  try {
    const page = await browser.newPage({ viewport: { width: 1000, height: 900 } });
    await page.setContent(`<!DOCTYPE html><html><body>${plotlyBundleHtml(readPlotlyBundle())}<div id="f" style="width:900px"></div>` +
      `<script>var s=${scriptSafeJson(fig)};Plotly.newPlot('f',s.data,s.layout,s.config);</script></body></html>`);
    await page.waitForSelector('#f .main-svg .ytick text');
    const boxes = await page.$$eval('#f .ytick text', (els) => els.map((e) => { const r = e.getBoundingClientRect(); return { top: r.top, bottom: r.bottom, left: r.left, text: e.textContent ?? '' }; }));
    assert.equal(boxes.length, (fig.data[0] as { y: string[] }).y.length, 'one label per bar');
    const sorted = [...boxes].sort((a, b) => a.top - b.top);
    for (let i = 1; i < sorted.length; i++) {
      assert.ok(sorted[i]!.top >= sorted[i - 1]!.bottom - 1, `labels overlap: "${sorted[i - 1]!.text}" and "${sorted[i]!.text}"`);
    }
    assert.ok(sorted.every((b) => b.left >= 0), 'no label cut off at the left edge');
  } finally {
    await close();
  }
});
