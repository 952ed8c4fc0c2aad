/**
 * `npm run notebook` (scripts/notebook.sh) serves the project folder and opens JupyterLab in
 * notebooks/, so every path the README names is reachable from it: notebooks/*.ipynb and the
 * executed copies in reports/notebooks/ (their parent folder, reports/, is in the root listing
 * once `npm run report` has run; here a stand-in file shows the server reaches it).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { freePort, PROJECT_ROOT } from '../helpers/jupyterlab.js';
import { tempDir } from '../helpers/tmp.js';

test('npm run notebook serves the project root, opens notebooks/, and reaches reports/notebooks/', { timeout: 180_000 }, async () => {
  const scratch = tempDir('fmnist-nbsh-');
  const token = randomBytes(16).toString('hex');
  const port = await freePort();
  // A stand-in for an executed copy, unless the report has run (then its real ones are there).
  const reportNotebooks = path.join(PROJECT_ROOT, 'reports', 'notebooks');
  const standIn = path.join(reportNotebooks, `lab-test-${token.slice(0, 8)}.ipynb`);
  const createdFrom = [path.join(PROJECT_ROOT, 'reports'), reportNotebooks].find((d) => !existsSync(d));
  mkdirSync(reportNotebooks, { recursive: true });
  writeFileSync(standIn, JSON.stringify({ cells: [], metadata: {}, nbformat: 4, nbformat_minor: 5 }));
  const child = spawn('bash', [path.join(PROJECT_ROOT, 'scripts', 'notebook.sh'), '--no-browser', '--ip=127.0.0.1', `--port=${port}`, '--ServerApp.port_retries=0', `--IdentityProvider.token=${token}`], {
    env: { ...process.env, JUPYTER_CONFIG_DIR: path.join(scratch, 'config'), JUPYTER_RUNTIME_DIR: path.join(scratch, 'runtime'), JUPYTERLAB_WORKSPACES_DIR: path.join(scratch, 'workspaces') },
    detached: true, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => { log += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { log += d.toString(); });
  const base = `http://127.0.0.1:${port}`;
  const get = (p: string, redirect: RequestRedirect = 'follow') => fetch(`${base}${p}`, { headers: { Authorization: `token ${token}` }, redirect, signal: AbortSignal.timeout(10_000) });
  try {
    const deadline = Date.now() + 120_000;
    for (;;) {
      const ok = await get('/api/status').then((r) => r.ok, () => false);
      if (ok) break;
      assert.ok(Date.now() < deadline && child.exitCode === null, `JupyterLab did not start:\n${log}`);
      await new Promise((r) => setTimeout(r, 500));
    }
    const root = (await (await get('/api/contents/')).json()) as { content: { name: string }[] };
    const names = root.content.map((c) => c.name);
    for (const n of ['notebooks', 'reports', 'README.md']) assert.ok(names.includes(n), `the root listing has ${n}: ${names.join(', ')}`);
    const nbs = (await (await get('/api/contents/notebooks')).json()) as { content: { name: string }[] };
    assert.ok(nbs.content.some((c) => c.name === '02-kmeans.ipynb'), 'notebooks/02-kmeans.ipynb');
    assert.equal((await get(`/api/contents/reports/notebooks/${path.basename(standIn)}`)).status, 200, 'an executed copy under reports/notebooks/');
    const landing = await get('/', 'manual');
    assert.match(landing.headers.get('location') ?? '', /\/lab\/tree\/notebooks\??$/, 'JupyterLab opens in notebooks/');
  } finally {
    try { process.kill(-child.pid!, 'SIGTERM'); } catch { /* gone */ }
    await new Promise((r) => setTimeout(r, 1000));
    try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* gone */ }
    rmSync(standIn, { force: true });
    if (createdFrom) rmSync(createdFrom, { recursive: true, force: true }); // only what this test created
  }
});
