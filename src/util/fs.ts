import { closeSync, fsyncSync, openSync, promises as fsp, mkdirSync, renameSync, writeSync, rmSync } from 'node:fs';
import { createHash } from 'node:crypto';
import * as path from 'node:path';

/**
 * Writes a file atomically and durably: the bytes go to a temporary file in the same folder,
 * are flushed to disk (fsync), then renamed over the target, and the folder is flushed. A crash
 * mid-write leaves the old file intact, never a torn one.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  await fsp.mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    await writeFileDurable(tmp, data);
    await fsp.rename(tmp, file);
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
  await fsyncDir(path.dirname(file));
}

/** Synchronous twin of {@link writeFileAtomic}. */
export function writeFileAtomicSync(file: string, data: string | Uint8Array): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.tmp-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  try {
    const fd = openSync(tmp, 'w');
    try {
      const bytes = typeof data === 'string' ? Buffer.from(data) : data;
      let off = 0;
      while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, file);
  } catch (err) {
    rmSync(tmp, { force: true });
    throw err;
  }
  try {
    const fd = openSync(path.dirname(file), 'r');
    try { fsyncSync(fd); } finally { closeSync(fd); }
  } catch {
    // best effort: some file systems cannot fsync a folder
  }
}

/** Writes `data` to `file` (created or truncated) and flushes it to disk before returning. */
export async function writeFileDurable(file: string, data: string | Uint8Array): Promise<void> {
  const fh = await fsp.open(file, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/**
 * Flushes a folder's entries (new names, renames) to disk. Best effort: file systems that cannot
 * fsync a folder (EINVAL, EISDIR, EPERM) are ignored.
 */
export async function fsyncDir(dir: string): Promise<void> {
  let fh: import('node:fs/promises').FileHandle | undefined;
  try {
    fh = await fsp.open(dir, 'r');
    await fh.sync();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'EISDIR' && code !== 'EPERM' && code !== 'EBADF') throw err;
  } finally {
    await fh?.close();
  }
}

/**
 * Names a folder written by {@link commitFolder} owns — the only names its clean-up ever deletes:
 * content files `<stem>.<16 hex digits of their SHA-256>.bin`, temporary files
 * `.<name>.tmp-<pid>-<rand>` and save intents `.save-<pid>-<rand>.json`.
 */
export const CONTENT_FILE = /^[a-z][a-z0-9-]*\.[0-9a-f]{16}\.bin$/;
const TEMP_FILE = /^\.(.+)\.tmp-(\d+)-[a-z0-9]+$/;
const INTENT_FILE = /^\.save-(\d+)-[a-z0-9]+\.json$/;

/**
 * Whether `name` is a file name {@link commitFolder} owns (content file, temporary file, intent).
 * @example isOwnedName('weights.0123456789abcdef.bin') // true; isOwnedName('notes.txt') // false
 */
export function isOwnedName(name: string): boolean {
  return CONTENT_FILE.test(name) || TEMP_FILE.test(name) || INTENT_FILE.test(name);
}

/**
 * The content-addressed name of `data` in a folder written by {@link commitFolder}:
 * `<stem>.<first 16 hex digits of its SHA-256>.bin`.
 * @throws RangeError when `stem` is not lower-case letters, digits and dashes starting with a letter.
 * @example contentName('weights', bytes) // 'weights.3f1c0a9b2e4d5f60.bin'
 */
export function contentName(stem: string, data: Uint8Array): string {
  if (!/^[a-z][a-z0-9-]*$/.test(stem)) throw new RangeError(`contentName: stem must be lower-case letters, digits and dashes starting with a letter, got '${stem}'.`);
  return `${stem}.${createHash('sha256').update(data).digest('hex').slice(0, 16)}.bin`;
}

/** One thing a save did about leftovers of an interrupted save (see {@link commitFolder}). */
export interface FolderNotice {
  /** `removed`: a leftover file was deleted. */
  readonly action: 'removed';
  /** The file deleted. */
  readonly path: string;
  /** A sentence saying what was found and what was done. */
  readonly message: string;
}

/** Options of {@link commitFolder}. */
export interface CommitFolderOptions {
  /**
   * Every commit file the folder may hold (e.g. `model.json` and `checkpoint.json`), not only the
   * one written: the content files any of them refers to are kept by the clean-up.
   */
  readonly commitFiles: readonly string[];
  /** The content files a commit file refers to, read from its text (none when it cannot be parsed). */
  readonly references: (text: string) => readonly string[];
  /**
   * Files of the version being replaced whose names are not owned (e.g. `weights.bin` of a folder
   * written by tfjs-node), deleted after the commit unless the folder's commit files still refer to them.
   */
  readonly superseded?: readonly string[];
  /** Called with each leftover of an interrupted save that was deleted (the library never prints). */
  onNotice?: (notice: FolderNotice) => void;
  /**
   * Called after each step, in order (for crash tests: a process killed in here must leave the
   * complete old or new version). Steps: `intent`, `wrote:<name>` per content file, `prepared`
   * (the commit file written under a temporary name), `committed`, `cleaned`.
   */
  onStep?: (step: string) => void | Promise<void>;
  /**
   * Called when the folder exists, is not empty and holds none of the commit files: return to
   * accept it, throw to refuse (e.g. it is not a saved model). Default: accept.
   */
  checkExisting?: (dir: string) => void | Promise<void>;
}

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function suffix(): string {
  return `${process.pid}-${Math.random().toString(36).slice(2, 10) || '0'}`;
}

async function readTextOrUndefined(file: string): Promise<string | undefined> {
  try {
    return await fsp.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/** Writes `data` durably under a temporary name in `dir`, then renames it to `name`. */
async function writeInto(dir: string, name: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(dir, `.${name}.tmp-${suffix()}`);
  try {
    await writeFileDurable(tmp, data);
    await fsp.rename(tmp, path.join(dir, name));
  } catch (err) {
    await fsp.rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Writes a new version of a plain folder, crash-safely on POSIX and without ever moving or
 * replacing the folder itself (so it can be moved, copied, archived or synced like any folder).
 *
 * The data lives in content files (`<stem>.<hash>.bin`, see {@link contentName}) that a small
 * commit file (`commit.name`, e.g. model.json) refers to. The content files are written first
 * (temporary name, fsync, rename), then the commit file the same way: its rename, flushed with
 * the folder, is the commit point. Killed at any moment, the folder's commit file is the old one
 * (whose content files are still there) or the new one. Content files no commit file refers to are
 * deleted after the commit, with temporary files and intents of processes no longer running: the
 * clean-up deletes only names the format owns ({@link isOwnedName}) and `options.superseded`.
 *
 * Concurrent saves into one folder are safe without a lock: each records the content files it is
 * about to write in an intent file (`.save-<pid>-….json`) that other savers' clean-ups respect
 * while its process runs; the last commit wins, whole.
 * @returns what was done about leftovers of earlier interrupted saves (also passed to `onNotice`).
 * @throws Error when `dir` (or a folder above it) is a file, or a link to nothing; whatever
 *   `checkExisting` throws; RangeError for a content name that is not `<stem>.<16 hex>.bin`.
 * @example await commitFolder('.cache/models/m', { [contentName('weights', w)]: w }, { name: 'model.json', data: json }, { commitFiles: ['model.json'], references })
 */
export async function commitFolder(
  dir: string, contentFiles: Readonly<Record<string, Uint8Array>>, commit: { readonly name: string; readonly data: string | Uint8Array },
  options: CommitFolderOptions,
): Promise<FolderNotice[]> {
  const abs = path.resolve(dir);
  for (const name of Object.keys(contentFiles)) {
    if (!CONTENT_FILE.test(name)) throw new RangeError(`commitFolder: content file names must be '<stem>.<16 hex>.bin' (see contentName), got '${name}'.`);
  }
  if (!options.commitFiles.includes(commit.name)) {
    throw new RangeError(`commitFolder: '${commit.name}' is not one of the folder's commit files (${options.commitFiles.join(', ')}).`);
  }
  const step = async (name: string): Promise<void> => { await options.onStep?.(name); };
  await prepareFolder(abs, options);
  const intent = path.join(abs, `.save-${suffix()}.json`);
  await fsp.writeFile(intent, JSON.stringify(Object.keys(contentFiles)));
  try {
    await step('intent');
    for (const [name, data] of Object.entries(contentFiles)) {
      await writeInto(abs, name, data);
      await step(`wrote:${name}`);
    }
    const tmp = path.join(abs, `.${commit.name}.tmp-${suffix()}`);
    try {
      await writeFileDurable(tmp, commit.data);
      await fsyncDir(abs);
      await step('prepared');
      await fsp.rename(tmp, path.join(abs, commit.name));
    } catch (err) {
      await fsp.rm(tmp, { force: true });
      throw err;
    }
    await fsyncDir(abs);
    await step('committed');
    const notices = await cleanFolder(abs, options, intent);
    await step('cleaned');
    return notices;
  } finally {
    await fsp.rm(intent, { force: true });
  }
}

/** Creates the folder (flushing its parent) or checks the one there. */
async function prepareFolder(abs: string, options: CommitFolderOptions): Promise<void> {
  let st: import('node:fs').Stats | undefined;
  try {
    st = await fsp.stat(abs);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') throw new Error(`Cannot save into ${abs}: ${await firstFileAbove(abs)} is a file, not a folder. Choose another path.`);
    if (code !== 'ENOENT') throw err;
    const link = await fsp.lstat(abs).catch(() => undefined);
    if (link?.isSymbolicLink()) {
      throw new Error(`Cannot save into ${abs}: it is a symbolic link to ${await fsp.readlink(abs)}, which does not exist. Delete the link or choose another path.`);
    }
  }
  if (st && !st.isDirectory()) throw new Error(`${abs} is a file, not a folder; refusing to replace it. Choose another path or delete the file.`);
  if (!st) {
    try {
      await fsp.mkdir(abs, { recursive: true });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOTDIR' || code === 'EEXIST') throw new Error(`Cannot save into ${abs}: ${await firstFileAbove(abs)} is a file, not a folder. Choose another path.`);
      throw err;
    }
    await fsyncDir(path.dirname(abs));
    return;
  }
  const names = await fsp.readdir(abs);
  if (names.length > 0 && !names.some((n) => options.commitFiles.includes(n)) && !names.every(isOwnedName)) await options.checkExisting?.(abs);
}

/** The first path from the root down to `p` that exists and is not a folder (or `p` itself). */
async function firstFileAbove(p: string): Promise<string> {
  const parts = path.resolve(p).split(path.sep);
  for (let i = 2; i <= parts.length; i++) {
    const q = parts.slice(0, i).join(path.sep) || path.sep;
    const st = await fsp.stat(q).catch(() => undefined);
    if (st && !st.isDirectory()) return q;
  }
  return p;
}

/**
 * Deletes what no save needs any more in a folder written by {@link commitFolder}: content files
 * no commit file refers to (unless a running save announced them), `options.superseded` files
 * no commit file refers to, and temporary files and intents of processes no longer running. Never
 * touches other names. Run by every save after its commit; safe to run any time.
 * @returns the deletions of leftovers of interrupted saves (superseded versions are deleted silently).
 * @example await cleanFolder('models/my-ae', modelFolderOptions()) // (modelFolderOptions from models/io)
 */
export async function cleanFolder(dir: string, options: CommitFolderOptions, ownIntent?: string): Promise<FolderNotice[]> {
  const abs = path.resolve(dir);
  const notices: FolderNotice[] = [];
  const remove = async (name: string, why: string | undefined): Promise<void> => {
    const p = path.join(abs, name);
    try {
      await fsp.unlink(p);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return; // another save cleaned it
      throw err;
    }
    if (why) {
      const n: FolderNotice = { action: 'removed', path: p, message: `Removed ${name} in ${abs}: ${why}.` };
      notices.push(n);
      options.onNotice?.(n);
    }
  };
  // Order matters for concurrent saves: list first, then read intents, then the commit files. A
  // content file listed here was announced by its save's intent before it was written, and that
  // intent is removed only after the save's commit, which is read last.
  const names = await fsp.readdir(abs);
  const announced = new Set<string>();
  for (const name of names) {
    const m = INTENT_FILE.exec(name);
    if (!m || path.join(abs, name) === ownIntent) continue;
    if (pidAlive(Number(m[1]))) {
      const text = await readTextOrUndefined(path.join(abs, name));
      try {
        for (const n of JSON.parse(text ?? '[]') as string[]) announced.add(n);
      } catch {
        // an intent being written: its save has not written any content file yet
      }
    } else {
      await remove(name, 'the record of a save whose process is no longer running');
    }
  }
  const referenced = new Set<string>();
  for (const cf of options.commitFiles) {
    const text = await readTextOrUndefined(path.join(abs, cf));
    if (text !== undefined) for (const n of options.references(text)) referenced.add(n);
  }
  for (const name of names) {
    const temp = TEMP_FILE.exec(name);
    if (temp && !pidAlive(Number(temp[2]))) await remove(name, 'an incomplete file of a save interrupted before it completed');
    else if (CONTENT_FILE.test(name) && !referenced.has(name) && !announced.has(name)) {
      await remove(name, options.superseded?.includes(name) ? undefined : 'a file no saved version refers to (left by an interrupted save, or superseded)');
    }
  }
  for (const name of options.superseded ?? []) {
    if (name !== path.basename(name) || options.commitFiles.includes(name) || CONTENT_FILE.test(name)) continue;
    if (!referenced.has(name) && !announced.has(name) && names.includes(name)) await remove(name, undefined);
  }
  await fsyncDir(abs);
  return notices;
}

/**
 * Makes sure `dir` is a folder this process can write into, creating it when missing: for paths
 * that must be folders, checked before long work starts (not after it, when a failure loses it).
 * @param what how the user knows the path, e.g. `'FMNIST_CACHE_DIR'` or `'cacheDir'`.
 * @throws Error naming `what`, the path, the problem (a file in the way, no permission) and the fix.
 * @example await ensureWritableFolder(path.join(cacheRoot(), 'models'), 'FMNIST_CACHE_DIR')
 */
export async function ensureWritableFolder(dir: string, what: string): Promise<void> {
  const abs = path.resolve(dir);
  const fail = (problem: string): Error => new Error(`${what} (${abs}) cannot be used: ${problem}`);
  try {
    await fsp.mkdir(abs, { recursive: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR' || code === 'EEXIST') {
      const file = await firstFileAbove(abs);
      throw fail(`${file} is a file, not a folder. Point ${what} at a folder, or move the file away.`);
    }
    if (code === 'EACCES' || code === 'EPERM' || code === 'EROFS') throw fail(`the folder cannot be created (${code}). Point ${what} at a folder you can write to.`);
    throw err;
  }
  const probe = path.join(abs, `.write-test-${suffix()}`);
  try {
    await fsp.writeFile(probe, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw fail(`it is not writable (${code ?? (err as Error).message}). Point ${what} at a folder you can write to, or fix its permissions.`);
  } finally {
    await fsp.rm(probe, { force: true });
  }
}
