import * as path from 'node:path';
import { OFFICIAL_BASE_URL, OFFICIAL_FILES } from './files.js';
import { DataFormatError } from './errors.js';
import { md5, verifyOfficialBytes } from './locate.js';
import { isGzip } from './idx.js';
import { ensureFolder } from './folders.js';
import { writeFileAtomic } from '../util/fs.js';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { OfficialFile } from './files.js';

export interface DownloadOptions {
  /** Folder to write into (default `./data`). */
  dir?: string;
  /** Base URL of the four files (default: the official mirror). Tests point it at a local server. */
  baseUrl?: string;
  /** Re-download files that are already present and valid (default false). */
  force?: boolean;
  /** Called with a line of progress per file. */
  onProgress?: (message: string) => void;
  /** Milliseconds before a request is abandoned (default 60,000). */
  timeoutMs?: number;
}

/**
 * Downloads the four official files, checks each against its published MD5, and writes it
 * atomically (a failed or corrupt download never replaces a good file). Files already present
 * with the right checksum are kept.
 * @returns the folder written to.
 * @throws DataFormatError on a network error, an HTTP error status, a checksum mismatch, or a
 *   download folder that is a file or cannot be created (checked before anything is downloaded).
 */
export async function downloadFashionMnist(options: DownloadOptions = {}): Promise<string> {
  const dir = path.resolve(options.dir ?? 'data');
  // Checked (and created) before any download: a file in the way fails now, not after the first 30 MB.
  try {
    ensureFolder(dir, 'dir');
  } catch (err) {
    throw new DataFormatError(`Cannot download Fashion-MNIST: ${(err as Error).message.replace(/^dir = /, 'the download folder ')}`, dir);
  }
  const baseUrl = options.baseUrl ?? OFFICIAL_BASE_URL;
  const log = options.onProgress ?? (() => undefined);
  for (const file of OFFICIAL_FILES) {
    const target = path.join(dir, file.name);
    if (!options.force && existsSync(target) && isOfficial(await readFile(target), file)) {
      log(`${file.name}: present, checksum OK`);
      continue;
    }
    const url = new URL(file.name, baseUrl.endsWith('/') ? baseUrl : baseUrl + '/').toString();
    let bytes: Uint8Array;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? 60_000) });
      if (!res.ok) throw new Error(`HTTP ${res.status} ${res.statusText}`);
      bytes = new Uint8Array(await res.arrayBuffer());
    } catch (err) {
      throw new DataFormatError(
        `Downloading ${url} failed: ${(err as Error).message}. Without a network, install Debian's ` +
          'dataset-fashion-mnist package or copy the four files into ./data.',
        target,
      );
    }
    if (!isOfficial(bytes, file)) {
      throw new DataFormatError(
        `${url}: MD5 ${md5(bytes)} matches neither the published ${file.gzipMd5} nor the official content; ` +
          'the download is corrupt or not the official file. Nothing was written.',
        target,
      );
    }
    await writeFileAtomic(target, bytes);
    log(`${file.name}: downloaded ${(bytes.length / 2 ** 20).toFixed(1)} MB, checksum OK`);
  }
  return dir;
}

/** Gzip bytes that {@link verifyOfficialBytes} accepts: the published file or a recompressed mirror of it. */
function isOfficial(bytes: Uint8Array, file: OfficialFile): boolean {
  if (!isGzip(bytes)) return false;
  try {
    verifyOfficialBytes(bytes, file.name, file);
    return true;
  } catch {
    return false;
  }
}
