import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fs.js';
import { cacheRoot } from '../util/paths.js';
import { reportScale, type ReportScale } from './scale.js';

/**
 * Artifacts passed between notebooks (e.g. autoencoder codes), stored per
 * scale under `<cache>/artifacts/<scale>/`. Each is stored with the `key` of the settings that
 * made it; a later notebook asking with another key gets `undefined` and recomputes, so a
 * stale artifact is never used silently.
 */
export class ArtifactStore {
  readonly dir: string;

  constructor(scale: ReportScale = reportScale(), root = cacheRoot()) {
    this.dir = path.join(root, 'artifacts', scale);
  }

  /** Stores JSON-serialisable `value` under `name`, tagged with `key`. */
  saveJson(name: string, key: string, value: unknown): void {
    writeFileAtomicSync(this.file(name, 'json'), JSON.stringify({ key, savedAt: new Date().toISOString(), value }));
  }

  /** The value stored under `name` if it was made with `key`; `undefined` if absent or stale. */
  loadJson<T>(name: string, key: string): T | undefined {
    const stored = this.readJson<T>(name);
    return stored?.key === key ? stored.value : undefined;
  }

  /**
   * Whatever is stored under `name`, with the key it was stored with and when: for an artifact
   * whose key the reader does not know yet (e.g. which model notebook 03 trained); `undefined` if absent.
   * @throws Error naming the file when it is corrupt.
   */
  readJson<T>(name: string): { readonly key: string; readonly savedAt: string; readonly value: T } | undefined {
    const file = this.file(name, 'json');
    if (!existsSync(file)) return undefined;
    let parsed: { key?: unknown; savedAt?: unknown; value?: T };
    try {
      parsed = JSON.parse(readFileSync(file, 'utf8')) as typeof parsed;
    } catch (err) {
      throw new Error(`Artifact ${file} is corrupt (${(err as Error).message}); delete it to recompute.`);
    }
    if (typeof parsed !== 'object' || parsed === null || typeof parsed.key !== 'string') {
      throw new Error(`Artifact ${file} is corrupt (it records no key); delete it to recompute.`);
    }
    return { key: parsed.key, savedAt: typeof parsed.savedAt === 'string' ? parsed.savedAt : '', value: parsed.value as T };
  }

  /** Stores a Float32Array (e.g. autoencoder codes) with its shape. */
  saveFloat32(name: string, key: string, data: Float32Array, shape: readonly number[]): void {
    writeFileAtomicSync(this.file(name, 'f32'), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    this.saveJson(name + '.meta', key, { shape, bytes: data.byteLength });
  }

  /** The array stored under `name` if made with `key` and complete; else `undefined`. */
  loadFloat32(name: string, key: string): { data: Float32Array; shape: number[] } | undefined {
    const meta = this.loadJson<{ shape: number[]; bytes: number }>(name + '.meta', key);
    const file = this.file(name, 'f32');
    if (!meta || !existsSync(file)) return undefined;
    const bytes = readFileSync(file);
    if (bytes.length !== meta.bytes) {
      throw new Error(`Artifact ${file} has ${bytes.length} bytes but ${meta.bytes} were written; delete it to recompute.`);
    }
    const data = new Float32Array(bytes.length / 4);
    new Uint8Array(data.buffer).set(bytes);
    return { data, shape: meta.shape };
  }

  private file(name: string, ext: string): string {
    if (!/^[\w.-]+$/.test(name)) throw new RangeError(`Artifact names are letters, digits, '.', '-' and '_'; got '${name}'.`);
    return path.join(this.dir, `${name}.${ext}`);
  }
}
