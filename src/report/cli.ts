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
 */
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { ResultStore } from '../experiment/results.js';
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

interface ExecResult { ok: boolean; seconds: number; cells: number; failedCell: number | null; error: string | null }

function executeNotebook(file: string, outDir: string, env: NodeJS.ProcessEnv, log: (s: string) => void, plotlyBundleFile: string): Promise<ExecResult> {
  const name = path.basename(file, '.ipynb');
  const logFile = path.join(outDir, 'logs', `${name}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile);
  return new Promise((resolve) => {
    const child = spawn(projectPython(), [path.join(PROJECT_ROOT, 'scripts', 'execute_notebook.py'), file,
      path.join(outDir, 'notebooks', `${name}.ipynb`), path.join(outDir, `${name}.html`), '--plotly-bundle', plotlyBundleFile], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      logStream.write(d);
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
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
    child.on('close', (code) => {
      logStream.end();
      const last = stdout.trim().split('\n').pop() ?? '';
      try {
        resolve(JSON.parse(last) as ExecResult);
      } catch {
        resolve({ ok: false, seconds: 0, cells: 0, failedCell: null, error: `the notebook runner exited with code ${code}; see ${logFile}` });
      }
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
  mkdirSync(path.join(outDir, 'notebooks'), { recursive: true });
  const only = args.only;
  const notebooksDir = process.env.REPORT_NOTEBOOKS_DIR ? path.resolve(process.env.REPORT_NOTEBOOKS_DIR) : undefined;
  const notebooks = listNotebooks(notebooksDir).filter((f) => only.length === 0 || only.some((o) => path.basename(f).includes(o)));
  const env = { ...jupyterEnv(), [SCALE_ENV]: scale };
  const plotlyBundleFile = path.join(outDir, '.plotly-bundle.html');
  writeFileAtomicSync(plotlyBundleFile, plotlyBundleHtml(readPlotlyBundle(), plotlyVersion()));
  console.log(`report: ${notebooks.length} notebooks at scale '${scale}' (${settings.trainImages} train / ${settings.testImages} test images, ${settings.epochs} epochs) -> ${outDir}`);
  const runs: NotebookRun[] = [];
  const t0 = performance.now();
  for (const [i, file] of notebooks.entries()) {
    const name = path.basename(file, '.ipynb');
    console.log(`[${i + 1}/${notebooks.length}] ${name} ...`);
    const r = await executeNotebook(file, outDir, env, (s) => console.log(s), plotlyBundleFile);
    runs.push({ name, html: `${name}.html`, ok: r.ok, seconds: r.seconds, error: r.error ?? undefined, failedCell: r.failedCell ?? undefined });
    if (r.ok) {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: ok in ${r.seconds.toFixed(1)} s`);
    } else {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: FAILED${r.failedCell ? ` at cell ${r.failedCell}` : ''} after ${r.seconds.toFixed(1)} s\n${indent(r.error ?? 'unknown error')}`);
    }
  }
  const { shown: results, leftOut } = indexResults(new ResultStore({ scale }).load(), { runStartedAt, includeVariants: args.includeVariants });
  const changes = new Map<string, NotebookChange>(notebooks.map((f) => [path.basename(f, '.ipynb'), notebookChange(f)]));
  copyFileSync(require.resolve('plotly.js-dist-min'), path.join(outDir, 'plotly.min.js'));
  writeFileAtomicSync(path.join(outDir, 'index.html'), renderIndexPage({ scale, runs, results, generatedAt: new Date(), plotlyScript: 'plotly.min.js', changes, leftOutVariants: leftOut.length }));
  writeFileAtomicSync(path.join(outDir, 'summary.json'), JSON.stringify({ scale, runs, results, notebooks: Object.fromEntries(changes), leftOutVariants: leftOut.map((r) => r.id) }, null, 2));
  const edited = [...changes].filter(([, c]) => c.state === 'edited' || c.state === 'new').map(([n]) => n);
  if (edited.length > 0) console.log(`report: run as edited (differ from the committed notebooks): ${edited.join(', ')}`);
  if (leftOut.length > 0) console.log(`report: ${leftOut.length} variant(s) recorded before this run left out of the index (--include-variants shows them, --clear-variants removes them)`);
  const failed = runs.filter((r) => !r.ok);
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
