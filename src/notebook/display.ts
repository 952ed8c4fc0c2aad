/**
 * Renders figures and tables in tslab notebooks, in a way that works in the live classic
 * Notebook, in JupyterLab and in HTML exported by nbconvert, offline:
 *
 * - the `plotly.js-dist-min` bundle (read from node_modules, no CDN) is embedded once per
 *   kernel as an inline `<script>` that defines `window.Plotly`. The bundle runs inside a
 *   wrapper that hides `define`, `require`, `module` and `exports`, so the classic Notebook's
 *   RequireJS (and nbconvert's) cannot capture it as an anonymous AMD module: `window.Plotly`
 *   is always set. The wrapper skips the bundle when Plotly is already on the page, so
 *   re-running cells is harmless;
 * - each figure is one `<div id="…">` plus a `<script>` calling `Plotly.newPlot`. The figure
 *   JSON is escaped so no `</script>` in data can end the script early. The script waits
 *   briefly if the div is not yet attached or Plotly not yet defined, and otherwise writes a
 *   visible hint into the div instead of failing silently.
 *
 * `application/vnd.plotly.v1+json` is deliberately not used: notebook 6.4 and nbconvert 6.5 do
 * not render it.
 *
 * The output sink is injectable ({@link createDisplay}) so this module is testable without
 * tslab; the default {@link display} binds to `require('tslab').display` lazily.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Figure } from '../plots/figure.js';
import { formatTable, escapeHtml, type TableOptions } from '../plots/table.js';

/** Where HTML (and optionally markdown) outputs go: tslab's `display`, or a test double. */
export interface HtmlSink {
  html(s: string): void;
  markdown?(s: string): void;
}

/** Options of {@link Display.showFigure}. */
export interface ShowFigureOptions {
  /** Height of the plot in pixels (default: the figure's `layout.height`, else 450). */
  height?: number;
  /** Width in pixels (default: the output area's width). */
  width?: number;
}

/** Options of {@link Display.showTable}: the table plus an optional caption. */
export interface ShowTableOptions extends Pick<TableOptions, 'columns' | 'rows' | 'digits'> {
  /** Caption above the table (plain text). */
  caption?: string;
}

/** Renders figures, tables, HTML and markdown into notebook outputs. */
export interface Display {
  /**
   * Renders a Plotly figure; embeds the Plotly bundle first if this display has not yet done
   * so in this process. Returns nothing (so tslab prints nothing after the figure).
   */
  showFigure(fig: Figure, options?: ShowFigureOptions): void;
  /** Emits raw HTML as-is. */
  showHtml(html: string): void;
  /** Renders a static HTML table (no JavaScript needed, so it shows even in untrusted notebooks). */
  showTable(options: ShowTableOptions): void;
  /** Renders markdown (as `text/markdown` when the sink supports it, else as escaped preformatted text). */
  showMarkdown(markdown: string): void;
  /**
   * Embeds the Plotly bundle now. Call it in a notebook's first cell: re-running that cell
   * (or Restart & Run All) then always puts the bundle back in the saved notebook, even when
   * the kernel had already embedded it in an output that was since cleared.
   * @param force emit even if already embedded in this process (default true).
   */
  loadPlotly(force?: boolean): void;
  /** Whether the bundle has been emitted (by this display) in this process. */
  readonly plotlyLoaded: boolean;
}

/** Options of {@link createDisplay}. */
export interface CreateDisplayOptions {
  /** Returns the Plotly bundle's JavaScript source (default: reads `plotly.js-dist-min`). */
  bundleSource?: () => string;
  /** Shared state object; the default display uses one per process (see {@link display}). */
  state?: { plotlyLoaded: boolean };
  /** Prefix of generated div ids (default `'fmnist-plot'`). */
  idPrefix?: string;
}

let cachedBundle: string | undefined;

/**
 * The `plotly.js-dist-min` bundle source, read once from node_modules.
 * @throws Error naming the package and the remedy when it is not installed.
 */
export function readPlotlyBundle(): string {
  if (cachedBundle === undefined) {
    let file: string;
    try {
      file = require.resolve('plotly.js-dist-min');
    } catch {
      throw new Error("Cannot find the 'plotly.js-dist-min' package needed to draw figures: run `npm install` in the project folder.");
    }
    cachedBundle = readFileSync(file, 'utf8');
  }
  return cachedBundle;
}

/** The installed `plotly.js-dist-min` version (e.g. `'4.1.2'`), or `'unknown'`. */
export function plotlyVersion(): string {
  try {
    return (require('plotly.js-dist-min/package.json') as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Escapes JSON for embedding in an HTML `<script>`: `<`, `>`, `&`, U+2028 and U+2029 become
 * `\uXXXX` escapes (legal only inside JSON strings, which is the only place they can occur).
 */
export function scriptSafeJson(value: unknown): string {
  const json = JSON.stringify(value, (_key, v: unknown) => (ArrayBuffer.isView(v) && !(v instanceof DataView) ? Array.from(v as unknown as ArrayLike<number>) : v));
  if (json === undefined) throw new TypeError('scriptSafeJson: value is not JSON-serialisable.');
  return json.replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * The `<script>` that defines `window.Plotly` from the bundle source. The bundle runs with
 * `define`, `require`, `module` and `exports` shadowed (so AMD/CommonJS loaders on the page
 * cannot capture it), and is skipped when `window.Plotly` already exists.
 * @throws Error if the source contains `<script` (cannot be embedded safely inline).
 */
export function plotlyBundleHtml(source: string, version = 'unknown'): string {
  if (/<script/i.test(source)) {
    throw new Error('plotlyBundleHtml: the Plotly bundle contains "<script", which cannot be embedded safely in an inline script; use plotly.js-dist-min.');
  }
  const safe = source.replace(/<\/script/gi, '<\\/script');
  return (
    `<script type="text/javascript">/* plotly.js ${version} (plotly.js-dist-min), embedded inline for offline use */\n` +
    '(function () {\n' +
    '  if (window.Plotly && typeof window.Plotly.newPlot === "function") return;\n' +
    '  var m = { exports: {} };\n' +
    '  (function (define, require, module, exports) {\n' +
    safe +
    '\n  }).call(window, undefined, undefined, m, m.exports);\n' +
    '  if (!window.Plotly || typeof window.Plotly.newPlot !== "function") window.Plotly = m.exports;\n' +
    '})();\n</script>'
  );
}

/**
 * The HTML of one figure: a sized `<div>` with a placeholder (visible where scripts do not run,
 * e.g. an untrusted notebook) and a script that draws the figure with `Plotly.newPlot`.
 */
export function figureHtml(fig: Figure, id: string, options: ShowFigureOptions = {}): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new RangeError(`figureHtml: id must be a plain HTML id (letters, digits, - or _), got '${id}'.`);
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== 'object' || fig.layout === null) {
    throw new TypeError('figureHtml: fig must be a Figure { data: object[], layout: object, config?: object }.');
  }
  const layoutHeight = typeof fig.layout.height === 'number' ? fig.layout.height : undefined;
  const height = options.height ?? layoutHeight ?? 450;
  const layout: Record<string, unknown> = { ...fig.layout, height };
  if (options.width !== undefined) layout.width = options.width;
  const spec = { data: fig.data, layout, config: { responsive: true, ...(fig.config ?? {}) } };
  const title = titleOf(fig);
  const width = options.width !== undefined ? `${options.width}px` : '100%';
  return (
    `<div id="${id}" class="fmnist-plot" style="width:${width};height:${height}px;">` +
    `<div class="fmnist-plot-placeholder" style="padding:1em;color:#666;font:13px sans-serif;">` +
    `Figure${title ? ` “${escapeHtml(title)}”` : ''}: drawn by JavaScript. If it stays blank, trust the notebook (File → Trust Notebook) or re-run its cells.</div></div>\n` +
    '<script type="text/javascript">\n' +
    '(function () {\n' +
    `  var id = "${id}", spec = ${scriptSafeJson(spec)}, tries = 0;\n` +
    '  function draw() {\n' +
    '    var el = document.getElementById(id);\n' +
    '    if (!el || !window.Plotly) {\n' +
    '      if (tries++ < 100) { setTimeout(draw, 50); return; }\n' +
    '      if (el) el.firstChild.textContent = "Plotly is not loaded on this page: re-run the notebook from its first cell (which embeds Plotly), then save it.";\n' +
    '      return;\n' +
    '    }\n' +
    '    el.innerHTML = "";\n' +
    '    window.Plotly.newPlot(el, spec.data, spec.layout, spec.config);\n' +
    '  }\n' +
    '  draw();\n' +
    '})();\n</script>'
  );
}

function titleOf(fig: Figure): string | undefined {
  const t = fig.layout.title;
  if (typeof t === 'string') return t;
  if (t && typeof t === 'object' && typeof (t as { text?: unknown }).text === 'string') return (t as { text: string }).text;
  return undefined;
}

/**
 * A static HTML table: escaped text, formatted numbers right-aligned.
 * @throws RangeError for ragged rows (see `formatTable`).
 */
export function tableHtml(options: ShowTableOptions): string {
  const cells = formatTable(options);
  const numeric = options.columns.map((_, j) => options.rows.length > 0 && options.rows.every((r) => typeof r[j] === 'number' || r[j] == null));
  const align = (j: number) => (numeric[j] ? 'right' : 'left');
  const th = options.columns.map((c, j) => `<th style="text-align:${align(j)};padding:4px 10px;border-bottom:2px solid #888;">${escapeHtml(c)}</th>`).join('');
  const body = cells
    .map((r) => `<tr>${r.map((v, j) => `<td style="text-align:${align(j)};padding:3px 10px;border-bottom:1px solid #ddd;">${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = options.caption ? `<caption style="caption-side:top;text-align:left;font-weight:bold;padding:4px 0;">${escapeHtml(options.caption)}</caption>` : '';
  return `<table class="fmnist-table" style="border-collapse:collapse;margin:6px 0;font-size:13px;">${caption}<thead><tr>${th}</tr></thead><tbody>\n${body}\n</tbody></table>`;
}

let idCounter = 0;

/**
 * Creates a {@link Display} writing to `sink`. Each display tracks whether it has embedded the
 * Plotly bundle in `options.state` (a fresh object by default).
 * @example
 * const out: string[] = [];
 * const d = createDisplay({ html: (s) => out.push(s) }, { bundleSource: () => 'window.Plotly={newPlot(){}}' });
 * d.showFigure(barChart({ categories: ['a'], values: [1] })); // out: [bundle + figure]
 */
export function createDisplay(sink: HtmlSink, options: CreateDisplayOptions = {}): Display {
  const state = options.state ?? { plotlyLoaded: false };
  const bundleSource = options.bundleSource ?? readPlotlyBundle;
  const prefix = options.idPrefix ?? 'fmnist-plot';
  const session = randomBytes(4).toString('hex');
  const bundle = () => plotlyBundleHtml(bundleSource(), options.bundleSource ? 'custom' : plotlyVersion());
  return {
    showFigure(fig, opts = {}) {
      const id = `${prefix}-${session}-${++idCounter}`;
      const html = figureHtml(fig, id, opts);
      if (!state.plotlyLoaded) {
        sink.html(bundle() + '\n' + html);
        state.plotlyLoaded = true;
      } else {
        sink.html(html);
      }
    },
    showHtml(html) {
      sink.html(html);
    },
    showTable(opts) {
      sink.html(tableHtml(opts));
    },
    showMarkdown(markdown) {
      if (sink.markdown) sink.markdown(markdown);
      else sink.html(`<pre style="white-space:pre-wrap;">${escapeHtml(markdown)}</pre>`);
    },
    loadPlotly(force = true) {
      if (state.plotlyLoaded && !force) return;
      sink.html(bundle());
      state.plotlyLoaded = true;
    },
    get plotlyLoaded() {
      return state.plotlyLoaded;
    },
  };
}

/** The tslab display, required lazily (tslab is only present inside a notebook kernel). */
export function tslabSink(): HtmlSink {
  let tslab: { display: HtmlSink };
  try {
    tslab = require('tslab') as { display: HtmlSink };
  } catch {
    throw new Error("The notebook display needs the 'tslab' package (it runs inside a tslab kernel): run `npm install`, or use createDisplay(sink) outside notebooks.");
  }
  return { html: (s) => tslab.display.html(s), markdown: (s) => tslab.display.markdown!(s) };
}

/**
 * Per-process state of the default display, stored on `globalThis` under a registered symbol
 * so that two copies of this module in one kernel (e.g. `src/` and `dist/`) still embed the
 * bundle only once.
 */
function processState(): { plotlyLoaded: boolean } {
  const key = Symbol.for('fmnist-cluster.notebook.display.state');
  const g = globalThis as unknown as Record<symbol, { plotlyLoaded: boolean; pid: number } | undefined>;
  let s = g[key];
  if (!s || s.pid !== process.pid) {
    s = { plotlyLoaded: false, pid: process.pid };
    g[key] = s;
  }
  return s;
}

let defaultDisplay: Display | undefined;

/** The default display: tslab's output, one Plotly embed per kernel process (created on first use). */
export function getDisplay(): Display {
  defaultDisplay ??= createDisplay(
    {
      html: (s) => tslabSink().html(s),
      markdown: (s) => tslabSink().markdown!(s),
    },
    { state: processState() },
  );
  return defaultDisplay;
}

/** Renders a figure in the current tslab notebook (see {@link Display.showFigure}). */
export function showFigure(fig: Figure, options?: ShowFigureOptions): void {
  getDisplay().showFigure(fig, options);
}

/** Emits raw HTML in the current tslab notebook. */
export function showHtml(html: string): void {
  getDisplay().showHtml(html);
}

/** Renders a static HTML table in the current tslab notebook. */
export function showTable(options: ShowTableOptions): void {
  getDisplay().showTable(options);
}

/** Renders markdown in the current tslab notebook. */
export function showMarkdown(markdown: string): void {
  getDisplay().showMarkdown(markdown);
}

/** Embeds the Plotly bundle in the current tslab notebook (call it in the first cell). */
export function loadPlotly(force = true): void {
  getDisplay().loadPlotly(force);
}
