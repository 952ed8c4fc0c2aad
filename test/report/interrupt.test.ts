/**
 * A report stopped mid-notebook leaves nothing running and no page claiming a complete run:
 * SIGTERM to the runner (it stops the notebook process and kernel, marks the pages and the index)
 * and SIGKILL (the notebook process notices its parent's death and stops its kernel).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/tmp.js';
import { notebook } from './notebooks.js';

const ROOT = path.resolve(__dirname, '..', '..');
const MARK = '<!-- fmnist-cluster-report: ';

/** Pids of processes started for this test's notebooks: the notebook process (its arguments name the folder) and the kernel (its working folder is it). */
function survivors(dir: string): number[] {
  const found: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      let cwd = '';
      try { cwd = readlinkSync(`/proc/${entry}/cwd`); } catch { /* gone or not ours */ }
      if (cmd.includes(dir) || cwd.startsWith(dir)) found.push(Number(entry));
    } catch {
      // exited meanwhile
    }
  }
  return found;
}

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Starts the report on a notebook whose second cell blocks for two minutes; resolves once the first cell has run. */
async function startReport(underShell = false): Promise<{ dir: string; out: string; child: ReturnType<typeof spawn>; output: () => string; exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }> }> {
  const dir = tempDir('fmnist-stop-');
  const nbDir = path.join(dir, 'notebooks');
  mkdirSync(nbDir);
  writeFileSync(path.join(nbDir, '01-slow.ipynb'), notebook(["console.log('first cell');", 'Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 120_000);', "'never reached'"]));
  writeFileSync(path.join(nbDir, '02-after.ipynb'), notebook(['1 + 1']));
  const out = path.join(dir, 'out');
  mkdirSync(out);
  // A complete page of an earlier run: it must not survive as if this run had produced it.
  writeFileSync(path.join(out, '01-slow.html'), `${MARK}complete run, 3 of 3 code cells -->\n<!DOCTYPE html><html></html>`);
  const cli = [process.execPath, path.join(ROOT, 'dist', 'report', 'cli.js')];
  // Under a shell that does not exec it (as `npm run report` runs it: `… && node dist/report/cli.js`).
  const [cmd, ...args] = underShell ? ['/bin/sh', '-c', `${cli.map((a) => `'${a}'`).join(' ')}; true`] : cli;
  const child = spawn(cmd!, args, {
    cwd: ROOT,
    env: { ...process.env, REPORT_SCALE: 'smoke', REPORT_OUT_DIR: out, REPORT_NOTEBOOKS_DIR: nbDir, FMNIST_CACHE_DIR: path.join(dir, 'cache') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout!.on('data', (d: Buffer) => { text += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { text += d.toString(); });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  await until('the first cell', () => /cell 1\/3 done/.test(text), 120_000);
  assert.ok(survivors(dir).length >= 2, `the notebook process and its kernel run: ${survivors(dir).join(', ')}\n${text}`);
  return { dir, out, child, output: () => text, exited };
}

function firstLine(file: string): string {
  return readFileSync(file, 'utf8').split('\n', 1)[0]!;
}

test('SIGTERM mid-notebook: the kernel and notebook process stop, the page and the index say "interrupted", exit 143', { timeout: 4 * 60_000 }, async () => {
  const { dir, out, child, output, exited } = await startReport();
  child.kill('SIGTERM');
  const { code } = await exited;
  assert.equal(code, 143, output());
  assert.deepEqual(survivors(dir), [], 'nothing keeps running');
  assert.match(firstLine(path.join(out, '01-slow.html')), /^<!-- fmnist-cluster-report: INTERRUPTED: interrupted by SIGTERM during cell 2\/3/);
  assert.ok(!existsSync(path.join(out, '02-after.html')), 'the next notebook never started');
  const index = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.match(index.split('\n', 1)[0]!, /^<!-- fmnist-cluster-report: INTERRUPTED report run: stopped by SIGTERM; 0 of 2 notebooks completed/);
  assert.match(index, /interrupted by SIGTERM during cell 2\/3/);
  assert.match(index, /not run: the report was interrupted by SIGTERM before it/);
  assert.match(output(), /01-slow: INTERRUPTED during cell 2/);
  // No result was recorded after the stop, and the run did not go on to the next notebook.
  await new Promise((r) => setTimeout(r, 1500));
  assert.deepEqual(survivors(dir), []);
});

test('SIGKILL of the runner mid-notebook: its notebook process stops the kernel; no page claims a complete run', { timeout: 4 * 60_000 }, async () => {
  const { dir, out, child, output, exited } = await startReport();
  child.kill('SIGKILL');
  await exited;
  await until('no survivors', () => survivors(dir).length === 0, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${survivors(dir).join(', ')} still run\n${output()}`);
  });
  for (const page of readdirSync(out).filter((f) => f.endsWith('.html') && !f.startsWith('.'))) {
    assert.match(firstLine(path.join(out, page)), /^<!-- fmnist-cluster-report: INTERRUPTED/, `${page} must not claim a complete run`);
  }
  assert.ok(existsSync(path.join(out, 'index.html')) && existsSync(path.join(out, '01-slow.html')));
});

test('the runner\'s parent killed (npm or its shell): the runner stops the notebook and its kernel and marks the index', { timeout: 4 * 60_000 }, async () => {
  const { dir, out, child, output, exited } = await startReport(true);
  child.kill('SIGKILL'); // the shell; the runner is orphaned
  await exited;
  await until('the runner to mark the index', () => /INTERRUPTED report run/.test(readFileSync(path.join(out, 'index.html'), 'utf8').split('\n', 1)[0]!), 30_000)
    .catch((err: Error) => { throw new Error(`${err.message}\n${output()}`); });
  await until('no survivors', () => survivors(dir).length === 0, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}: ${survivors(dir).join(', ')} still run\n${output()}`);
  });
  assert.match(firstLine(path.join(out, '01-slow.html')), /^<!-- fmnist-cluster-report: INTERRUPTED: interrupted by SIGTERM during cell 2\/3/);
});

test('REPORT_OUT_DIR a file: refused at once, before any notebook runs', { timeout: 60_000 }, () => {
  const dir = tempDir('fmnist-out-');
  const file = path.join(dir, 'reports');
  writeFileSync(file, 'x');
  const run = spawnSync(process.execPath, [path.join(ROOT, 'dist', 'report', 'cli.js')], {
    cwd: ROOT, encoding: 'utf8',
    env: { ...process.env, REPORT_SCALE: 'smoke', REPORT_OUT_DIR: file, REPORT_NOTEBOOKS_DIR: dir, FMNIST_CACHE_DIR: path.join(dir, 'cache') },
  });
  assert.equal(run.status, 1);
  assert.match(run.stderr, /report: REPORT_OUT_DIR = .*reports is a file, not a folder\. Point REPORT_OUT_DIR at a folder \(it is created when missing\), or move that file away\./);
  assert.equal(readFileSync(file, 'utf8'), 'x');
});
