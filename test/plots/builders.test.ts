import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  barChart, binValues, CLASS_COLORS, classColor, confusionHeatmap, formatNumber, gmmEllipses, histogram, imageGrid,
  lineChart, matchedClusterLabels, overlay, scatter2d, table, ellipsePoints, type Figure,
} from '../../src/plots/index.js';

const NAMES = ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt', 'Sneaker', 'Bag', 'Ankle boot'];

type Trace = Record<string, any>;
const trace = (f: Figure, i = 0) => f.data[i] as Trace;
const layout = (f: Figure) => f.layout as Record<string, any>;

/** Every figure must survive a JSON round trip unchanged (no typed arrays, NaN, undefined). */
function assertPlainJson(fig: Figure): void {
  const json = JSON.stringify(fig);
  assert.deepEqual(JSON.parse(json), JSON.parse(JSON.stringify(JSON.parse(json))));
  assert.ok(!/"0":/.test(json), 'a typed array was serialised as an object');
  assert.ok(!json.includes('NaN'));
  assert.ok(Array.isArray(fig.data) && typeof fig.layout === 'object');
}

test('CLASS_COLORS: 10 distinct hex colours, classColor wraps', () => {
  assert.equal(CLASS_COLORS.length, 10);
  assert.equal(new Set(CLASS_COLORS).size, 10);
  for (const c of CLASS_COLORS) assert.match(c, /^#[0-9a-f]{6}$/);
  assert.equal(classColor(3), CLASS_COLORS[3]);
  assert.equal(classColor(13), CLASS_COLORS[3]);
  assert.equal(classColor(-1), CLASS_COLORS[9]);
});

test('barChart: one bar per category in class colours, values as text, title and axis titles', () => {
  const fig = barChart({ title: 'Class counts', categories: NAMES, values: new Int32Array([6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 5999]), xTitle: 'class', yTitle: 'images' });
  assertPlainJson(fig);
  const t = trace(fig);
  assert.equal(t.type, 'bar');
  assert.deepEqual(t.x, NAMES);
  assert.deepEqual(t.y, [6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 6000, 5999]);
  assert.deepEqual(t.marker.color, [...CLASS_COLORS]);
  assert.equal(t.text[9], '5999');
  assert.equal(layout(fig).title.text, 'Class counts');
  assert.equal(layout(fig).xaxis.title.text, 'class');
  assert.equal(layout(fig).yaxis.title.text, 'images');
  // Fractional values keep 3 decimals in labels; a single colour is accepted.
  const f2 = barChart({ categories: ['a', 'b'], values: [0.12345, 1], colors: '#000000', horizontal: true });
  assert.equal(trace(f2).marker.color, '#000000');
  assert.deepEqual(trace(f2).text, ['0.123', '1.000']);
  assert.equal(trace(f2).orientation, 'h');
  assert.deepEqual(trace(f2).y, ['a', 'b']);
  assert.throws(() => barChart({ categories: ['a'], values: [1, 2] }), /values has 2 entries but categories has 1/);
  assert.throws(() => barChart({ categories: ['a', 'b'], values: [1, 2], colors: ['#fff'] }), /colors has 1 entries but there are 2 bars/);
});

test('lineChart: named series (train/val) with palette colours, default x = 1..n, integer ticks', () => {
  const fig = lineChart({ title: 'Loss', xTitle: 'epoch', yTitle: 'BCE', series: [{ name: 'train', y: new Float32Array([0.5, 0.25]) }, { name: 'val', y: [0.6, 0.3], dash: true }] });
  assertPlainJson(fig);
  assert.equal(fig.data.length, 2);
  assert.deepEqual(trace(fig, 0).x, [1, 2]);
  assert.deepEqual(trace(fig, 0).y, [0.5, 0.25]);
  assert.equal(trace(fig, 0).name, 'train');
  assert.equal(trace(fig, 1).name, 'val');
  assert.equal(trace(fig, 0).line.color, CLASS_COLORS[0]);
  assert.equal(trace(fig, 1).line.color, CLASS_COLORS[1]);
  assert.equal(trace(fig, 1).line.dash, 'dash');
  assert.equal(layout(fig).showlegend, true);
  assert.equal(layout(fig).xaxis.dtick, 1);
  // Elbow: explicit x, a marker line at the chosen k, single series → no legend.
  const elbow = lineChart({ series: [{ name: 'SSE', x: [2, 4, 6], y: [30, 20, 15] }], vlines: [{ x: 4, label: 'k = 4' }] });
  assert.deepEqual(trace(elbow).x, [2, 4, 6]);
  assert.equal(layout(elbow).showlegend, false);
  assert.equal(layout(elbow).shapes[0].x0, 4);
  assert.equal(layout(elbow).annotations[0].text, 'k = 4');
  // Non-integer x: no forced integer ticks; NaN becomes null (a gap), not invalid JSON.
  const f3 = lineChart({ series: [{ name: 's', x: [0.5, 1.5], y: [1, NaN] }] });
  assert.equal(layout(f3).xaxis.dtick, undefined);
  assert.deepEqual(trace(f3).y, [1, null]);
  assert.throws(() => lineChart({ series: [] }), /at least one/);
  assert.throws(() => lineChart({ series: [{ name: 'bad', x: [1], y: [1, 2] }] }), /series 'bad' has 1 x values but 2 y values/);
});

test('binValues: equal-width bins, last bin closed, out-of-range and NaN skipped', () => {
  const { edges, counts } = binValues(new Float32Array([0, 0.1, 0.5, 0.99, 1, 1.5, NaN, -1]), 2, 0, 1);
  assert.deepEqual(Array.from(edges), [0, 0.5, 1]);
  assert.deepEqual(Array.from(counts), [2, 3]);
  assert.deepEqual(Array.from(binValues([3, 3], 1, 3, 3).counts), [2]); // degenerate range widened
  assert.throws(() => binValues([1], 0, 0, 1), /nBins must be an integer >= 1, got 0/);
  assert.throws(() => binValues([1], 2, 1, 0), /lo <= hi/);
});

test('histogram: bins computed in the builder (small spec for large data), overlay, probability, precomputed bins', () => {
  const big = new Float32Array(200_000);
  for (let i = 0; i < big.length; i++) big[i] = (i % 1000) / 999;
  const fig = histogram({ title: 'Pixels', series: [{ name: 'pixels', values: big }], nBins: 10, xTitle: 'intensity', logY: true });
  assertPlainJson(fig);
  assert.ok(JSON.stringify(fig).length < 3000, 'figure carries only the bins');
  const t = trace(fig);
  assert.equal(t.type, 'bar');
  assert.equal(t.x.length, 10);
  assert.equal((t.y as number[]).reduce((a, b) => a + b, 0), 200_000);
  assert.deepEqual(t.y, Array(10).fill(20_000));
  assert.ok(Math.abs(t.x[0] - 0.05) < 1e-9 && Math.abs(t.width[0] - 0.1) < 1e-9);
  assert.equal(layout(fig).yaxis.type, 'log');
  assert.equal(layout(fig).showlegend, false);
  // Two series share bins over the union range; probability sums to 1; colours from the palette.
  const two = histogram({ series: [{ name: 'correct', values: [0.9, 0.95, 1] }, { name: 'wrong', values: [0, 0.4] }], nBins: 4, normalize: 'probability' });
  assert.equal(two.data.length, 2);
  assert.deepEqual(trace(two, 0).x, trace(two, 1).x);
  assert.ok(Math.abs((trace(two, 1).y as number[]).reduce((a, b) => a + b, 0) - 1) < 1e-9);
  assert.deepEqual(trace(two, 1).y, [0.5, 0.5, 0, 0]);
  assert.match(trace(two, 0).marker.color, /^rgba\(31,119,180,/);
  assert.equal(layout(two).showlegend, true);
  assert.equal(layout(two).barmode, 'overlay');
  // Precomputed bins.
  const pre = histogram({ series: [{ name: 'conf', bins: { edges: [0, 0.5, 1], counts: [3, 7] } }] });
  assert.deepEqual(trace(pre).y, [3, 7]);
  assert.deepEqual(trace(pre).x, [0.25, 0.75]);
  assert.throws(() => histogram({ series: [{ name: 'x', bins: { edges: [0, 1], counts: [1, 2] } }] }), /2 counts but 2 edges/);
  assert.throws(() => histogram({ series: [] }), /at least one/);
});

test('matchedClusterLabels names clusters by their matched class', () => {
  assert.deepEqual(matchedClusterLabels([1, -1, 0], ['A', 'B']), ['c0→B', 'c1', 'c2→A']);
});

test('confusionHeatmap: rows = true classes top-down, columns reordered so matches sit on the diagonal, counts as text', () => {
  // 3 classes, 3 clusters; cluster 0 ↔ class 2, cluster 1 ↔ class 0, cluster 2 ↔ class 1.
  const counts = [
    [1, 50, 2],
    [3, 4, 40],
    [60, 5, 6],
  ];
  const fig = confusionHeatmap({ title: 'KMeans', counts, rowNames: ['A', 'B', 'C'], clusterToClass: [2, 0, 1] });
  assertPlainJson(fig);
  const t = trace(fig);
  assert.equal(t.type, 'heatmap');
  assert.deepEqual(t.y, ['A', 'B', 'C']);
  assert.deepEqual(t.x, ['c1→A', 'c2→B', 'c0→C']);
  assert.deepEqual(t.z, [[50, 2, 1], [4, 40, 3], [5, 6, 60]]);
  assert.deepEqual(t.text, [['50', '2', '1'], ['4', '40', '3'], ['5', '6', '60']]);
  assert.equal(t.texttemplate, '%{text}');
  assert.equal(t.zmax, 60);
  assert.equal(layout(fig).yaxis.autorange, 'reversed');
  assert.equal(layout(fig).title.text, 'KMeans');
  // Same table as a row-major Int32Array matrix, row-normalised colours, no mapping.
  const m = { data: Int32Array.from(counts.flat()), rows: 3, cols: 3 };
  const f2 = confusionHeatmap({ counts: m, rowNames: ['A', 'B', 'C'], normalize: 'row' });
  assert.deepEqual(trace(f2).x, ['c0', 'c1', 'c2']);
  assert.deepEqual(trace(f2).z[0], [0.0189, 0.9434, 0.0377]);
  assert.deepEqual(trace(f2).text[0], ['1', '50', '2']);
  // More clusters than classes: unmatched clusters go last.
  const f3 = confusionHeatmap({ counts: [[1, 2, 3], [4, 5, 6]], rowNames: ['A', 'B'], clusterToClass: [-1, 1, 0] });
  assert.deepEqual(trace(f3).x, ['c2→A', 'c1→B', 'c0']);
  assert.throws(() => confusionHeatmap({ counts, rowNames: ['A', 'B'] }), /rowNames must name at least 3 entries, got 2/);
  assert.throws(() => confusionHeatmap({ counts, rowNames: ['A', 'B', 'C'], clusterToClass: [0, 1] }), /clusterToClass has 2 entries but counts has 3 columns/);
  assert.throws(() => confusionHeatmap({ counts: [[1, 2], [3]], rowNames: ['A', 'B'] }), /row 1 has 1 values but row 0 has 2/);
});

test('imageGrid: composes images into one heatmap with gaps, row-major placement, reversed y, equal aspect', () => {
  // 5 images of 2×3 pixels (h = 2, w = 3); pixel value = 100·image + 10·y + x, scaled by 1/1000.
  const h = 2, w = 3, n = 5;
  const data = new Float32Array(n * h * w);
  for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[k * h * w + y * w + x] = (100 * k + 10 * y + x) / 1000;
  const fig = imageGrid({ title: 'Gallery', images: { data, rows: n, cols: h * w }, imageHeight: h, nCols: 3, gap: 1, digits: 3, rowTitles: ['r0', 'r1'], colTitles: ['a', 'b', 'c'] });
  assertPlainJson(fig);
  const z = trace(fig).z as (number | null)[][];
  // Grid 2 rows × 3 cols → (2·2 + 1) × (3·3 + 2) = 5 × 11.
  assert.equal(z.length, 5);
  assert.ok(z.every((r) => r.length === 11));
  const at = (k: number, y: number, x: number) => z[Math.floor(k / 3) * (h + 1) + y]![(k % 3) * (w + 1) + x];
  for (let k = 0; k < n; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) {
    assert.equal(at(k, y, x), (100 * k + 10 * y + x) / 1000, `image ${k} pixel (${y}, ${x})`);
  }
  assert.equal(z[2]!.every((v) => v === null), true, 'gap row');
  assert.equal(z[0]![3], null, 'gap column');
  assert.equal(z[3]![8], null, 'empty 6th slot');
  const L = layout(fig);
  assert.deepEqual(L.yaxis.range, [4.5, -0.5]); // reversed: image row 0 on top
  assert.equal(L.yaxis.scaleanchor, 'x');
  assert.deepEqual(L.yaxis.tickvals, [0.5, 3.5]);
  assert.deepEqual(L.yaxis.ticktext, ['r0', 'r1']);
  assert.deepEqual(L.xaxis.tickvals, [1, 5, 9]);
  assert.deepEqual(L.xaxis.ticktext, ['a', 'b', 'c']);
  assert.equal(trace(fig).showscale, false);
  assert.equal(trace(fig).zmin, 0);
  assert.equal(trace(fig).zmax, 1);
  // indices pick and order images.
  const f2 = imageGrid({ images: { data, rows: n, cols: 6 }, imageHeight: 2, indices: [4, 0], gap: 0 });
  assert.deepEqual(trace(f2).z, [[0.4, 0.4, 0.4, 0, 0, 0], [0.41, 0.41, 0.41, 0.01, 0.01, 0.01]]);
  assert.throws(() => imageGrid({ images: { data, rows: n, cols: 6 }, imageHeight: 4 }), /imageHeight must be a positive integer dividing images.cols = 6, got 4/);
  assert.throws(() => imageGrid({ images: { data, rows: n, cols: 6 }, imageHeight: 2, indices: [5] }), /index 5 is outside 0..4/);
  assert.throws(() => imageGrid({ images: { data, rows: n, cols: 6 }, imageHeight: 2, nCols: 5, rowTitles: ['a', 'b'] }), /rowTitles has 2 entries but the grid has 1 rows/);
});

test('imageGrid: a 10 × 10 grid of 28 × 28 images stays small', () => {
  const n = 100, data = new Float32Array(n * 784);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 2654435761) % 1000) / 999;
  const fig = imageGrid({ images: { data, rows: n, cols: 784 } });
  const z = trace(fig).z as unknown[][];
  assert.equal(z.length, 10 * 28 + 9 * 2);
  assert.equal(z[0]!.length, 10 * 28 + 9 * 2);
  assert.ok(JSON.stringify(fig).length < 500_000, `${JSON.stringify(fig).length} chars`);
});

test('scatter2d: one trace per label with class names and palette colours; even downsampling', () => {
  const n = 40;
  const pts = new Float32Array(2 * n), labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) { pts[2 * i] = i; pts[2 * i + 1] = -i / 3; labels[i] = i % 4 === 3 ? 9 : i % 4; }
  const fig = scatter2d({ title: 'PCA', points: { data: pts, rows: n, cols: 2 }, labels, names: NAMES, xTitle: 'PC 1' });
  assertPlainJson(fig);
  assert.deepEqual(fig.data.map((t) => t.name), ['T-shirt/top', 'Trouser', 'Pullover', 'Ankle boot']);
  assert.deepEqual(fig.data.map((t) => (t as Trace).marker.color), [CLASS_COLORS[0], CLASS_COLORS[1], CLASS_COLORS[2], CLASS_COLORS[9]]);
  assert.deepEqual(trace(fig, 3).x, [3, 7, 11, 15, 19, 23, 27, 31, 35, 39]);
  assert.deepEqual(trace(fig, 1).y, Array.from({ length: 10 }, (_, k) => Math.round((-(4 * k + 1) / 3) * 1000) / 1000 + 0));
  assert.equal(layout(fig).xaxis.title.text, 'PC 1');
  assert.equal(fig.data.reduce((s, t) => s + (t.x as unknown[]).length, 0), n);
  const small = scatter2d({ points: { data: pts, rows: n, cols: 2 }, labels, maxPoints: 10, labelKind: 'cluster' });
  assert.equal(small.data.reduce((s, t) => s + (t.x as unknown[]).length, 0), 10);
  assert.equal(trace(small).name, 'cluster 0');
  assert.throws(() => scatter2d({ points: { data: pts, rows: n / 2, cols: 4 }, labels }), /points must have 2 columns, got 4/);
  assert.throws(() => scatter2d({ points: { data: pts, rows: n, cols: 2 }, labels: labels.subarray(1) }), /labels has 39 entries but points has 40 rows/);
  assert.throws(() => scatter2d({ points: { data: pts, rows: 2, cols: 2 }, labels: [0, -1] }), /labels\[1\] = -1/);
});

test('ellipsePoints: axis-aligned and rotated covariances give the right contour', () => {
  // diag(4, 1) at radius 1: semi-axes 2 (x) and 1 (y).
  const e = ellipsePoints(1, 2, 4, 0, 1, 1, 4);
  assert.equal(e.x.length, 5);
  const r = (v: number) => Math.round(v * 1e9) / 1e9 + 0;
  assert.deepEqual(e.x.map(r), [3, 1, -1, 1, 3]);
  assert.deepEqual(e.y.map(r), [2, 3, 2, 1, 2]);
  // Every contour point p satisfies (p − μ)ᵀ Σ⁻¹ (p − μ) = r² for a rotated covariance.
  const [a, b, c, rad] = [2, 0.8, 1, 1.7];
  const det = a * c - b * b;
  const rot = ellipsePoints(0.5, -1, a, b, c, rad, 36);
  for (let i = 0; i < rot.x.length; i++) {
    const dx = rot.x[i]! - 0.5, dy = rot.y[i]! + 1;
    const m = (c * dx * dx - 2 * b * dx * dy + a * dy * dy) / det;
    assert.ok(Math.abs(m - rad * rad) < 1e-9, `point ${i}: ${m}`);
  }
  assert.throws(() => ellipsePoints(0, 0, 1, 2, 1, 1), /not positive semi-definite/);
});

test('gmmEllipses: one closed contour per component and level in palette colours, overlay keeps the base layout', () => {
  const means = { data: new Float32Array([0, 0, 5, 5]), rows: 2, cols: 2 };
  const fig = gmmEllipses({ means, covariances: new Float64Array([1, 0, 0, 1, 2, 0.5, 0.5, 1]), levels: [0.5, 0.95], names: ['A', 'B'] });
  assertPlainJson(fig);
  const lines = fig.data.filter((t) => t.mode === 'lines') as Trace[];
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.map((t) => t.line.color), [CLASS_COLORS[0], CLASS_COLORS[0], CLASS_COLORS[1], CLASS_COLORS[1]]);
  assert.deepEqual(lines.map((t) => t.name), ['A (50%)', 'A (95%)', 'B (50%)', 'B (95%)']);
  // Unit covariance: the 95% contour has radius √(−2 ln 0.05) ≈ 2.4477.
  const rad = Math.hypot(lines[1]!.x[0], lines[1]!.y[0]);
  assert.ok(Math.abs(rad - Math.sqrt(-2 * Math.log(0.05))) < 1e-4);
  assert.equal(lines[0]!.x[0], lines[0]!.x.at(-1));
  const meansTr = fig.data.filter((t) => t.mode === 'markers') as Trace[];
  assert.deepEqual(meansTr.map((t) => [t.x[0], t.y[0]]), [[0, 0], [5, 5]]);
  // Diagonal covariances (k × 2) are accepted.
  assert.equal(gmmEllipses({ means, covariances: [1, 2, 3, 4], showMeans: false }).data.length, 2);
  assert.throws(() => gmmEllipses({ means, covariances: [1, 2, 3] }), /covariances has 3 values; expected 8 .* or 4/);
  assert.throws(() => gmmEllipses({ means, covariances: [1, 1, 1, 1], levels: [1] }), /level must be a probability in \(0, 1\), got 1/);
  const base = scatter2d({ title: 'GMM', points: { data: new Float32Array([0, 0, 1, 1]), rows: 2, cols: 2 }, labels: [0, 1], labelKind: 'cluster' });
  const both = overlay(base, fig);
  assert.equal(both.data.length, base.data.length + fig.data.length);
  assert.equal(layout(both).title.text, 'GMM');
  assert.equal(base.data.length, 2, 'inputs are not modified');
});

test('table: headers, column-major formatted cells, numeric columns right-aligned, escaping', () => {
  const fig = table({ title: 'Scores', columns: ['pipeline', 'NMI', 'n'], rows: [['K-Means <raw>', 0.51234, 10000], ['AE', null, 5]], digits: [0, 3, 0] });
  assertPlainJson(fig);
  const t = trace(fig);
  assert.equal(t.type, 'table');
  assert.deepEqual(t.header.values, ['<b>pipeline</b>', '<b>NMI</b>', '<b>n</b>']);
  assert.deepEqual(t.cells.values, [['K-Means &lt;raw&gt;', 'AE'], ['0.512', '—'], ['10000', '5']]);
  assert.deepEqual(t.cells.align, ['left', 'right', 'right']);
  assert.equal(layout(fig).title.text, 'Scores');
  assert.throws(() => table({ columns: ['a', 'b'], rows: [[1]] }), /row 0 has 1 cells but there are 2 columns/);
  assert.throws(() => table({ columns: [], rows: [] }), /at least one column/);
  assert.equal(formatNumber(Infinity), '∞');
  assert.equal(formatNumber(1.5, 1), '1.5');
});
