import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runInNewContext } from 'node:vm';
import { readFileSync } from 'node:fs';
import {
  CLASSIC_PLOTLY_PATH, FIGURE_PLACEHOLDER_HINT, PLOTLY_MISSING_HINT, SANITIZE_SAFE_TABLE_TAGS, createDisplay, figureHtml, plotlyBundleHtml, plotlyLoaderHtml, plotlyLoaderJs, PLOTLY_MIME, readPlotlyBundle, tableHtml, tslabDisplayWriter, tslabSink,
  type HtmlSink, type MimeBundle,
} from '../../src/notebook/display.js';
import { barChart, lineChart, scriptSafeJson, type Figure } from '../../src/plots/index.js';

/** A sink without bundle support (classic outputs: HTML only). */
function recorder(): HtmlSink & { html_: string[]; md: string[] } {
  const html_: string[] = [], md: string[] = [];
  return { html_, md, html: (s) => html_.push(s), markdown: (s) => md.push(s) };
}

/** A sink that takes MIME bundles, as tslab's kernel-side writer does. */
function bundleRecorder(): HtmlSink & { html_: string[]; bundles: MimeBundle[] } {
  const html_: string[] = [], bundles: MimeBundle[] = [];
  return { html_, bundles, html: (s) => html_.push(s), bundle: (b) => bundles.push(b) };
}

/** The JSON literal assigned to `spec` in a figure script. */
function specOf(html: string): { data: unknown[]; layout: Record<string, unknown>; config: Record<string, unknown> } {
  const m = /spec = (\{.*\}), tries = 0;/.exec(html);
  assert.ok(m, 'figure script has a spec literal');
  return JSON.parse(m[1]!);
}

const divIds = (html: string) => [...html.matchAll(/<div id="([^"]+)" class="fmnist-plot"/g)].map((m) => m[1]!);

/** Runs every <script> of the given HTML, in order, in a fake browser window. */
function runScripts(htmls: string[], win: Record<string, unknown>): Record<string, unknown> {
  const ctx: Record<string, unknown> = { ...win, setTimeout: () => 0 };
  ctx.window = ctx;
  for (const html of htmls) {
    for (const m of html.matchAll(/<script type="text\/javascript">([\s\S]*?)<\/script>/g)) runInNewContext(m[1]!, ctx);
  }
  return ctx;
}

test('with a bundle sink, a figure is ONE output with the Plotly JSON, an HTML fallback and plain text', () => {
  const sink = bundleRecorder();
  const d = createDisplay(sink);
  const fig = lineChart({ title: 'two', series: [{ name: 's', y: [1, 2] }] });
  d.showFigure(fig, { height: 300 });
  assert.equal(sink.bundles.length, 1);
  assert.equal(sink.html_.length, 0, 'nothing else is emitted (no plotly.js, no separate HTML)');
  const b = sink.bundles[0]!;
  assert.deepEqual(Object.keys(b).sort(), [PLOTLY_MIME, 'text/html', 'text/plain'].sort());
  assert.equal(PLOTLY_MIME, 'application/vnd.plotly.v1+json');
  const plotly = b[PLOTLY_MIME] as { data: unknown; layout: Record<string, unknown>; config: Record<string, unknown> };
  assert.deepEqual(plotly.data, JSON.parse(JSON.stringify(fig.data)), 'the traces are the figure\'s');
  assert.deepEqual(plotly.layout, { ...JSON.parse(JSON.stringify(fig.layout)), height: 300 }, 'the layout is the figure\'s, with the requested height');
  assert.equal(plotly.config.responsive, true);
  assert.equal(b['text/plain'], '[Plotly figure: two]');
  const html = b['text/html'] as string;
  assert.match(html, /^<div id="fmnist-plot-[0-9a-f]+-\d+" class="fmnist-plot"/);
  assert.deepEqual(specOf(html).data, plotly.data, 'the HTML fallback draws the same figure');
  assert.ok(!html.includes('window.Plotly = m.exports'), 'no plotly.js inside the figure');
});

test('without bundle support a figure is emitted as HTML: one div + script per figure, unique ids, no plotly.js', () => {
  const sink = recorder();
  const d = createDisplay(sink);
  assert.equal(d.plotlyLoaded, false);
  d.showFigure(barChart({ title: 'one', categories: ['a'], values: [1] }));
  d.showFigure(lineChart({ title: 'two', series: [{ name: 's', y: [1, 2] }] }), { height: 300 });
  d.showFigure(barChart({ categories: ['b'], values: [2] }));
  assert.equal(d.plotlyLoaded, false, 'figures do not load plotly.js');
  assert.equal(sink.html_.length, 3);
  const all = sink.html_.join('\n');
  assert.ok(all.length < 20_000, `figures alone are small (${all.length} chars)`);
  const ids = divIds(all);
  assert.equal(ids.length, 3);
  assert.equal(new Set(ids).size, 3);
  assert.equal((all.match(/Plotly\.newPlot\(/g) ?? []).length, 3);
  // Ids are also unique across displays (e.g. a re-created display in the same page).
  const other = recorder();
  createDisplay(other).showFigure(barChart({ categories: ['a'], values: [1] }));
  assert.ok(!ids.includes(divIds(other.html_[0]!)[0]!));
  // Spec is valid JSON carrying the figure, with the requested height.
  const spec = specOf(sink.html_[1]!);
  assert.equal((spec.layout.title as { text: string }).text, 'two');
  assert.equal(spec.layout.height, 300);
  assert.equal(spec.config.responsive, true);
  assert.match(sink.html_[1]!, /style="width:100%;height:300px;"/);
});

test('loadPlotly emits the small classic-Notebook loader (not the 4.8 MB bundle), again on request, not when force = false', () => {
  const sink = recorder();
  const state = { plotlyLoaded: false };
  const d = createDisplay(sink, { state });
  d.loadPlotly();
  d.loadPlotly(false);
  assert.equal(sink.html_.length, 1);
  assert.equal(sink.html_[0], plotlyLoaderHtml());
  assert.ok(sink.html_[0]!.length < 2000, `loader is small (${sink.html_[0]!.length} chars)`);
  assert.ok(sink.html_[0]!.includes(CLASSIC_PLOTLY_PATH));
  assert.equal(d.plotlyLoaded, true);
  d.loadPlotly();
  assert.equal(sink.html_.length, 2);
  // State is shared through `state` (the default display keeps one per process).
  assert.equal(createDisplay(recorder(), { state }).plotlyLoaded, true);
  // Where bundles go (tslab): JavaScript, not a script inside HTML (which "Sanitize HTML" prints as text).
  const bundles = bundleRecorder();
  createDisplay(bundles).loadPlotly();
  assert.deepEqual(bundles.bundles, [{ 'application/javascript': plotlyLoaderJs() }]);
  assert.deepEqual(bundles.html_, []);
  assert.equal(plotlyLoaderHtml(), `<script type="text/javascript">${plotlyLoaderJs()}</script>`);
});

test('the loader fetches plotly.js from the server with AMD define hidden, once, and does nothing where Plotly exists', async () => {
  const umd = 'if (typeof define === "function" && define.amd) { define([], function () { return {}; }); } else { module.exports = { newPlot: function () {} }; }';
  const fetched: string[] = [];
  let amdCalls = 0;
  const win: Record<string, unknown> = {
    define: Object.assign(() => { amdCalls++; }, { amd: {} }),
    document: { body: { getAttribute: (a: string) => (a === 'data-base-url' ? '/base/' : null) } },
    fetch: (url: string) => { fetched.push(url); return Promise.resolve({ ok: true, text: () => Promise.resolve(umd) }); },
  };
  const ctx = runScripts([plotlyLoaderHtml(), plotlyLoaderHtml()], win);
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(fetched, [`/base/${CLASSIC_PLOTLY_PATH}`], 'fetched once');
  assert.equal(amdCalls, 0);
  assert.equal(typeof (ctx.Plotly as { newPlot?: unknown }).newPlot, 'function');
  runScripts([plotlyLoaderHtml()], { ...win, Plotly: {} });
  assert.equal(fetched.length, 1, 'no fetch where Plotly is on the page');
});

test('tslabDisplayWriter: undefined outside a kernel; the writer tslab installs for a cell when inside', () => {
  assert.equal(tslabDisplayWriter(), undefined);
  const jupyter = require('tslab/dist/jupyter.js') as { lastWriteDisplayData: unknown };
  const sent: unknown[] = [];
  try {
    // What tslab does at the start of every executed cell (handleExecuteImpl).
    jupyter.lastWriteDisplayData = (data: unknown, update: boolean) => sent.push([data, update]);
    assert.equal(typeof tslabDisplayWriter(), 'function');
    tslabSink().bundle!({ 'text/plain': 'x', 'text/html': '<b>x</b>' });
    assert.deepEqual(sent, [[{ data: { 'text/plain': 'x', 'text/html': '<b>x</b>' }, metadata: {}, transient: {} }, false]]);
  } finally {
    jupyter.lastWriteDisplayData = null;
  }
});

test('the pinned tslab still exports lastWriteDisplayData from tslab/dist/jupyter.js (an upgrade must fail here, not in the notebooks)', () => {
  const pkg = JSON.parse(readFileSync(require.resolve('tslab/package.json'), 'utf8')) as { version: string };
  const ours = JSON.parse(readFileSync(require.resolve('../../package.json'), 'utf8')) as { dependencies: Record<string, string> };
  assert.equal(ours.dependencies.tslab, '1.0.22', 'tslab is pinned exactly');
  assert.equal(pkg.version, '1.0.22', 'the installed tslab is the pinned one');
  const jupyter = require('tslab/dist/jupyter.js') as Record<string, unknown>;
  assert.ok(Object.prototype.hasOwnProperty.call(jupyter, 'lastWriteDisplayData'), 'tslab/dist/jupyter.js exports lastWriteDisplayData');
  assert.equal(jupyter.lastWriteDisplayData, null, 'null outside an executing cell');
  // tslab's own display.raw goes through the same writer, with the same message shape.
  const source = readFileSync(require.resolve('tslab/dist/public.js'), 'utf8');
  assert.match(source, /jupyter\.lastWriteDisplayData\(\{\s*data:/);
  assert.match(readFileSync(require.resolve('tslab/dist/jupyter.js'), 'utf8'), /exports\.lastWriteDisplayData = writeDisplayData;/);
});

test('data containing </script> cannot end the figure script; escapes round-trip through JSON', () => {
  const evil = '</script><script>alert(1)</script> & <!-- \u2028';
  const fig: Figure = { data: [{ type: 'bar', x: [evil], y: new Float32Array([1.5, 2]) as unknown as number[] }], layout: { title: { text: evil } } };
  const html = figureHtml(fig, 'fig-1');
  const scriptBody = html.slice(html.indexOf('<script'));
  assert.equal((scriptBody.match(/<\/script/gi) ?? []).length, 1, 'only the real closing tag');
  assert.ok(!/<!--/.test(scriptBody));
  const spec = specOf(html);
  assert.deepEqual((spec.data[0] as { x: string[] }).x, [evil]);
  assert.deepEqual((spec.data[0] as { y: number[] }).y, [1.5, 2], 'typed arrays become plain arrays');
  // The placeholder title is HTML-escaped; its hint names JupyterLab 4's real commands.
  assert.ok(html.includes(FIGURE_PLACEHOLDER_HINT));
  assert.doesNotMatch(html, /File → Trust Notebook/, 'JupyterLab 4 has no such menu entry');
  assert.match(FIGURE_PLACEHOLDER_HINT, /View → Activate Command Palette, then "Trust Notebook"/);
  assert.ok(html.includes('&lt;/script&gt;&lt;script&gt;'));
  assert.equal(scriptSafeJson({ a: '<>&' }), '{"a":"\\u003c\\u003e\\u0026"}');
  assert.throws(() => figureHtml(fig, 'bad id"'), /id must be a plain HTML id/);
  assert.throws(() => figureHtml({ data: 'x' } as unknown as Figure, 'ok'), /fig must be a Figure/);
});

test('the bundle wrapper hides AMD define / CommonJS module, sets window.Plotly, and is idempotent', () => {
  // A UMD bundle that prefers AMD when `define` exists (as many do) and CommonJS next.
  const umd = '(function (root, f) { if (typeof define === "function" && define.amd) { define([], f); } else if (typeof module === "object" && module.exports) { module.exports = f(); } else { root.Plotly = f(); } })(this, function () { loads++; return { newPlot: function (el, d, l) { drawn.push([el.id, l.title.text]); } }; });';
  const html = plotlyBundleHtml(umd, 'test');
  let amdCalls = 0;
  const drawn: unknown[] = [];
  const fakeDefine = Object.assign(() => { amdCalls++; }, { amd: {} });
  const el = { id: 'p-1', innerHTML: 'x', firstChild: { textContent: '' } };
  const win: Record<string, unknown> = { define: fakeDefine, module: undefined, loads: 0, drawn, document: { getElementById: (id: string) => (id === 'p-1' ? el : null) } };
  const fig = figureHtml(barChart({ title: 'T', categories: ['a'], values: [1] }), 'p-1');
  const ctx = runScripts([html, html, fig], win);
  assert.equal(amdCalls, 0, 'the page define() was not called');
  assert.equal(typeof (ctx.Plotly as { newPlot?: unknown }).newPlot, 'function');
  assert.equal(ctx.loads, 1, 'the second embed skipped the bundle (Plotly already on the page)');
  assert.equal(JSON.stringify(drawn), '[["p-1","T"]]'); // arrays from the vm realm: compare as JSON
  assert.equal(el.innerHTML, '', 'placeholder cleared before drawing');
});

test('a figure script without Plotly retries, then explains instead of failing silently', () => {
  const el = { id: 'p-2', innerHTML: 'x', firstChild: { textContent: '' } };
  const timers: (() => void)[] = [];
  const ctx: Record<string, unknown> = { document: { getElementById: () => el }, setTimeout: (f: () => void) => timers.push(f) };
  ctx.window = ctx;
  const html = figureHtml(barChart({ categories: ['a'], values: [1] }), 'p-2');
  runInNewContext(/<script type="text\/javascript">([\s\S]*?)<\/script>/.exec(html)![1]!, ctx);
  let guard = 0;
  while (timers.length > 0 && guard++ < 1000) timers.shift()!();
  assert.ok(guard > 50 && guard < 1000);
  assert.equal(el.firstChild.textContent, PLOTLY_MISSING_HINT);
});

test('the real plotly.js-dist-min bundle embeds: no </script> or <script inside, defines Plotly', () => {
  const src = readPlotlyBundle();
  assert.ok(src.length > 1_000_000);
  const html = plotlyBundleHtml(src, '4');
  assert.equal((html.match(/<\/script/gi) ?? []).length, 1);
  assert.ok(html.startsWith('<script type="text/javascript">'));
  assert.throws(() => plotlyBundleHtml('var s = "<script>";'), /contains "<script"/);
  assert.ok(plotlyBundleHtml('var s = "</script>";').includes('"<\\/script>"'));
});

test('showTable renders an escaped static HTML table; showMarkdown and showHtml pass through', () => {
  const sink = recorder();
  const d = createDisplay(sink);
  d.showTable({ caption: 'Scores <b>', columns: ['pipeline', 'NMI'], rows: [['a<b', 0.51234], ['c', null]] });
  const t = sink.html_[0]!;
  assert.match(t, /<div class="fmnist-table-caption"[^>]*><b>Scores &lt;b&gt;<\/b><\/div>/, 'the caption is a bold line above the table');
  assert.match(t, /<tr class="fmnist-table-head"><td [^>]*><b>pipeline<\/b><\/td>/, 'the header is the first row, in bold');
  const tags = new Set([...t.matchAll(/<\/?([a-z]+)/g)].map((m) => m[1]!));
  assert.deepEqual([...tags].filter((x) => !SANITIZE_SAFE_TABLE_TAGS.includes(x)), [], 'only tags that nbconvert\'s "Sanitize HTML" keeps');
  assert.ok(t.includes('>a&lt;b</td>'));
  assert.ok(t.includes('>0.512</td>'));
  assert.ok(t.includes('>—</td>'));
  assert.match(t, /text-align:right[^>]*><b>NMI</);
  assert.ok(!t.includes('<script'), 'tables need no script');
  d.showMarkdown('**x**');
  assert.deepEqual(sink.md, ['**x**']);
  d.showHtml('<p>hi</p>');
  assert.equal(sink.html_.at(-1), '<p>hi</p>');
  // Without markdown support the text is shown escaped and preformatted.
  const plain: string[] = [];
  createDisplay({ html: (s) => plain.push(s) }).showMarkdown('<i>');
  assert.equal(plain[0], '<pre style="white-space:pre-wrap;">&lt;i&gt;</pre>');
  assert.throws(() => tableHtml({ columns: ['a'], rows: [[1, 2]] }), /row 0 has 2 cells but there are 1 columns/);
});
