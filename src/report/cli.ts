/**
 * `npm run report [-- name-filter ...]`: executes every notebook in `notebooks/` (or
 * `$REPORT_NOTEBOOKS_DIR`) in order at the scale chosen by REPORT_SCALE (`full` by default, `smoke`
 * for CI), then exports HTML into `reports/` (or `$REPORT_OUT_DIR`) with an `index.html` that links
 * the pages and shows the summary table.
 *
 * Progress goes to stdout (one line per notebook, one per cell); a failing cell is reported with
 * notebook name, cell number and the error text that tslab wrote to stderr.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, createWriteStream } from 'node:fs';
import * as path from 'node:path';
import { ArtifactStore, loadResults } from '../notebook/artifacts.js';
import { PROJECT_ROOT, reportScale, SCALE_ENV, scaleSettings } from '../notebook/config.js';
import { writeFileAtomicSync } from '../util/fs.js';
import { SYSTEM_PYTHON } from '../util/python.js';
import { renderIndexPage, type NotebookRun } from './index-page.js';


/** Notebooks named `NN-topic.ipynb`, in order. */
export function listNotebooks(dir = path.join(PROJECT_ROOT, 'notebooks')): string[] {
  return readdirSync(dir).filter((f) => /^\d\d-[\w-]+\.ipynb$/.test(f)).sort().map((f) => path.join(dir, f));
}

interface ExecResult { ok: boolean; seconds: number; cells: number; failedCell: number | null; error: string | null }

function executeNotebook(file: string, outDir: string, env: NodeJS.ProcessEnv, log: (s: string) => void): Promise<ExecResult> {
  const name = path.basename(file, '.ipynb');
  const logFile = path.join(outDir, 'logs', `${name}.log`);
  mkdirSync(path.dirname(logFile), { recursive: true });
  const logStream = createWriteStream(logFile);
  return new Promise((resolve) => {
    const child = spawn(SYSTEM_PYTHON, [path.join(PROJECT_ROOT, 'scripts', 'execute_notebook.py'), file,
      path.join(outDir, 'notebooks', `${name}.ipynb`), path.join(outDir, `${name}.html`)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let pending = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => {
      logStream.write(d);
      pending += d.toString();
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
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

async function main(): Promise<void> {
  const scale = reportScale();
  const settings = scaleSettings(scale);
  const outDir = path.resolve(process.env.REPORT_OUT_DIR ?? path.join(PROJECT_ROOT, 'reports'));
  mkdirSync(path.join(outDir, 'notebooks'), { recursive: true });
  const only = process.argv.slice(2);
  const notebooksDir = process.env.REPORT_NOTEBOOKS_DIR ? path.resolve(process.env.REPORT_NOTEBOOKS_DIR) : undefined;
  const notebooks = listNotebooks(notebooksDir).filter((f) => only.length === 0 || only.some((o) => path.basename(f).includes(o)));
  const env = {
    ...process.env,
    [SCALE_ENV]: scale,
    JUPYTER_PATH: [path.join(PROJECT_ROOT, '.jupyter'), process.env.JUPYTER_PATH].filter(Boolean).join(path.delimiter),
    PYDEVD_DISABLE_FILE_VALIDATION: '1',
  };
  console.log(`report: ${notebooks.length} notebooks at scale '${scale}' (${settings.trainImages} train / ${settings.testImages} test images, ${settings.epochs} epochs) -> ${outDir}`);
  const runs: NotebookRun[] = [];
  const t0 = performance.now();
  for (const [i, file] of notebooks.entries()) {
    const name = path.basename(file, '.ipynb');
    console.log(`[${i + 1}/${notebooks.length}] ${name} ...`);
    const r = await executeNotebook(file, outDir, env, (s) => console.log(s));
    runs.push({ name, html: `${name}.html`, ok: r.ok, seconds: r.seconds, error: r.error ?? undefined, failedCell: r.failedCell ?? undefined });
    if (r.ok) {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: ok in ${r.seconds.toFixed(1)} s`);
    } else {
      console.log(`[${i + 1}/${notebooks.length}] ${name}: FAILED${r.failedCell ? ` at cell ${r.failedCell}` : ''} after ${r.seconds.toFixed(1)} s\n${indent(r.error ?? 'unknown error')}`);
    }
  }
  const results = loadResults(new ArtifactStore(scale));
  writeFileAtomicSync(path.join(outDir, 'index.html'), renderIndexPage({ scale, runs, results, generatedAt: new Date() }));
  writeFileAtomicSync(path.join(outDir, 'summary.json'), JSON.stringify({ scale, runs, results }, null, 2));
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
