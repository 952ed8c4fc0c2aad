/**
 * `npm run report [-- [--include-variants] [name-filter ...]]`: executes every notebook in
 * `notebooks/` (or `$REPORT_NOTEBOOKS_DIR`) as it is, in order, at the scale chosen by REPORT_SCALE
 * (`full` by default, `smoke` for CI), then exports HTML into `reports/` (or `$REPORT_OUT_DIR`) with
 * an `index.html` that links the pages, says which notebooks differ from the committed ones, and
 * shows the summary table; variants recorded before the run (interactively) are left out unless
 * `--include-variants`. `npm run report -- --clear-variants` removes the recorded variants of the
 * scale and exits (see ./variants.ts).
 *
 * Progress goes to stdout (one line per notebook, one per cell); a failing cell is reported with
 * notebook name, cell number and the error text that tslab wrote to stderr.
 *
 * Stopping: each notebook runs in a process group of its own (scripts/execute_notebook.py, which
 * starts the kernel). SIGINT, SIGTERM or SIGHUP stops that process and its kernel (SIGKILL after
 * 10 s, or at a second signal), runs no further notebook, writes the index marked as interrupted
 * and exits with 128 + the signal's number. Should the runner itself be killed, the notebook
 * process notices its parent's death and stops its kernel. The first line of every page says
 * what it holds (`<!-- fmnist-cluster-report: complete run … -->` or `… INTERRUPTED …` /
 * `… INCOMPLETE …`): a notebook's page is replaced by an "interrupted" page before it runs, and
 * only its complete run (every cell, or up to a failing cell, shown) writes the real one.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, createWriteStream, rmSync } from 'node:fs';
import { ensureFolder } from '../data/folders.js';
import { constants as osConstants } from 'node:os';
import * as path from 'node:path';
import { formatProblem, ResultStore } from '../experiment/results.js';
import { escapeHtml } from '../plots/table.js';
import { reportScale, SCALE_ENV, scaleSettings } from '../experiment/scale.js';
import { jupyterEnv, PROJECT_ROOT, projectPython } from '../util/paths.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { renderIndexPage, type NotebookRun } from './index-page.js';
import { notebookChange, type NotebookChange } from './notebook-changes.js';
import { clearVariants, indexResults, parseReportArgs } from './variants.js';
import { plotlyBundleHtml, plotlyVersion, readPlotlyBundle } from '../notebook/display.js';


/**
 * Notebooks named `NN-topic.ipynb`, in order — except that summary notebooks (`NN-summary`) run
 * last, so they summarise every other notebook of the run (06-summary comes after 07-n2d).
 */
export function listNotebooks(dir = path.join(PROJECT_ROOT, 'notebooks')): string[] {
  const isSummary = (f: string) => /-summary\.ipynb$/.test(f);
  return readdirSync(dir)
    .filter((f) => /^\d\d-[\w-]+\.ipynb$/.test(f))
    .sort((a, b) => Number(isSummary(a)) - Number(isSummary(b)) || a.localeCompare(b))
    .map((f) => path.join(dir, f));
}

interface ExecResult { ok: boolean; seconds: number; cells: number; failedCell: number | null; error: string | null; interrupted?: string }

/** The notebook process running now (its own process group) and its kernel's process group, once known. */
interface Running { readonly child: ChildProcess; kernelPgid?: number }
let running: Running | undefined;
/** The signal that asked the report to stop, once one has. */
let stopSignal: NodeJS.Signals | undefined;
/** Seconds between SIGTERM to the notebook's process group and SIGKILL to it and its kernel. */
const STOP_GRACE_MS = 10_000;

/** Signals a process group; false when it no longer exists. */
function signalGroup(pgid: number | undefined, signal: NodeJS.Signals): boolean {
  if (!pgid) return false;
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false;
  }
}

/**
 * SIGINT/SIGTERM/SIGHUP: the notebook process (which stops its kernel and writes nothing) gets
 * SIGTERM, then after STOP_GRACE_MS it and the kernel get SIGKILL; a second signal kills at once.
 */
function onStopSignal(signal: NodeJS.Signals, why = signal as string): void {
  const hard = () => {
    signalGroup(running?.child.pid, 'SIGKILL');
    signalGroup(running?.kernelPgid, 'SIGKILL');
  };
  if (stopSignal) return hard();
  stopSignal = signal;
  console.log(`report: ${why}: stopping the running notebook and its kernel ...`);
  if (running) {
    signalGroup(running.child.pid, 'SIGTERM');
    setTimeout(hard, STOP_GRACE_MS).unref();
  }
}

/** The first line of every page the report writes: whether it holds a complete run. */
export const PAGE_MARK_PREFIX = '<!-- fmnist-cluster-report: ';

/** A page that says why it holds no results (written before a notebook runs, and when it was interrupted). */
export function interruptedPage(title: string, text: string): string {
  return (
    `${PAGE_MARK_PREFIX}INTERRUPTED: ${text.replace(/--/g, '- -')} -->\n` +
    `<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>${escapeHtml(title)}: not a complete run</title></head>` +
    `<body><h1>${escapeHtml(title)}: not a complete run</h1><p style="border:2px solid #b00;background:#fee;padding:8px">${escapeHtml(text)}</p></body></html>\n`
  );
}

function executeNotebook(file: string, outDir: string, env: NodeJS.ProcessEnv, log: (s: string) => void, plotlyBundleFile: string): Promise<ExecResult> {
  const name = path.basename(file, '.ipynb');
  const logFile = path.join(outDir, 'logs', `${name}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile);
  return new Promise((resolve) => {
    // detached: a process group of its own, so that stopping it reaches everything it started
    // (and a Ctrl-C in the terminal reaches only this runner, which stops it in order).
    const child = spawn(projectPython(), [path.join(PROJECT_ROOT, 'scripts', 'execute_notebook.py'), file,
      path.join(outDir, 'notebooks', `${name}.ipynb`), path.join(outDir, `${name}.html`), '--plotly-bundle', plotlyBundleFile],
    { env: { ...env, REPORT_RUNNER_PID: String(process.pid) }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const me: Running = { child };
    running = me;
    if (stopSignal) signalGroup(child.pid, 'SIGTERM');
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      logStream.write(d);
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const kernel = /^KERNEL (.*)$/.exec(line);
        if (kernel) me.kernelPgid = (JSON.parse(kernel[1]!) as { pgid: number }).pgid;
        const out = /^OUTPUT (.*)$/.exec(line);
        const printed = out ? (JSON.parse(out[1]!) as string) : undefined;
        if (printed !== undefined && isProgressLine(printed)) log(`      ${printed}`);
        const m = /^PROGRESS (.*)$/.exec(line);
        if (m) {
          const p = JSON.parse(m[1]!) as { cell: number; cells: number; seconds: number };
          log(`    cell ${p.cell}/${p.cells} done in ${p.seconds.toFixed(1)} s`);
        }
      }
    });
    child.on('close', (code, signal) => {
      // Never leave a kernel behind, whatever happened to the notebook process.
      signalGroup(me.kernelPgid, 'SIGKILL');
      signalGroup(child.pid, 'SIGKILL');
      running = undefined;
      logStream.end();
      const last = stdout.trim().split('\n').pop() ?? '';
      let result: ExecResult;
      try {
        result = JSON.parse(last) as ExecResult;
      } catch {
        result = { ok: false, seconds: 0, cells: 0, failedCell: null, error: `the notebook runner exited with ${signal ?? `code ${code}`}; see ${logFile}` };
      }
      if (stopSignal && !result.ok) result = { ...result, interrupted: stopSignal, error: result.interrupted ? result.error : `interrupted by ${stopSignal}: ${result.error ?? ''}` };
      resolve(result);
    });
  });
}

/** The lines of a cell's output worth showing in the terminal while it runs: training progress and interruptions. */
export function isProgressLine(line: string): boolean {
  return /\bepoch \d+\/\d+/.test(line) || /^Training interrupted/.test(line);
}

async function main(): Promise<void> {
  const scale = reportScale();
  const settings = scaleSettings(scale);
  const args = parseReportArgs(process.argv.slice(2));
  if (args.clearVariants) {
    const removed = clearVariants(new ResultStore({ scale }));
    console.log(`report: removed ${removed.length} recorded variant${removed.length === 1 ? '' : 's'} at scale '${scale}'${removed.length ? `: ${removed.map((r) => r.id).join(', ')}` : ''}`);
    return;
  }
  const runStartedAt = new Date();
  const outDir = path.resolve(process.env.REPORT_OUT_DIR ?? path.join(PROJECT_ROOT, 'reports'));
  ensureFolder(outDir, 'REPORT_OUT_DIR');
  ensureFolder(path.join(outDir, 'notebooks'), 'REPORT_OUT_DIR/notebooks');
  const only = args.only;
  const notebooksDir = process.env.REPORT_NOTEBOOKS_DIR ? path.resolve(process.env.REPORT_NOTEBOOKS_DIR) : undefined;
  const notebooks = listNotebooks(notebooksDir).filter((f) => only.length === 0 || only.some((o) => path.basename(f).includes(o)));
  const env = { ...jupyterEnv(), [SCALE_ENV]: scale };
  const plotlyBundleFile = path.join(outDir, '.plotly-bundle.html');
  writeFileAtomicSync(plotlyBundleFile, plotlyBundleHtml(readPlotlyBundle(), plotlyVersion()));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, onStopSignal);
  // `npm run report` runs this under a shell: when that shell or npm is killed, this process is
  // orphaned (re-parented) and stops as if told to.
  const parent = process.ppid;
  // With the parent gone its end of our stdout may be too: the cleanup below must not die of EPIPE.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  setInterval(() => { if (!stopSignal && process.ppid !== parent) onStopSignal('SIGTERM', 'the parent process ended'); }, 500).unref();
  const startedAt = new Date().toISOString();
  // Until this run ends, the index says so: a runner killed outright leaves no page claiming a complete report.
  writeFileAtomicSync(path.join(outDir, 'index.html'), interruptedPage('Report',
    `the report run started at ${startedAt} has not finished (or was killed): run \`npm run report\` again for a complete index.`));
  console.log(`report: ${notebooks.length} notebooks at scale '${scale}' (${settings.trainImages} train / ${settings.testImages} test images, ${settings.epochs} epochs) -> ${outDir}`);
  const runs: NotebookRun[] = [];
  const t0 = performance.now();
  for (const [i, file] of notebooks.entries()) {
    const name = path.basename(file, '.ipynb');
    if (stopSignal) {
      runs.push({ name, html: `${name}.html`, ok: false, seconds: 0, error: `not run: the report was interrupted by ${stopSignal} before it (a page of that name is from an earlier run)` });
      continue;
    }
    console.log(`[${i + 1}/${notebooks.length}] ${name} ...`);
    const page = path.join(outDir, `${name}.html`);
    // The page of an earlier run is replaced now: only a complete run writes the real page.
    writeFileAtomicSync(page, interruptedPage(name, `the run of ${name} started at ${startedAt} has not completed (or was killed); this page holds no results. Rerun \`npm run report\`.`));
    rmSync(path.join(outDir, 'notebooks', `${name}.ipynb`), { force: true });
    const r = await executeNotebook(file, outDir, env, (s) => console.log(s), plotlyBundleFile);
    runs.push({ name, html: `${name}.html`, ok: r.ok, seconds: r.seconds, error: r.error ?? undefined, failedCell: r.failedCell ?? undefined });
    if (r.interrupted) {
      writeFileAtomicSync(page, interruptedPage(name, `${r.error ?? `interrupted by ${r.interrupted}`} (run started at ${startedAt}). This page holds no results; rerun \`npm run report\`.`));
      console.log(`[${i + 1}/${notebooks.length}] ${name}: INTERRUPTED${r.failedCell ? ` during cell ${r.failedCell}` : ''}; its kernel was stopped`);
    } else if (r.ok) {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: ok in ${r.seconds.toFixed(1)} s`);
    } else {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: FAILED${r.failedCell ? ` at cell ${r.failedCell}` : ''} after ${r.seconds.toFixed(1)} s\n${indent(r.error ?? 'unknown error')}`);
    }
  }
  const { results: recorded, problems } = new ResultStore({ scale }).read();
  for (const p of problems) console.log(`report: skipped a recorded result: ${formatProblem(p)}`);
  const { shown: results, leftOut } = indexResults(recorded, { runStartedAt, includeVariants: args.includeVariants });
  const changes = new Map<string, NotebookChange>(notebooks.map((f) => [path.basename(f, '.ipynb'), notebookChange(f)]));
  copyFileSync(require.resolve('plotly.js-dist-min'), path.join(outDir, 'plotly.min.js'));
  const edited = [...changes].filter(([, c]) => c.state === 'edited' || c.state === 'new').map(([n]) => n);
  if (edited.length > 0) console.log(`report: run as edited (differ from the committed notebooks): ${edited.join(', ')}`);
  if (leftOut.length > 0) console.log(`report: ${leftOut.length} variant(s) recorded before this run left out of the index (--include-variants shows them, --clear-variants removes them)`);
  const failed = runs.filter((r) => !r.ok);
  const mark = stopSignal
    ? `${PAGE_MARK_PREFIX}INTERRUPTED report run: stopped by ${stopSignal}; ${runs.filter((r) => r.ok).length} of ${notebooks.length} notebooks completed -->\n`
    : `${PAGE_MARK_PREFIX}complete report run: ${runs.length - failed.length} of ${runs.length} notebooks ok -->\n`;
  writeFileAtomicSync(path.join(outDir, 'index.html'), mark + renderIndexPage({ scale, runs, results, generatedAt: new Date(), plotlyScript: 'plotly.min.js', changes, leftOutVariants: leftOut.length }));
  writeFileAtomicSync(path.join(outDir, 'summary.json'), JSON.stringify({
    scale, interrupted: stopSignal ?? null, runs, results, notebooks: Object.fromEntries(changes), leftOutVariants: leftOut.map((r) => r.id), skippedRecords: problems,
  }, null, 2));
  if (stopSignal) {
    console.log(`report: interrupted by ${stopSignal}; nothing is left running. The index and pages say which notebooks did not complete.`);
    process.exitCode = 128 + (osConstants.signals[stopSignal] ?? 15);
    return;
  }
  console.log(`report: ${runs.length - failed.length}/${runs.length} notebooks ok in ${((performance.now() - t0) / 1000).toFixed(1)} s; open ${path.join(outDir, 'index.html')}`);
  if (failed.length > 0) process.exitCode = 1;
}

function indent(s: string): string {
  return s.split('\n').map((l) => `    ${l}`).join('\n');
}

if (require.main === module) {
  main().catch((err: Error) => {
    console.error(`report: ${err.message}`);
    process.exitCode = 1;
  });
}
