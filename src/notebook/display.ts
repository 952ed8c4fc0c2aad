/**
 * Renders figures and tables in tslab notebooks so that they show everywhere a user looks:
 *
 * - each figure is ONE output carrying three representations (a MIME bundle):
 *   `application/vnd.plotly.v1+json` (drawn by the Plotly renderer that the `plotly` Python
 *   package installs into JupyterLab 4 / Notebook 7 — a "safe" renderer, so it draws even in an
 *   untrusted notebook reopened from `reports/notebooks/`), `text/html` (a `<div>` plus a
 *   `Plotly.newPlot` script, used by nbconvert's HTML export and the classic Notebook) and
 *   `text/plain` (the title, for terminals). tslab's public `display` sends one MIME type per
 *   output, so bundles go through tslab's kernel-side writer (`tslab/dist/jupyter.js`,
 *   `lastWriteDisplayData`, the function `display.raw` itself calls; checked by a test at the
 *   pinned tslab version); where it is missing, the HTML alone is sent;
 * - plotly.js is NOT embedded in notebooks (it would add 4.8 MB to every saved notebook):
 *   `npm run report` puts it once into each exported HTML page, and {@link Display.loadPlotly}
 *   emits a 1 kB loader for the classic Notebook that fetches the bundle `scripts/setup.sh`
 *   copies into the project's `.jupyter/nbextensions/`, hiding AMD `define` so RequireJS
 *   cannot capture it;
 * - the HTML figure script waits briefly for `window.Plotly`, and otherwise writes a visible
 *   hint into the figure's `<div>` instead of failing silently.
 *
 * The output sink is injectable ({@link createDisplay}) so this module is testable without
 * tslab; the default {@link getDisplay} binds to tslab lazily.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { scriptSafeJson, type Figure } from '../plots/figure.js';
import { formatTable, escapeHtml, type TableOptions } from '../plots/table.js';

/** A MIME bundle: one output with several representations (the frontend shows the richest it can). */
export type MimeBundle = Readonly<Record<string, string | object>>;

/** Where outputs go: tslab's display, or a test double. */
export interface HtmlSink {
  html(s: string): void;
  markdown?(s: string): void;
  /** One output with several MIME types; sinks without it get the `text/html` part only. */
  bundle?(data: MimeBundle): void;
}

/** The MIME type of Plotly figures (rendered by the `plotly` package's JupyterLab/Notebook 7 extension). */
export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

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
   * Emits the small plotly.js loader for the classic Notebook (JupyterLab and Notebook 7 draw
   * figures with their Plotly renderer and ignore it), as an `application/javascript` output where
   * the sink takes MIME bundles, else as HTML. Call it in a notebook's first cell.
   * @param force emit even if already emitted in this process (default true).
   */
  loadPlotly(force?: boolean): void;
  /** Whether the loader has been emitted (by this display) in this process. */
  readonly plotlyLoaded: boolean;
}

/** Options of {@link createDisplay}. */
export interface CreateDisplayOptions {
  /** Shared state object; the default display uses one per process (see {@link getDisplay}). */
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
 * What `Plotly.newPlot` gets for a figure shown with these options: its traces, its layout with
 * the height (option, else the layout's, else 450 px) and width, and `responsive` config. The same
 * spec feeds the HTML output and the Plotly MIME output.
 */
export function plotlySpec(fig: Figure, options: ShowFigureOptions = {}): Required<Figure> {
  const layout: Record<string, unknown> = { ...fig.layout, height: options.height ?? (typeof fig.layout.height === 'number' ? fig.layout.height : 450) };
  if (options.width !== undefined) layout.width = options.width;
  return { data: fig.data, layout, config: { responsive: true, ...(fig.config ?? {}) } };
}

/**
 * What a figure's HTML fallback says where its script does not run (JupyterLab 4 draws figures
 * from their Plotly data and never shows it; nbconvert's plain HTML export and the classic
 * Notebook do). Names JupyterLab 4's real commands: it has no File → Trust Notebook menu entry,
 * only the command palette's "Trust Notebook".
 */
export const FIGURE_PLACEHOLDER_HINT =
  'drawn by JavaScript. If it stays blank: in JupyterLab re-run the cell (Run → Run Selected Cell), or trust the notebook ' +
  '(View → Activate Command Palette, then "Trust Notebook"); for a page that draws offline, export with File → Save and Export ' +
  'Notebook As → HTML from `npm run notebook`, or open the pages of `npm run report`.';

/** What a figure's HTML fallback says where scripts run but the page has no plotly.js. */
export const PLOTLY_MISSING_HINT =
  'plotly.js is not on this page. Export with File → Save and Export Notebook As → HTML from `npm run notebook` ' +
  '(its template embeds plotly.js), or open the pages of `npm run report`; in the classic Notebook, run the first cell.';

/**
 * The HTML of one figure: a sized `<div>` with a placeholder (visible where scripts do not run,
 * e.g. an untrusted notebook) and a script that draws the figure with `Plotly.newPlot`.
 */
export function figureHtml(fig: Figure, id: string, options: ShowFigureOptions = {}): string {
  if (!/^[A-Za-z][\w-]*$/.test(id)) throw new RangeError(`figureHtml: id must be a plain HTML id (letters, digits, - or _), got '${id}'.`);
  if (!fig || !Array.isArray(fig.data) || typeof fig.layout !== 'object' || fig.layout === null) {
    throw new TypeError('figureHtml: fig must be a Figure { data: object[], layout: object, config?: object }.');
  }
  const spec = plotlySpec(fig, options);
  const height = spec.layout.height as number;
  const title = titleOf(fig);
  const width = options.width !== undefined ? `${options.width}px` : '100%';
  return (
    `<div id="${id}" class="fmnist-plot" style="width:${width};height:${height}px;">` +
    `<div class="fmnist-plot-placeholder" style="padding:1em;color:#666;font:13px sans-serif;">` +
    `Figure${title ? ` “${escapeHtml(title)}”` : ''}: ${FIGURE_PLACEHOLDER_HINT}</div></div>\n` +
    '<script type="text/javascript">\n' +
    '(function () {\n' +
    `  var id = "${id}", spec = ${scriptSafeJson(spec)}, tries = 0;\n` +
    '  function draw() {\n' +
    '    var el = document.getElementById(id);\n' +
    '    if (!el || !window.Plotly) {\n' +
    '      if (tries++ < 100) { setTimeout(draw, 50); return; }\n' +
    `      if (el) el.firstChild.textContent = ${JSON.stringify(PLOTLY_MISSING_HINT)};\n` +
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
 * The tags and attributes that survive nbconvert's "Sanitize HTML" (its `clean_html` filter:
 * bleach's defaults plus `div`, `pre`, `code`, `span`, `table`, `tr`, `td`, and only `class` / `id`
 * attributes). JupyterLab's own HTML export sanitizes by default, and bleach shows any other tag
 * (`caption`, `thead`, `th`, …) as escaped text; so tables use only these, with inline styles that
 * are dropped there (the page's CSS then styles the table) and kept everywhere else.
 */
export const SANITIZE_SAFE_TABLE_TAGS: readonly string[] = ['div', 'b', 'table', 'tr', 'td'];

/**
 * A static HTML table: escaped text, formatted numbers right-aligned, the caption a bold line
 * above it. Written with {@link SANITIZE_SAFE_TABLE_TAGS} only, so it stays a table in every
 * place a notebook is shown: JupyterLab (trusted or not), nbconvert's HTML export with or
 * without "Sanitize HTML", the classic Notebook. The header is the first row, in bold.
 * @throws RangeError for ragged rows (see `formatTable`).
 * @example tableHtml({ caption: 'Scores', columns: ['pipeline', 'NMI'], rows: [['K-Means', 0.513]] })
 */
export function tableHtml(options: ShowTableOptions): string {
  const cells = formatTable(options);
  const numeric = options.columns.map((_, j) => options.rows.length > 0 && options.rows.every((r) => typeof r[j] === 'number' || r[j] == null));
  const align = (j: number) => (numeric[j] ? 'right' : 'left');
  const head = options.columns.map((c, j) => `<td style="text-align:${align(j)};padding:4px 10px;border-bottom:2px solid #888;"><b>${escapeHtml(c)}</b></td>`).join('');
  const body = cells
    .map((r) => `<tr>${r.map((v, j) => `<td style="text-align:${align(j)};padding:3px 10px;border-bottom:1px solid #ddd;">${escapeHtml(v)}</td>`).join('')}</tr>`)
    .join('\n');
  const caption = options.caption ? `<div class="fmnist-table-caption" style="font-weight:bold;padding:4px 0;"><b>${escapeHtml(options.caption)}</b></div>` : '';
  return `<div class="fmnist-table">${caption}<table class="fmnist-table" style="border-collapse:collapse;margin:6px 0;font-size:13px;"><tr class="fmnist-table-head">${head}</tr>\n${body}\n</table></div>`;
}

let idCounter = 0;

/** Where `scripts/setup.sh` copies plotly.js for the classic Notebook, relative to the server's base URL. */
export const CLASSIC_PLOTLY_PATH = 'nbextensions/fmnist-cluster/plotly.min.js';

/**
 * A small script that loads plotly.js from the Jupyter server (classic Notebook: the copy in
 * `.jupyter/nbextensions/`) when the page has no `window.Plotly`, running it with AMD `define`
 * hidden. A no-op where Plotly is already on the page (exported HTML), outside the classic
 * Notebook (recognised by its `<body data-base-url>`), or when it cannot be fetched.
 * As JavaScript source ({@link plotlyLoaderHtml} wraps it in a `<script>`).
 */
export function plotlyLoaderJs(): string {
  return (
    '/* fmnist-cluster: plotly.js loader for the classic Notebook */\n' +
    '(function () {\n' +
    '  if (window.Plotly || window.__fmnistPlotlyLoading) return;\n' +
    // Only the classic Notebook sets data-base-url on <body>; JupyterLab / Notebook 7 draw figures without it.
    '  var base = document.body && document.body.getAttribute("data-base-url");\n' +
    '  if (!base) return;\n' +
    '  if (!window.fetch) return;\n' +
    '  window.__fmnistPlotlyLoading = true;\n' +
    `  fetch(base + "${CLASSIC_PLOTLY_PATH}").then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })\n` +
    '    .then(function (src) { var m = { exports: {} }; (new Function("define", "require", "module", "exports", src)).call(window, undefined, undefined, m, m.exports);\n' +
    '      if (!window.Plotly) window.Plotly = m.exports; })\n' +
    '    .catch(function () {}).then(function () { window.__fmnistPlotlyLoading = false; });\n' +
    '})();\n'
  );
}

/** {@link plotlyLoaderJs} as an HTML `<script>` (for sinks that take HTML only). */
export function plotlyLoaderHtml(): string {
  return `<script type="text/javascript">${plotlyLoaderJs()}</script>`;
}

/** The text shown for a figure where nothing richer renders (terminals, `text/plain`). */
function plainFigure(fig: Figure): string {
  const title = titleOf(fig);
  return `[Plotly figure${title ? `: ${title}` : ''}]`;
}

/**
 * Creates a {@link Display} writing to `sink`. Figures go out as one MIME bundle (Plotly JSON +
 * HTML + text) when the sink takes bundles, else as HTML.
 * @example
 * const out: MimeBundle[] = [];
 * const d = createDisplay({ html: (s) => out.push({ 'text/html': s }), bundle: (b) => out.push(b) });
 * d.showFigure(barChart({ categories: ['a'], values: [1] })); // out[0]['application/vnd.plotly.v1+json']
 */
export function createDisplay(sink: HtmlSink, options: CreateDisplayOptions = {}): Display {
  const state = options.state ?? { plotlyLoaded: false };
  const prefix = options.idPrefix ?? 'fmnist-plot';
  const session = randomBytes(4).toString('hex');
  return {
    showFigure(fig, opts = {}) {
      const id = `${prefix}-${session}-${++idCounter}`;
      const html = figureHtml(fig, id, opts);
      if (sink.bundle) {
        sink.bundle({
          // Through JSON so typed arrays become plain arrays, as in the HTML output's spec.
          [PLOTLY_MIME]: JSON.parse(scriptSafeJson(plotlySpec(fig, opts))) as object,
          'text/html': html,
          'text/plain': plainFigure(fig),
        });
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
      // As application/javascript, not a <script> in text/html: the classic Notebook runs it,
      // JupyterLab shows nothing, and nbconvert's "Sanitize HTML" drops it instead of printing
      // the script as text.
      if (sink.bundle) sink.bundle({ 'application/javascript': plotlyLoaderJs() });
      else sink.html(plotlyLoaderHtml());
      state.plotlyLoaded = true;
    },
    get plotlyLoaded() {
      return state.plotlyLoaded;
    },
  };
}

/** tslab's kernel-side display writer (what `display.raw` calls), if this tslab has it. */
type WriteDisplayData = (data: { data: MimeBundle; metadata: object; transient: object }, update: boolean) => void;

/**
 * The function that sends a `display_data` message in the running tslab kernel, read at call
 * time (tslab replaces it for every executed cell), or `undefined` when this tslab version has
 * no such internal entry point or no cell is executing.
 */
export function tslabDisplayWriter(): WriteDisplayData | undefined {
  try {
    const jupyter = require('tslab/dist/jupyter.js') as { lastWriteDisplayData?: WriteDisplayData | null };
    return typeof jupyter.lastWriteDisplayData === 'function' ? jupyter.lastWriteDisplayData : undefined;
  } catch {
    return undefined;
  }
}

/** The tslab display, required lazily (tslab is only present inside a notebook kernel). */
export function tslabSink(): HtmlSink {
  let tslab: { display: { html(s: string): void; markdown(s: string): void } };
  try {
    tslab = require('tslab') as typeof tslab;
  } catch {
    throw new Error("The notebook display needs the 'tslab' package (it runs inside a tslab kernel): run `npm install`, or use createDisplay(sink) outside notebooks.");
  }
  return {
    html: (s) => tslab.display.html(s),
    markdown: (s) => tslab.display.markdown(s),
    bundle: (data) => {
      const write = tslabDisplayWriter();
      if (write) write({ data, metadata: {}, transient: {} }, false);
      else tslab.display.html(String(data['text/html'] ?? ''));
    },
  };
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
      bundle: (b) => tslabSink().bundle!(b),
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

/** Emits the classic Notebook's plotly.js loader in the current tslab notebook (call it in the first cell). */
export function loadPlotly(force = true): void {
  getDisplay().loadPlotly(force);
}
