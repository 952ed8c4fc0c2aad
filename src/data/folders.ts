import { accessSync, constants, lstatSync, mkdirSync, statSync } from 'node:fs';
import * as path from 'node:path';

/**
 * Why `dir` cannot be used as a folder, from the error `stat` gave: a symbolic link loop, a
 * dangling link, a path through a file, no permission, or simply absent. Undefined when it is an
 * existing folder.
 */
export function folderProblem(dir: string): string | undefined {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ELOOP') return 'is a symbolic link that loops (it points, directly or through other links, back to itself)';
    if (code === 'EACCES') return 'cannot be reached: permission denied on a folder above it';
    if (code === 'ENOTDIR') return `cannot exist: a part of the path above it is a file, not a folder (${firstFileAbove(dir) ?? 'a parent'})`;
    if (code === 'ENOENT') {
      try {
        if (lstatSync(dir).isSymbolicLink()) return 'is a symbolic link to a path that does not exist';
      } catch {
        // not even a link: absent
      }
      return 'does not exist';
    }
    return `cannot be read (${(err as Error).message})`;
  }
  return isDir ? undefined : 'is a file, not a folder';
}

/** The first existing ancestor of `p` that is not a folder, if any. */
function firstFileAbove(p: string): string | undefined {
  for (let d = path.dirname(p); d !== path.dirname(d); d = path.dirname(d)) {
    try {
      if (!statSync(d).isDirectory()) return d;
    } catch {
      // absent: keep climbing
    }
  }
  return undefined;
}

/**
 * A folder that must be readable and listable (read + search permission).
 * @returns undefined when it is, else why not.
 */
export function unreadableFolderProblem(dir: string): string | undefined {
  try {
    accessSync(dir, constants.R_OK | constants.X_OK);
    return undefined;
  } catch (err) {
    return `cannot be read: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}`;
  }
}

/**
 * Makes sure `dir` is a folder that can be written, creating it (and its parents) when missing —
 * called before long work (a download, a report run) so that a wrong path fails at once.
 * `setting` names where the path came from in the message (`dir`, `REPORT_OUT_DIR`, …).
 * @throws Error naming the setting, the path, what is wrong and the fix (a file in the way,
 *   a symbolic link loop, no permission).
 * @example ensureFolder(path.resolve('data'), 'dir')
 */
export function ensureFolder(dir: string, setting: string): void {
  const problem = folderProblem(dir);
  if (problem === undefined || problem === 'does not exist') {
    try {
      mkdirSync(dir, { recursive: true });
      accessSync(dir, constants.W_OK | constants.X_OK);
      return;
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === 'EACCES' || code === 'EPERM' ? 'cannot be written: permission denied' : code === 'ENOTDIR' || code === 'EEXIST' ? (folderProblem(dir) ?? (err as Error).message) : (err as Error).message;
      throw new Error(`${setting} = ${dir} ${why}. Point ${setting} at a folder you can write to (it is created when missing).`);
    }
  }
  throw new Error(`${setting} = ${dir} ${problem}. Point ${setting} at a folder (it is created when missing)${problem === 'is a file, not a folder' ? ', or move that file away' : ''}.`);
}
