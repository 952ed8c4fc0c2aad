/**
 * Browser-test helpers for what a user does around a notebook besides running it: export it from
 * JupyterLab's File menu, see whether its tab is marked modified (●), close it, and look at the
 * git repository the notebooks live in (with the project's nbstripout filter, as set up by
 * scripts/setup.sh).
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Download, Page } from 'playwright-core';
import { PROJECT_ROOT } from './jupyterlab.js';

/** Runs git in `dir`; throws with its stderr when it fails. */
export function git(dir: string, ...args: string[]): string {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')} in ${dir} failed: ${r.stderr}`);
  return r.stdout;
}

/**
 * Makes `dir` a git repository holding its notebooks as committed, with the project's
 * .gitattributes, .gitignore and nbstripout filter (scripts/setup-git-filter.sh, the project's .venv python).
 */
export function commitNotebooks(dir: string): void {
  git(dir, 'init', '-q');
  git(dir, 'config', 'user.email', 'lab-test@example.com');
  git(dir, 'config', 'user.name', 'lab test');
  // The project's ignores too (JupyterLab writes .ipynb_checkpoints/ beside an opened notebook).
  for (const f of ['.gitattributes', '.gitignore']) copyFileSync(path.join(PROJECT_ROOT, f), path.join(dir, f));
  const setup = spawnSync('bash', [path.join(PROJECT_ROOT, 'scripts', 'setup-git-filter.sh'), dir, path.join(PROJECT_ROOT, '.venv', 'bin', 'python')], { encoding: 'utf8' });
  if (setup.status !== 0) throw new Error(`setup-git-filter.sh failed: ${setup.stderr}`);
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'notebooks as committed');
}

/** Whether the tab of `file` shows the modified mark (JupyterLab's `jp-mod-dirty`). */
export async function isDirty(page: Page, file: string): Promise<boolean> {
  return page.evaluate((name) => Array.from(document.querySelectorAll('.lm-TabBar-tab'))
    .some((t) => (t.textContent ?? '').includes(name) && t.classList.contains('jp-mod-dirty')), file);
}

/**
 * File → Save and Export Notebook As → `label` (e.g. "HTML") with the default choices: the export
 * dialog (JupyterLab asks whether to sanitize HTML) is accepted as it opens. Saves the download
 * to `dest`; returns whether the dialog's "Sanitize HTML" box was ticked (null: no dialog).
 */
export async function exportFromMenu(page: Page, label: string, dest: string, timeoutMs = 180_000): Promise<{ sanitize: boolean | null }> {
  const context = page.context();
  const download = new Promise<Download>((resolve) => {
    context.on('page', (popup) => popup.once('download', resolve));
    page.once('download', resolve);
  });
  await page.locator('.lm-MenuBar-item', { hasText: /^File$/ }).click();
  await page.locator('.lm-Menu-item[data-type="submenu"]', { hasText: 'Save and Export Notebook As' }).click();
  await page.locator('.lm-Menu-item[data-command="notebook:export-to-format"]')
    .filter({ has: page.locator('.lm-Menu-itemLabel', { hasText: new RegExp(`^${label}$`) }) }).click();
  let sanitize: boolean | null = null;
  const dialog = page.locator('.jp-Dialog');
  if (await dialog.waitFor({ timeout: 5_000 }).then(() => true, () => false)) {
    const box = dialog.locator('input[type="checkbox"]');
    if ((await box.count()) > 0) sanitize = await box.first().isChecked();
    await dialog.locator('.jp-Dialog-button.jp-mod-accept').click();
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => { timer = setTimeout(() => reject(new Error(`exportFromMenu: no download within ${timeoutMs / 1000} s of File → Save and Export Notebook As → ${label}`)), timeoutMs); });
  try {
    const d = await Promise.race([download, timeout]);
    const failure = await d.failure();
    if (failure) throw new Error(`exportFromMenu: the download failed: ${failure}`);
    await d.saveAs(dest);
  } finally {
    clearTimeout(timer);
  }
  return { sanitize };
}
