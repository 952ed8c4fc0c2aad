import { closeSync, fsyncSync, openSync, promises as fsp, mkdirSync, renameSync, writeSync, rmSync } from 'node:fs';
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
 * The names of a folder replaced by {@link replaceFolderAtomic}, beside it in the same parent:
 * `<name>` (a symbolic link to the current version), `<name>.v-<pid>-<ms>-<rand>` (complete
 * versions), `<name>.tmp-…` (a version being written), `<name>.lnk-…` (the next link, before it
 * replaces `<name>`), `<name>.old-…` (a plain folder moved aside while being converted to a link;
 * also what earlier versions of this project left after a killed save).
 */
const SIDE_ENTRY = /^(tmp|old|v|lnk)-(\d+)-(\d+)-[a-z0-9]*$/;

/** One thing {@link recoverFolder} or {@link replaceFolderAtomic} did about leftovers of an interrupted save. */
export interface FolderNotice {
  /** `restored`: a complete copy was put back in place; `removed`: a leftover copy was deleted. */
  readonly action: 'restored' | 'removed';
  /** The leftover path acted on. */
  readonly path: string;
  /** A sentence saying what was found and what was done. */
  readonly message: string;
}

/** Options of {@link replaceFolderAtomic} (and, for `onNotice`, of {@link recoverFolder}). */
export interface ReplaceFolderOptions {
  /** Called with each thing the recovery of leftovers did (the library never prints). */
  onNotice?: (notice: FolderNotice) => void;
  /**
   * Called after each step of the replacement, in order (for crash tests: a process killed in
   * here must leave a complete old or new folder). Steps: `wrote:<file>` per file,
   * `synced-folder`, `renamed-version`, `created-link`, `moved-aside` (only when the target was
   * a plain folder), `committed`, `removed-old`.
   */
  onStep?: (step: string) => void | Promise<void>;
  /**
   * Called before a plain folder at the target is replaced, with the folder: return normally to
   * accept it, throw to refuse (e.g. when it is not a saved model). Default: accept.
   */
  checkExisting?: (dir: string) => void | Promise<void>;
}

function sideName(base: string, kind: 'tmp' | 'old' | 'v' | 'lnk'): string {
  return `${base}.${kind}-${process.pid}-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
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

async function lstatOrUndefined(p: string): Promise<import('node:fs').Stats | undefined> {
  try {
    return await fsp.lstat(p);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Recovers a folder written by {@link replaceFolderAtomic} after an interrupted save (a crash, a
 * kill, power loss): when the folder itself is missing but a complete copy was moved aside
 * (`<name>.old-…`), that copy is put back; leftovers of dead processes (`<name>.tmp-…`,
 * `.lnk-…`, `.old-…`, and versions `.v-…` the folder does not point to) are deleted. Entries of
 * running processes (a save in progress elsewhere) are left alone. Safe to call any time.
 * @returns what was done (also passed to `onNotice`), empty when nothing needed doing.
 */
export async function recoverFolder(target: string, options: Pick<ReplaceFolderOptions, 'onNotice'> = {}): Promise<FolderNotice[]> {
  const abs = path.resolve(target);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const notices: FolderNotice[] = [];
  const say = (n: FolderNotice): void => { notices.push(n); options.onNotice?.(n); };
  let names: string[];
  try {
    names = await fsp.readdir(parent);
  } catch {
    return notices;
  }
  const leftovers = names
    .filter((name) => name.startsWith(base + '.'))
    .map((name) => ({ name, m: SIDE_ENTRY.exec(name.slice(base.length + 1)) }))
    .filter((e): e is { name: string; m: RegExpExecArray } => e.m !== null)
    .map((e) => ({ name: e.name, kind: e.m[1] as 'tmp' | 'old' | 'v' | 'lnk', pid: Number(e.m[2]), time: Number(e.m[3]) }))
    .filter((e) => !pidAlive(e.pid))
    .sort((a, b) => b.time - a.time);
  if (leftovers.length === 0) return notices;
  let current = await lstatOrUndefined(abs);
  if (!current) {
    // Killed between moving the old folder aside and putting the new one in place: put the old one back.
    const old = leftovers.find((e) => e.kind === 'old');
    if (old) {
      await fsp.rename(path.join(parent, old.name), abs);
      await fsyncDir(parent);
      current = await fsp.lstat(abs);
      leftovers.splice(leftovers.indexOf(old), 1);
      say({
        action: 'restored',
        path: path.join(parent, old.name),
        message: `${abs} was missing after an interrupted save; restored the complete copy ${old.name} that the save had moved aside.`,
      });
    }
  }
  let pointsTo: string | undefined;
  if (current?.isSymbolicLink()) pointsTo = path.basename(await fsp.readlink(abs));
  for (const e of leftovers) {
    if (e.name === pointsTo) continue;
    const p = path.join(parent, e.name);
    await fsp.rm(p, { recursive: true, force: true });
    const what = {
      tmp: 'an incomplete copy from an interrupted save',
      lnk: 'an unused link from an interrupted save',
      old: 'a superseded copy from an interrupted save',
      v: current ? 'a version the folder no longer points to' : 'a version from a save interrupted before it completed',
    }[e.kind];
    say({ action: 'removed', path: p, message: `Removed ${e.name} beside ${abs}: ${what}.` });
  }
  if (notices.length > 0) await fsyncDir(parent);
  return notices;
}

/**
 * Replaces the folder `target` with one holding exactly `files`, crash-safely on POSIX: at every
 * instant `target` is the complete old folder or the complete new one.
 *
 * The files are written into a temporary sibling folder and flushed (fsync, then the folder);
 * that folder is renamed to a version name (`<name>.v-…`); a symbolic link to it is created and
 * renamed over `target` — one atomic rename is the commit point — and the old version is deleted.
 * `target` is thus a link to its current version (readers open files through it; resolve it once
 * with `realpath` to read several files of one version). A plain folder at `target` (e.g. written
 * by an older version or another tool) is moved aside just before the commit; if the process dies
 * between the two renames, {@link recoverFolder} (run at the start of every replacement and load)
 * puts it back. Leftovers of dead processes are cleaned and reported through `onNotice`.
 * @throws Error when a plain file is at `target`, or `checkExisting` refuses the folder there.
 * @example await replaceFolderAtomic('.cache/models/ae-1', { 'model.json': json, 'weights.bin': bytes })
 */
export async function replaceFolderAtomic(
  target: string, files: Record<string, string | Uint8Array>, options: ReplaceFolderOptions = {},
): Promise<FolderNotice[]> {
  const abs = path.resolve(target);
  const parent = path.dirname(abs);
  const base = path.basename(abs);
  const step = async (name: string): Promise<void> => { await options.onStep?.(name); };
  for (const name of Object.keys(files)) {
    if (name !== path.basename(name) || name === '' || name === '.' || name === '..') {
      throw new RangeError(`replaceFolderAtomic: file names must be plain names without a folder, got '${name}'.`);
    }
  }
  await fsp.mkdir(parent, { recursive: true });
  const notices = await recoverFolder(abs, options);
  const existing = await lstatOrUndefined(abs);
  let previousVersion: string | undefined;
  let plainFolder = false;
  if (existing?.isSymbolicLink()) {
    const link = await fsp.readlink(abs);
    const name = path.basename(link);
    // Delete the previous version only if it is one of ours (a sibling version folder).
    if (path.dirname(path.resolve(parent, link)) === parent && name.startsWith(base + '.v-')) previousVersion = path.join(parent, name);
  } else if (existing?.isDirectory()) {
    await options.checkExisting?.(abs);
    plainFolder = true;
  } else if (existing) {
    throw new Error(`${abs} is a file, not a folder; refusing to replace it. Choose another path or delete the file.`);
  }

  const tmp = path.join(parent, sideName(base, 'tmp'));
  const version = path.join(parent, sideName(base, 'v'));
  const link = path.join(parent, sideName(base, 'lnk'));
  let committed = false;
  try {
    await fsp.mkdir(tmp);
    for (const [name, data] of Object.entries(files)) {
      await writeFileDurable(path.join(tmp, name), data);
      await step(`wrote:${name}`);
    }
    await fsyncDir(tmp);
    await step('synced-folder');
    await fsp.rename(tmp, version);
    await fsyncDir(parent);
    await step('renamed-version');
    await fsp.symlink(path.basename(version), link);
    await step('created-link');
    let aside: string | undefined;
    if (plainFolder) {
      aside = path.join(parent, sideName(base, 'old'));
      await fsp.rename(abs, aside);
      await step('moved-aside');
    }
    try {
      await fsp.rename(link, abs);
    } catch (err) {
      if (aside) await fsp.rename(aside, abs).catch(() => undefined);
      throw err;
    }
    committed = true;
    await fsyncDir(parent);
    await step('committed');
    const old = aside ?? previousVersion;
    if (old) {
      await fsp.rm(old, { recursive: true, force: true });
      await fsyncDir(parent);
    }
    await step('removed-old');
  } finally {
    if (!committed) {
      for (const p of [tmp, version, link]) await fsp.rm(p, { recursive: true, force: true }).catch(() => undefined);
    }
  }
  return notices;
}
