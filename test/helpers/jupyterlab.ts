/**
 * Starts the project's JupyterLab (from `.venv`, installed by scripts/setup.sh) for a browser test:
 * 127.0.0.1, a free port, a random token, its own runtime and config folders, the tslab kernel
 * spec of `.jupyter/`, `REPORT_SCALE=smoke`, a fresh `FMNIST_CACHE_DIR`, and a root folder that is
 * a copy of `notebooks/` inside the project (`test-output/lab-notebooks-<random>/`), so that
 * `import ... from 'fmnist-cluster'` resolves as it does for the real notebooks, which the server
 * never touches. `stop()` shuts the kernels and the server down and kills what is left of them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

export interface JupyterLab {
  /** `http://127.0.0.1:<port>` */
  readonly baseUrl: string;
  readonly token: string;
  /** The server's root folder: a copy of notebooks/. */
  readonly rootDir: string;
  /** The FMNIST_CACHE_DIR the kernels see. */
  readonly cacheDir: string;
  /** `<baseUrl>/lab/tree/<file>?reset&token=…` (`reset`: a fresh workspace, only this notebook open). */
  labUrl(file: string): string;
  /** Shuts down every running kernel (e.g. the previous notebook's). */
  shutdownKernels(): Promise<void>;
  /** GET/POST a server API path with the token. */
  api(pathname: string, init?: { method?: string }): Promise<Response>;
  /** The server's output so far (for failure messages). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Project whose `.venv`, `.jupyter` and `notebooks/` are used (default: this project). */
  readonly projectRoot?: string;
  /** Extra environment for the server and its kernels. */
  readonly env?: Record<string, string>;
  /** Seconds to wait for `/api/status` (default 90). */
  readonly startTimeoutSeconds?: number;
}

const SETUP_HINT = 'Run `bash scripts/setup.sh` (it creates .venv with JupyterLab from requirements.txt and the tslab kernel spec in .jupyter/).';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

function writeJson(file: string, value: unknown): void {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify(value, null, 2));
}

/** Pids of processes (kernels) whose command line mentions `needle` (our own runtime folder). */
function pidsMentioning(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').includes(needle)) pids.push(Number(entry));
    } catch {
      // the process ended meanwhile
    }
  }
  return pids;
}

function killQuietly(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(pid, signal);
  } catch {
    // already gone
  }
}

function exited(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startJupyterLab(options: StartOptions = {}): Promise<JupyterLab> {
  const root = options.projectRoot ?? PROJECT_ROOT;
  const jupyter = path.join(root, '.venv', 'bin', 'jupyter');
  if (!existsSync(jupyter)) throw new Error(`JupyterLab is not installed: ${jupyter} is missing. ${SETUP_HINT}`);
  if (!existsSync(path.join(root, '.venv', 'bin', 'jupyter-lab'))) throw new Error(`JupyterLab is not installed in ${path.join(root, '.venv')}. ${SETUP_HINT}`);
  const kernelSpec = path.join(root, '.jupyter', 'kernels', 'tslab', 'kernel.json');
  if (!existsSync(kernelSpec)) throw new Error(`The tslab kernel spec ${kernelSpec} is missing. ${SETUP_HINT}`);

  const token = randomBytes(24).toString('hex');
  const port = await freePort();
  const outputDir = path.join(root, 'test-output');
  mkdirSync(outputDir, { recursive: true });
  // Inside the project, so node's lookup finds node_modules/fmnist-cluster and tslab its kernel.
  const rootDir = mkdtempSync(path.join(outputDir, 'lab-notebooks-'));
  for (const f of readdirSync(path.join(root, 'notebooks')).filter((n) => n.endsWith('.ipynb'))) {
    cpSync(path.join(root, 'notebooks', f), path.join(rootDir, f));
  }
  const scratch = mkdtempSync(path.join(tmpdir(), 'fmnist-lab-'));
  const runtimeDir = path.join(scratch, 'runtime');
  const configDir = path.join(scratch, 'config');
  const cacheDir = path.join(scratch, 'cache');
  mkdirSync(runtimeDir, { recursive: true });
  mkdirSync(cacheDir, { recursive: true });
  // No news, no update checks, no "get notified?" toast, and every cell attached to the DOM
  // (JupyterLab 4 otherwise skips rendering off-screen cells, which a test cannot count).
  writeJson(path.join(configDir, 'jupyter_lab_config.json'), {
    LabApp: { news_url: null, check_for_updates_class: 'jupyterlab.handlers.announcements.NeverCheckForUpdate' },
  });
  const settings = path.join(configDir, 'lab', 'user-settings', '@jupyterlab');
  writeJson(path.join(settings, 'apputils-extension', 'notification.jupyterlab-settings'), { fetchNews: 'false', checkForUpdates: false });
  writeJson(path.join(settings, 'notebook-extension', 'tracker.jupyterlab-settings'), { windowingMode: 'none' });
  // Saved when the test says so, not every two minutes.
  writeJson(path.join(settings, 'docmanager-extension', 'plugin.jupyterlab-settings'), { autosave: false });

  const args = ['lab', '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0',
    `--IdentityProvider.token=${token}`, `--ServerApp.root_dir=${rootDir}`];
  if (process.getuid?.() === 0) args.push('--allow-root');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(root, '.jupyter'),
    JUPYTER_RUNTIME_DIR: runtimeDir,
    JUPYTER_CONFIG_DIR: configDir,
    JUPYTERLAB_SETTINGS_DIR: path.join(configDir, 'lab', 'user-settings'),
    JUPYTERLAB_WORKSPACES_DIR: path.join(configDir, 'lab', 'workspaces'),
    REPORT_SCALE: 'smoke',
    FMNIST_CACHE_DIR: cacheDir,
    ...options.env,
  };
  // Own process group (detached) so that stop() can signal the server and anything it started.
  const child = spawn(jupyter, args, { cwd: rootDir, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  let spawnError: Error | undefined;
  child.on('error', (err) => (spawnError = err));

  const baseUrl = `http://127.0.0.1:${port}`;
  const headers = { Authorization: `token ${token}` };
  const api = (pathname: string, init: { method?: string } = {}) =>
    fetch(`${baseUrl}${pathname}`, { method: init.method ?? 'GET', headers, signal: AbortSignal.timeout(10_000) });

  const killAll = (signal: NodeJS.Signals) => {
    if (child.pid !== undefined) killQuietly(-child.pid, signal);
    for (const pid of pidsMentioning(runtimeDir)) killQuietly(pid, signal);
  };
  // Last resort if the test process dies without running stop().
  const onExit = () => killAll('SIGKILL');
  process.once('exit', onExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    try {
      if (child.exitCode === null && child.signalCode === null) {
        // Kernels run in sessions of their own: shut them down through the server first.
        try {
          const kernels = (await (await api('/api/kernels')).json()) as { id: string }[];
          await Promise.all(kernels.map((k) => api(`/api/kernels/${k.id}`, { method: 'DELETE' }).catch(() => undefined)));
          await api('/api/shutdown', { method: 'POST' });
        } catch {
          // the server is not answering: signals below
        }
        if (!(await exited(child, 10_000))) {
          killAll('SIGTERM');
          if (!(await exited(child, 5_000))) killAll('SIGKILL');
        }
      }
      killAll('SIGKILL'); // anything left holding our runtime folder (kernels of a killed server)
    } finally {
      process.removeListener('exit', onExit);
      rmSync(scratch, { recursive: true, force: true });
      rmSync(rootDir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + (options.startTimeoutSeconds ?? 90) * 1000;
  for (;;) {
    if (spawnError || child.exitCode !== null || child.signalCode !== null) {
      await stop();
      throw new Error(`JupyterLab (${jupyter}) did not start${spawnError ? `: ${spawnError.message}` : ` (exit ${child.exitCode ?? child.signalCode})`}. ${SETUP_HINT}\n${output}`);
    }
    try {
      const res = await fetch(`${baseUrl}/api/status`, { headers, signal: AbortSignal.timeout(2_000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`JupyterLab did not answer ${baseUrl}/api/status within ${options.startTimeoutSeconds ?? 90} s.\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }

  return {
    baseUrl,
    token,
    rootDir,
    cacheDir,
    labUrl: (file) => `${baseUrl}/lab/tree/${encodeURIComponent(file)}?reset&token=${token}`,
    shutdownKernels: async () => {
      const kernels = (await (await api('/api/kernels')).json()) as { id: string }[];
      await Promise.all(kernels.map((k) => api(`/api/kernels/${k.id}`, { method: 'DELETE' })));
    },
    api,
    log: () => output,
    stop,
  };
}

// ---------------------------------------------------------------------------------------------
// Driving JupyterLab's UI with playwright-core. Only the DOM and the menus are used (no
// `window.jupyterapp`), the way a user would.

export const PLOTLY_MIME = 'application/vnd.plotly.v1+json';

/** What the notebook's DOM shows: kernel, prompts, error outputs and figures. */
export interface NotebookView {
  /** Kernel name in the notebook toolbar, e.g. "TypeScript (tslab)". */
  readonly kernelName: string;
  /** The toolbar's execution indicator: `idle`, `busy`, `connecting`, … */
  readonly kernelStatus: string;
  /** One per code cell, in order: its prompt text (`[3]:`, `[*]:`, `[ ]:`) and the start of its source. */
  readonly codeCells: { prompt: string; source: string }[];
  /** Text of stderr and error outputs (tslab writes compile and runtime errors to stderr). */
  readonly errors: string[];
  /** One per figure output (Plotly MIME output, or the HTML of a `.fmnist-plot` div). */
  readonly figures: FigureView[];
  /** Texts of open dialogs (e.g. "The kernel … appears to have died"). */
  readonly dialogs: string[];
  /** The status bar's kernel item, e.g. "TypeScript (tslab) | Idle". */
  readonly statusBarKernel: string;
}

export interface FigureView {
  /** Index of the code cell holding the figure. */
  readonly cell: number;
  readonly mime: string;
  readonly title: string;
  /** A `.js-plotly-plot` with a `.main-svg` holding at least one trace, heatmap or image. */
  readonly drawn: boolean;
  /** Plot-content layers present (`scatterlayer`, `heatmaplayer`, …). */
  readonly layers: string[];
  /** Text shown when Plotly could not draw (the placeholder or its hint), if any. */
  readonly placeholder: string;
  /** Traces' types and, per trace, the length of `x` and of `z[0]` (heatmaps), read from the plot element. */
  readonly traces: { type: string; x: number | null; z0: number | null }[];
  /** Tick labels of the x axis as drawn. */
  readonly xTicks: string[];
}

type Page = import('playwright-core').Page;

export async function readNotebookView(page: Page): Promise<NotebookView> {
  return page.evaluate((plotlyMime) => {
    // The notebook in front (JupyterLab hides background tabs by class or by scaling them to 0).
    const panel = Array.from(document.querySelectorAll('.jp-NotebookPanel'))
      .find((p) => !p.classList.contains('lm-mod-hidden') && p.getBoundingClientRect().width > 0);
    const dialogs = Array.from(document.querySelectorAll('.jp-Dialog')).map((d) => (d.textContent ?? '').trim());
    const statusBarKernel = Array.from(document.querySelectorAll('#jp-main-statusbar .jp-StatusBar-TextItem'))
      .map((e) => e.textContent ?? '').find((t) => / \| /.test(t)) ?? '';
    if (!panel) return { kernelName: '', kernelStatus: 'no notebook', codeCells: [], errors: [], figures: [], dialogs, statusBarKernel };
    const kernelName = panel.querySelector('.jp-Toolbar-kernelName')?.textContent?.trim() ?? '';
    const kernelStatus = panel.querySelector('.jp-Notebook-ExecutionIndicator')?.getAttribute('data-status') ?? '';
    const cells = Array.from(panel.querySelectorAll('.jp-Notebook .jp-CodeCell'));
    const codeCells = cells.map((c) => ({
      prompt: c.querySelector('.jp-InputArea-prompt')?.textContent?.trim() ?? '',
      source: (c.querySelector('.cm-content')?.textContent ?? '').slice(0, 80),
    }));
    const errors = Array.from(panel.querySelectorAll(
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"], .jp-RenderedText[data-mime-type="application/vnd.jupyter.error"]',
    )).map((e) => (e.textContent ?? '').trim().slice(0, 2000));
    const figures: FigureView[] = [];
    cells.forEach((cell, index) => {
      for (const out of Array.from(cell.querySelectorAll('.jp-OutputArea-output'))) {
        // The Plotly renderer's output is itself the plot (`.jp-RenderedPlotly.js-plotly-plot`, no
        // data-mime-type); an HTML figure is a `.fmnist-plot` div that Plotly.newPlot draws into.
        const plotly = out.classList.contains('jp-RenderedPlotly') || out.getAttribute('data-mime-type') === plotlyMime;
        if (!plotly && !out.matches('.js-plotly-plot') && !out.querySelector('.fmnist-plot, .js-plotly-plot')) continue;
        const mime = plotly ? plotlyMime : out.getAttribute('data-mime-type') ?? '';
        const plot = (out.matches('.js-plotly-plot') ? out : out.querySelector('.js-plotly-plot')) as (HTMLElement & { data?: { type?: string; x?: unknown[]; z?: unknown[][] }[]; layout?: { title?: string | { text?: string } } }) | null;
        const svg = plot?.querySelector('svg.main-svg');
        const content = svg ? svg.querySelectorAll('g.trace, g.hm, g.im, image').length : 0;
        const layers = svg ? Array.from(new Set(Array.from(svg.querySelectorAll('g[class$="layer"]'))
          .filter((g) => g.childElementCount > 0).map((g) => g.getAttribute('class') ?? '')))
          .filter((c) => /scatter|heatmap|image|bar|histogram|contour/.test(c)) : [];
        const t = plot?.layout?.title;
        const title = (typeof t === 'string' ? t : t?.text) ?? plot?.querySelector('.gtitle')?.textContent ?? '';
        const traces = (plot?.data ?? []).map((d) => ({
          type: d.type ?? 'scatter',
          x: Array.isArray(d.x) ? d.x.length : null,
          z0: Array.isArray(d.z) && Array.isArray(d.z[0]) ? d.z[0].length : null,
        }));
        const xTicks = plot ? Array.from(plot.querySelectorAll('.xaxislayer-above .xtick text, .xtick text')).map((e) => e.textContent ?? '') : [];
        figures.push({
          cell: index,
          mime,
          title,
          drawn: Boolean(plot && svg && content > 0),
          layers,
          placeholder: plot ? '' : (out.textContent ?? '').trim().slice(0, 300),
          traces,
          xTicks: Array.from(new Set(xTicks)),
        });
      }
    });
    return { kernelName, kernelStatus, codeCells, errors, figures, dialogs, statusBarKernel };
  }, PLOTLY_MIME);
}

/** Clicks the default button of any JupyterLab dialog (e.g. a first-run question); returns their texts. */
export async function dismissDialogs(page: Page): Promise<string[]> {
  const texts: string[] = [];
  for (let i = 0; i < 5; i++) {
    const dialog = page.locator('.jp-Dialog').first();
    if ((await dialog.count()) === 0) break;
    texts.push((await dialog.textContent()) ?? '');
    const accept = dialog.locator('.jp-Dialog-button.jp-mod-accept').first();
    if ((await accept.count()) > 0) await accept.click();
    else await page.keyboard.press('Escape');
    await page.waitForTimeout(300);
  }
  return texts;
}

/** Polls `readNotebookView` until `done(view)` holds twice in a row (500 ms apart) or the timeout. */
export async function waitForView(page: Page, what: string, done: (v: NotebookView) => boolean, timeoutMs: number): Promise<NotebookView> {
  const deadline = Date.now() + timeoutMs;
  let last: NotebookView | undefined;
  let hits = 0;
  for (;;) {
    last = await readNotebookView(page);
    const kernelDialog = last.dialogs.find((d) => /kernel/i.test(d));
    if (kernelDialog) throw new Error(`While waiting for ${what}, JupyterLab says: ${kernelDialog}`);
    hits = done(last) ? hits + 1 : 0;
    if (hits >= 2) return last;
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}; kernel '${last.kernelName}' is ${last.kernelStatus}, prompts ${last.codeCells.map((c) => c.prompt).join(' ')}` +
        (last.errors.length ? `; errors: ${last.errors.join(' | ').slice(0, 1500)}` : ''));
    }
    await page.waitForTimeout(500);
  }
}

const executionCount = (prompt: string): number | null => {
  const m = /\[(\d+)\]/.exec(prompt);
  return m ? Number(m[1]) : null;
};

/** The largest execution count shown in the notebook (0 before any run). */
export function lastExecutionCount(view: NotebookView): number {
  return Math.max(0, ...view.codeCells.map((c) => executionCount(c.prompt) ?? 0));
}

/**
 * Waits until the kernel is idle, no cell is queued or running (`[*]`), and every code cell from
 * `fromCell` on shows an execution count above `after`.
 */
export function waitForExecution(page: Page, options: { after: number; fromCell?: number; timeoutMs: number }): Promise<NotebookView> {
  let stalledSince: number | undefined;
  return waitForView(page, 'the cells to finish running', (v) => {
    const settled = v.kernelStatus === 'idle' && v.codeCells.length > 0 && !v.codeCells.some((c) => c.prompt.includes('*'));
    const targets = v.codeCells.slice(options.fromCell ?? 0);
    const pending = targets.findIndex((c) => (executionCount(c.prompt) ?? 0) <= options.after);
    if (!settled || pending < 0) {
      stalledSince = undefined;
      return settled;
    }
    // Idle, nothing queued, yet cells not run: a failing cell stopped the run (JupyterLab skips the rest).
    stalledSince ??= Date.now();
    if (v.errors.length > 0 || Date.now() - stalledSince > 15_000) {
      throw new Error(`The run stopped before code cell ${(options.fromCell ?? 0) + pending} (prompts ${v.codeCells.map((c) => c.prompt).join(' ')})` +
        (v.errors.length ? `; errors:\n${v.errors.join('\n---\n').slice(0, 3000)}` : ''));
    }
    return false;
  }, options.timeoutMs);
}

/** Opens `file` in JupyterLab and waits for its kernel to be idle. */
export async function openNotebook(page: Page, lab: JupyterLab, file: string, timeoutMs = 90_000): Promise<{ view: NotebookView; dialogs: string[] }> {
  await page.goto(lab.labUrl(file));
  await page.waitForSelector('.jp-NotebookPanel .jp-Notebook .jp-Cell', { timeout: timeoutMs });
  const dialogs = await dismissDialogs(page);
  const view = await waitForView(page, `the kernel of ${file} to start`, (v) =>
    v.kernelStatus === 'idle' && v.kernelName !== '' && !/no kernel/i.test(v.kernelName) && v.statusBarKernel === `${v.kernelName} | Idle`, timeoutMs);
  dialogs.push(...(await dismissDialogs(page)));
  return { view, dialogs };
}

/** Clicks a menu-bar menu, then its entry for `command` (e.g. `File` → `docmanager:save`). */
export async function menu(page: Page, title: string, command: string): Promise<void> {
  await page.locator('.lm-MenuBar-item', { hasText: new RegExp(`^${title}$`) }).click();
  await page.locator(`.lm-Menu-item[data-command="${command}"]`).click();
}

/** Runs a Run-menu entry, e.g. `runmenu:run-all` (Run All Cells) or `notebook:run-all-below`. */
export function runMenu(page: Page, command: string): Promise<void> {
  return menu(page, 'Run', command);
}

/**
 * Replaces `find` by `replace` in the first code cell whose source contains `find`, through the
 * editor: click into that line, select the line's text and type the edited line.
 * Returns the code cell's index.
 */
export async function editCodeCell(page: Page, find: string, replace: string): Promise<number> {
  const cells = page.locator('.jp-NotebookPanel .jp-Notebook .jp-CodeCell');
  const count = await cells.count();
  for (let i = 0; i < count; i++) {
    const cell = cells.nth(i);
    const line = cell.locator('.cm-line', { hasText: find }).first();
    if ((await line.count()) === 0) continue;
    const before = (await line.textContent()) ?? '';
    await line.scrollIntoViewIfNeeded();
    await line.click();
    await page.keyboard.press('End');
    await page.keyboard.press('Shift+Home'); // to the end of the indentation
    const indent = /^\s*/.exec(before)![0];
    await page.keyboard.insertText(before.slice(indent.length).replace(find, replace));
    const after = (await cell.locator('.cm-content').textContent()) ?? '';
    if (!after.includes(before.replace(find, replace)) || after.includes(before)) {
      throw new Error(`editCodeCell: after editing, code cell ${i} reads:\n${after}\nexpected the line '${before.replace(find, replace)}'.`);
    }
    return i;
  }
  throw new Error(`editCodeCell: no code cell contains '${find}'.`);
}

/** Selects code cell `index` in command mode (so "Run Selected Cell and All Below" starts there). */
export async function selectCodeCell(page: Page, index: number): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.jp-NotebookPanel .jp-Notebook .jp-CodeCell').nth(index).locator('.jp-InputArea-prompt').click();
}

/** Saves the notebook (File → Save Notebook) and waits until the file on disk is rewritten; returns its JSON. */
export async function saveNotebook(page: Page, file: string, timeoutMs = 20_000): Promise<NotebookJson> {
  const mtime = () => (existsSync(file) ? statSync(file).mtimeMs : 0);
  const before = mtime();
  await menu(page, 'File', 'docmanager:save');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = mtime() !== before ? readFileSync(file, 'utf8') : '';
    if (now.trim().endsWith('}')) {
      try {
        return JSON.parse(now) as NotebookJson;
      } catch {
        // being written
      }
    }
    if (Date.now() > deadline) throw new Error(`saveNotebook: ${file} did not change within ${timeoutMs / 1000} s of File → Save Notebook.`);
    await page.waitForTimeout(250);
  }
}

export interface NotebookJson {
  cells: { cell_type: string; source: string | string[]; outputs?: { output_type: string; name?: string; data?: Record<string, unknown> }[] }[];
}

/** Figure outputs of a saved notebook: Plotly MIME outputs, or HTML outputs holding a `.fmnist-plot` div. */
export function savedFigureCount(nb: NotebookJson): number {
  let n = 0;
  for (const cell of nb.cells) {
    for (const out of cell.outputs ?? []) {
      const data = out.data ?? {};
      const html = data['text/html'];
      const htmlText = Array.isArray(html) ? html.join('') : typeof html === 'string' ? html : '';
      if (PLOTLY_MIME in data || /class="fmnist-plot"/.test(htmlText)) n++;
    }
  }
  return n;
}

/**
 * Screenshots the whole notebook page by page (the notebook panel scrolls, not the page):
 * `<dir>/<prefix>-01.png`, `-02.png`, … Returns the files.
 */
export async function screenshotNotebook(page: Page, dir: string, prefix: string, maxPages = 40): Promise<string[]> {
  mkdirSync(dir, { recursive: true });
  const own = new RegExp(`^${prefix.replace(/[^\w-]/g, '\\$&')}-\\d+\\.png$`);
  for (const f of readdirSync(dir)) if (own.test(f)) rmSync(path.join(dir, f));
  const scroller = '.jp-NotebookPanel .jp-WindowedPanel-outer';
  // Up to the last cell's bottom (the panel's scrollHeight adds an empty "scroll past the end" area).
  const { height, client } = await page.evaluate((sel) => {
    const el = document.querySelector(sel) as HTMLElement | null;
    if (!el) return { height: 0, client: 0 };
    const top = el.getBoundingClientRect().top - el.scrollTop;
    const bottoms = Array.from(el.querySelectorAll('.jp-Cell')).map((c) => c.getBoundingClientRect().bottom - top);
    return { height: Math.min(el.scrollHeight, Math.max(el.clientHeight, ...bottoms) + 20), client: el.clientHeight };
  }, scroller);
  const step = Math.max(200, client - 80);
  const pages = Math.min(maxPages, Math.max(1, Math.ceil((height - client) / step) + 1));
  const files: string[] = [];
  for (let i = 0; i < pages; i++) {
    await page.evaluate(({ sel, top }) => {
      const el = document.querySelector(sel) as HTMLElement | null;
      if (el) el.scrollTop = top;
    }, { sel: scroller, top: Math.max(0, Math.min(i * step, height - client)) });
    await page.waitForTimeout(300);
    const file = path.join(dir, `${prefix}-${String(i + 1).padStart(2, '0')}.png`);
    await page.screenshot({ path: file });
    files.push(file);
  }
  return files;
}

/** What one code cell shows below it: its prompt and the texts of its stdout and stderr/error outputs. */
export interface CellOutputs {
  readonly prompt: string;
  readonly stdout: string;
  readonly stderr: string;
  /** Figure outputs (Plotly) in the cell. */
  readonly figures: number;
}

/** The outputs of code cell `index` of the notebook in front. */
export async function readCellOutputs(page: Page, index: number): Promise<CellOutputs> {
  return page.evaluate(({ index, plotlyMime }) => {
    const panel = Array.from(document.querySelectorAll('.jp-NotebookPanel'))
      .find((p) => !p.classList.contains('lm-mod-hidden') && p.getBoundingClientRect().width > 0);
    const cell = panel?.querySelectorAll('.jp-Notebook .jp-CodeCell')[index];
    if (!cell) return { prompt: '', stdout: '', stderr: '', figures: 0 };
    // No named helper functions in here: tsx would wrap them in a `__name` call the page does not have.
    const [stdout, stderr] = [
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stdout"]',
      '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"], .jp-OutputArea-output[data-mime-type="application/vnd.jupyter.error"]',
    ].map((selector) => Array.from(cell.querySelectorAll(selector)).map((e) => e.textContent ?? '').join(''));
    return {
      prompt: cell.querySelector('.jp-InputArea-prompt')?.textContent?.trim() ?? '',
      stdout: stdout!,
      stderr: stderr!,
      figures: cell.querySelectorAll(`.jp-RenderedPlotly, .jp-OutputArea-output[data-mime-type="${plotlyMime}"], .fmnist-plot`).length,
    };
  }, { index, plotlyMime: PLOTLY_MIME });
}

/** Selects code cell `index` and runs it alone (Run → Run Selected Cell and Do not Advance). */
export async function runCodeCell(page: Page, index: number): Promise<void> {
  await selectCodeCell(page, index);
  await runMenu(page, 'notebook:run-cell');
}

/** Polls code cell `index`'s outputs until `done(outputs)` holds or the timeout; fails early on a kernel dialog. */
export async function waitForCell(page: Page, index: number, what: string, done: (o: CellOutputs) => boolean, timeoutMs: number): Promise<CellOutputs> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const out = await readCellOutputs(page, index);
    if (done(out)) return out;
    const view = await readNotebookView(page);
    const kernelDialog = view.dialogs.find((d) => /kernel/i.test(d));
    if (kernelDialog) throw new Error(`While waiting for ${what}, JupyterLab says: ${kernelDialog}`);
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${what}; cell ${index} shows prompt ${out.prompt}, stdout:\n${out.stdout.slice(-1500)}\nstderr:\n${out.stderr.slice(-1500)}`);
    }
    await page.waitForTimeout(300);
  }
}

/** Presses ■ (Interrupt the kernel) in the notebook's toolbar, as a user does. */
export async function interruptKernel(page: Page): Promise<void> {
  await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-NotebookPanel-toolbar [data-jp-item-name="interrupt"] button').first().click();
}
