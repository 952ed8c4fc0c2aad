/**
 * Whether each notebook `npm run report` runs is the committed one: a user's edits are their
 * analysis and are run as they are, but the index says which notebooks differ from git's `HEAD`.
 * Git compares through the `nbstripout` filter that `scripts/setup.sh` registers for `*.ipynb`
 * (.gitattributes), so saved outputs and execution counts are not differences; only sources and
 * notebook metadata are.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';

/** How a notebook compares with the committed one. */
export type NotebookChangeState =
  /** The same as in git's HEAD (outputs aside). */
  | 'committed'
  /** Its cells or metadata differ from HEAD: `git diff <file>` shows how. */
  | 'edited'
  /** Not in git (a notebook the user added). */
  | 'new'
  /** Not in a git checkout, or git is missing: cannot tell. */
  | 'unknown';

/** One notebook's comparison with git's HEAD. */
export interface NotebookChange {
  readonly state: NotebookChangeState;
  /** What the index says, e.g. "edited: differs from the committed notebook (git diff notebooks/03-autoencoder.ipynb)". */
  readonly text: string;
}

function git(dir: string, args: readonly string[]): { status: number | null; stdout: string } {
  const r = spawnSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 60_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '' };
}

/**
 * Compares a notebook file with git's HEAD (through the repository's filters).
 * @example notebookChange('/project/notebooks/03-autoencoder.ipynb').state // 'committed' | 'edited' | 'new' | 'unknown'
 */
export function notebookChange(file: string): NotebookChange {
  const dir = path.dirname(path.resolve(file));
  const top = git(dir, ['rev-parse', '--show-toplevel']);
  if (top.status !== 0) return { state: 'unknown', text: 'not in a git checkout: cannot tell whether it was edited' };
  const rel = path.relative(top.stdout.trim(), path.resolve(file));
  if (git(dir, ['cat-file', '-e', `HEAD:${rel}`]).status !== 0) return { state: 'new', text: 'new: not in the committed notebooks' };
  const diff = git(dir, ['diff', '--quiet', 'HEAD', '--', path.resolve(file)]);
  if (diff.status === 0) return { state: 'committed', text: 'as committed' };
  if (diff.status === 1) return { state: 'edited', text: `edited: differs from the committed notebook (git diff ${rel})` };
  return { state: 'unknown', text: 'git could not compare it with the committed notebook' };
}
