import { closeSync, existsSync, fstatSync, fsyncSync, mkdirSync, openSync, readFileSync, readSync, renameSync, rmSync, statSync, writeSync, linkSync } from 'node:fs';
import { createHash, randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import * as path from 'node:path';
import { writeFileAtomicSync } from '../util/fs.js';
import { cacheRoot, CACHE_ENV } from '../util/paths.js';
import { folderProblem } from '../data/folders.js';
import { reportScale, SCALES, type ReportScale } from './scale.js';
import type { PipelineId, Protocol, RunLabel, SettingValue } from './settings.js';

/** One seeded run's scores. */
export interface RunScores {
  readonly seed: number;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  /** Seconds to fit the clusterer and assign the test images. */
  readonly seconds: number;
  /**
   * {@link labelsFingerprint} of the predicted labels. When every seed of a multi-seed run has the
   * same one, the store flags the result ({@link PipelineResult.identicalSeedLabels}).
   */
  readonly labelsHash?: string;
}

/** Mean, sample standard deviation (0 for one run), minimum and maximum of a score over seeds. */
export interface Spread {
  readonly mean: number;
  readonly sd: number;
  readonly min: number;
  readonly max: number;
}

/** One pipeline setting's scores on the test images, as recorded by a notebook and shown in the summary. */
export interface PipelineResult {
  /** Stable id: pipeline, `-train` for the train protocol, `-improved`, or `~<diff>` for a variant. */
  readonly id: string;
  readonly pipeline: PipelineId;
  /** Human-readable pipeline name. */
  readonly name: string;
  /** The notebook that recorded it (e.g. `02-kmeans`). */
  readonly notebook: string;
  /** What the settings are: the report's, one of our improved ones, or a variant (e.g. k = 5). */
  readonly label: RunLabel;
  /** "the report's settings", "improved: …", "variant of the report's settings: k = 5". */
  readonly description: string;
  /** For a variant: what differs from the setting the notebook meant (`['k = 5']`). */
  readonly diff: readonly string[];
  readonly protocol: Protocol;
  readonly scale: ReportScale;
  /** ISO time of recording. */
  readonly recordedAt: string;
  /** TF.js backend active when it was computed. */
  readonly backend: string;
  /** Every setting, read from the fitted estimators' options (plus preprocessing and the autoencoder's training). */
  readonly settings: Readonly<Record<string, SettingValue>>;
  /** One entry per clusterer seed. */
  readonly runs: readonly RunScores[];
  /** The median run by NMI (lower middle for an even count): its seed and figures below. */
  readonly medianSeed: number;
  readonly nmi: number;
  readonly ari: number;
  readonly acc: number;
  readonly seconds: number;
  /** Each score over the seeds. */
  readonly spread: { readonly nmi: Spread; readonly ari: Spread; readonly acc: Spread };
  /** The published NMI, for the report's pipelines. */
  readonly publishedNmi?: number;
  readonly trainImages: number;
  readonly testImages: number;
  /** Images scored when the protocol is `all` (train + test). */
  readonly scoredImages?: number;
  /**
   * Set by {@link ResultStore.record}: true when the run has two or more seeds and every seed
   * predicted exactly the same labels (same {@link RunScores.labelsHash}) — the clusterer
   * probably ignored its seed, so the sd of 0 measures nothing. The summary's conclusion notes it.
   */
  readonly identicalSeedLabels?: boolean;
}

/** Mean, sample sd, min and max. @throws RangeError for no values. */
export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) throw new RangeError('spreadOf: needs at least one value.');
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const sd = values.length < 2 ? 0 : Math.sqrt(values.reduce((a, v) => a + (v - mean) ** 2, 0) / (values.length - 1));
  return { mean, sd, min: Math.min(...values), max: Math.max(...values) };
}

/** The median run by NMI: the lower middle one for an even count. */
export function medianRun<R extends { nmi: number }>(runs: readonly R[]): R {
  if (runs.length === 0) throw new RangeError('medianRun: needs at least one run.');
  const sorted = [...runs].sort((a, b) => a.nmi - b.nmi);
  return sorted[Math.floor((sorted.length - 1) / 2)]!;
}

/** Options of {@link ResultStore}. */
export interface ResultStoreOptions {
  /** `'smoke'` or `'full'`; default: `REPORT_SCALE`'s. */
  scale?: ReportScale;
  /** Cache root. Default `.cache/` (or `$FMNIST_CACHE_DIR`). */
  root?: string;
  /**
   * Milliseconds to wait for another writer's lock before giving up (default 30,000). A write
   * holds the lock for milliseconds; a lock older than {@link STALE_LOCK_MS} or whose process has
   * died on this host is broken.
   */
  lockTimeoutMs?: number;
}

/** A record the store skipped while reading: the file, the line (or entry of a legacy file) and why. */
export interface ResultProblem {
  readonly file: string;
  /** 1-based line of the log, or 1-based entry of a legacy `<scale>.json` table. */
  readonly line: number;
  readonly message: string;
}

/** Every result a read found, and the records it skipped. */
export interface ResultsRead {
  readonly results: PipelineResult[];
  readonly problems: ResultProblem[];
}

/** The format tag of every line of the log. */
export const RESULTS_FORMAT = 'fmnist-cluster-result-v3';
/** The format of the table written by earlier versions (`<scale>.json`), migrated on the first write. */
const LEGACY_FORMAT = 'fmnist-cluster-results-v2';
/** A lock this old is a dead writer's: a write holds it for milliseconds. */
export const STALE_LOCK_MS = 30_000;

const RUN_LABELS = ['report', 'improved', 'variant'];
const PROTOCOLS = ['test', 'train', 'all'];

/**
 * The results the notebooks record, one append-only log per scale (`<cache>/results/<scale>.jsonl`,
 * one JSON record per line), read by notebook 06 and `npm run report`. A result replaces an earlier
 * one with the same id (the later line wins); variants get ids of their own, so a rerun with k = 5
 * never overwrites the report's setting.
 *
 * Concurrent writers (two notebooks, a report and a notebook, several processes) lose nothing:
 * each record is one `O_APPEND` write, flushed to disk, under a lock file created atomically
 * (`<scale>.jsonl.lock`) that also serialises the rare rewrites (migration, {@link clear}).
 * Reads take no lock. A line torn by a killed writer, or any malformed record, is skipped and
 * reported with its file and line ({@link read}); the next writer terminates a torn line first.
 * A table written by earlier versions (`<scale>.json`) is read too, and moved into the log
 * (then renamed `<scale>.json.migrated`) by the next write.
 *
 * @throws RangeError from the constructor for a scale other than `smoke` or `full`; Error when
 *   the results folder cannot be one (a file in the way, a symbolic link loop).
 * @example
 * const store = new ResultStore({ scale: 'smoke' });
 * store.record(result);                  // appends; refuses a result of another scale
 * const { results, problems } = store.read();
 */
export class ResultStore {
  readonly scale: ReportScale;
  /** The log: `<root>/results/<scale>.jsonl`. */
  readonly file: string;
  /** The table of earlier versions, read and migrated: `<root>/results/<scale>.json`. */
  readonly legacyFile: string;
  readonly lockFile: string;
  private readonly lockTimeoutMs: number;

  constructor(options: ResultStoreOptions = {}) {
    const scale = options.scale ?? reportScale();
    if (!Object.prototype.hasOwnProperty.call(SCALES, scale)) {
      throw new RangeError(
        `ResultStore: scale must be one of ${Object.keys(SCALES).map((s) => `'${s}'`).join(', ')}, got ${JSON.stringify(scale)}; ` +
          'results of any other scale would go to a file that no summary reads. Pass the scale of the run (settings.scale).',
      );
    }
    this.scale = scale;
    const dir = path.join(options.root ?? cacheRoot(), 'results');
    // Checked now, before the clustering whose result would be recorded here.
    const problem = folderProblem(dir);
    if (problem !== undefined && problem !== 'does not exist') {
      throw new Error(
        `ResultStore: the results folder ${dir} ${problem}. ` +
          (options.root === undefined ? `Point ${CACHE_ENV} at a folder (it is created when missing), or unset it to use the project's .cache/.` : 'Pass a root folder that is (or can become) a folder.'),
      );
    }
    this.file = path.join(dir, `${scale}.jsonl`);
    this.legacyFile = path.join(dir, `${scale}.json`);
    this.lockFile = `${this.file}.lock`;
    this.lockTimeoutMs = options.lockTimeoutMs ?? 30_000;
  }

  /**
   * Every valid result (the latest record of each id, in the order of those records) and the
   * records skipped: malformed JSON, a torn last line, a record failing the shape check, a result
   * of another scale. Never throws for the files' content.
   * @throws Error only when a file exists but cannot be read (permissions), naming it.
   */
  read(): ResultsRead {
    const problems: ResultProblem[] = [];
    const byId = new Map<string, PipelineResult>();
    for (const r of [...this.readLegacy(problems), ...this.readLog(problems)]) {
      byId.delete(r.id);
      byId.set(r.id, r);
    }
    return { results: [...byId.values()], problems };
  }

  /**
   * Every recorded result, in recording order. Skipped records are reported by a process
   * warning (type `ResultsWarning`) naming the file and line; {@link read} returns them instead.
   */
  load(): PipelineResult[] {
    const { results, problems } = this.read();
    for (const p of problems) process.emitWarning(formatProblem(p), { type: 'ResultsWarning' });
    return results;
  }

  /**
   * Appends `result` (replacing, on read, any earlier one with the same id) and returns the whole
   * table. Sets {@link PipelineResult.identicalSeedLabels} from the runs' label fingerprints.
   * @throws RangeError for a result of another scale than this store's; TypeError for a result
   *   that is not a well-formed {@link PipelineResult} (nothing is written); Error when the lock
   *   cannot be taken within `lockTimeoutMs`.
   */
  record(result: PipelineResult): PipelineResult[] {
    if (typeof result === 'object' && result !== null && result.scale !== this.scale) {
      throw new RangeError(
        `ResultStore.record: result '${String(result.id)}' is of scale ${JSON.stringify(result.scale)} but this store holds scale '${this.scale}' (${this.file}); ` +
          `a result of another scale would be compared with the wrong figures. Record it into new ResultStore({ scale: '${String(result.scale)}' }).`,
      );
    }
    const why = this.checkRecord(result);
    if (why) throw new TypeError(`ResultStore.record: not a well-formed result: ${why}. Nothing was written.`);
    const flagged: PipelineResult = { ...result, identicalSeedLabels: identicalSeedLabels(result.runs) };
    this.withLock(() => {
      const legacy = this.legacyToMigrate();
      const lines = [...legacy, flagged].map((r) => JSON.stringify({ format: RESULTS_FORMAT, result: r }) + '\n').join('');
      appendDurable(this.file, lines);
      if (existsSync(this.legacyFile)) renameSync(this.legacyFile, `${this.legacyFile}.migrated`);
    });
    return this.load();
  }

  /**
   * Removes the results for which `predicate` holds, under the lock (the log rewritten atomically
   * with the results kept, the legacy table renamed `.migrated`); returns the removed ones.
   * Records that cannot be read (reported by {@link read}) are dropped by the rewrite.
   * @example store.remove((r) => r.label === 'variant')
   */
  remove(predicate: (result: PipelineResult) => boolean): PipelineResult[] {
    return this.withLock(() => {
      const all = this.read().results;
      const removed = all.filter(predicate);
      if (removed.length > 0) {
        const kept = all.filter((r) => !predicate(r));
        writeFileAtomicSync(this.file, kept.map((r) => JSON.stringify({ format: RESULTS_FORMAT, result: r }) + '\n').join(''));
        if (existsSync(this.legacyFile)) renameSync(this.legacyFile, `${this.legacyFile}.migrated`);
      }
      return removed;
    });
  }

  /** Removes every result of this scale (under the lock; the legacy table is renamed `.migrated`). */
  clear(): void {
    this.withLock(() => {
      writeFileAtomicSync(this.file, '');
      if (existsSync(this.legacyFile)) renameSync(this.legacyFile, `${this.legacyFile}.migrated`);
    });
  }

  /** Why `x` is not a well-formed result of this store's scale, or undefined when it is. */
  private checkRecord(x: unknown): string | undefined {
    const why = resultShapeProblem(x);
    if (why) return why;
    const r = x as PipelineResult;
    if (r.scale !== this.scale) return `result '${r.id}' is of scale '${String(r.scale)}', not this file's '${this.scale}'`;
    return undefined;
  }

  /** The log's valid records in file order (duplicate ids included), with the problems of the others. */
  private readLog(problems: ResultProblem[]): PipelineResult[] {
    const text = readIfExists(this.file);
    if (text === undefined) return [];
    const out: PipelineResult[] = [];
    const lines = text.split('\n');
    const torn = text.length > 0 && !text.endsWith('\n');
    lines.forEach((line, i) => {
      if (line.trim() === '') return;
      const at = { file: this.file, line: i + 1 };
      let parsed: unknown;
      try {
        parsed = JSON.parse(line);
      } catch (err) {
        const why = torn && i === lines.length - 1 ? 'an incomplete last line (a writer was killed while writing it)' : `not JSON (${(err as Error).message})`;
        problems.push({ ...at, message: `${why}; skipped` });
        return;
      }
      const rec = parsed as { format?: unknown; result?: unknown };
      if (typeof rec !== 'object' || rec === null || rec.format !== RESULTS_FORMAT) {
        problems.push({ ...at, message: `not a record of format ${RESULTS_FORMAT}; skipped` });
        return;
      }
      const why = this.checkRecord(rec.result);
      if (why) problems.push({ ...at, message: `${why}; skipped` });
      else out.push(rec.result as PipelineResult);
    });
    return out;
  }

  /** The legacy table's valid entries, with their problems. */
  private readLegacy(problems: ResultProblem[]): PipelineResult[] {
    const text = readIfExists(this.legacyFile);
    if (text === undefined) return [];
    let parsed: { format?: unknown; results?: unknown };
    try {
      parsed = JSON.parse(text) as typeof parsed;
    } catch (err) {
      problems.push({ file: this.legacyFile, line: 1, message: `not JSON (${(err as Error).message}); the whole table is skipped (delete it and rerun the notebooks)` });
      return [];
    }
    if (typeof parsed !== 'object' || parsed === null || parsed.format !== LEGACY_FORMAT || !Array.isArray(parsed.results)) {
      problems.push({ file: this.legacyFile, line: 1, message: `not a table of format ${LEGACY_FORMAT} (written by another version); skipped (delete it and rerun the notebooks)` });
      return [];
    }
    const out: PipelineResult[] = [];
    parsed.results.forEach((r: unknown, i: number) => {
      const why = this.checkRecord(r);
      if (why) problems.push({ file: this.legacyFile, line: i + 1, message: `entry ${i + 1}: ${why}; skipped` });
      else out.push(r as PipelineResult);
    });
    return out;
  }

  /** Under the lock: the legacy entries whose ids the log does not hold yet (all of them on the first write). */
  private legacyToMigrate(): PipelineResult[] {
    if (!existsSync(this.legacyFile)) return [];
    const legacy = this.readLegacy([]);
    if (legacy.length === 0) return [];
    const inLog = new Set(this.readLog([]).map((r) => r.id));
    return legacy.filter((r) => !inLog.has(r.id));
  }

  /** Runs `fn` holding the lock file (atomic exclusive create), breaking a dead writer's lock. */
  private withLock<T>(fn: () => T): T {
    mkdirSync(path.dirname(this.file), { recursive: true });
    const token = `${process.pid} ${hostname()} ${randomBytes(8).toString('hex')} ${Date.now()}`;
    const deadline = Date.now() + this.lockTimeoutMs;
    for (let attempt = 0; ; attempt++) {
      try {
        const fd = openSync(this.lockFile, 'wx');
        try { writeSync(fd, token); } finally { closeSync(fd); }
        break;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
          throw new Error(`ResultStore: cannot create the lock file ${this.lockFile} (${(err as Error).message}); check that ${path.dirname(this.file)} is a writable folder.`);
        }
      }
      if (this.breakIfStale()) continue;
      if (Date.now() > deadline) {
        throw new Error(
          `ResultStore: the results lock ${this.lockFile} is held by another writer (${readIfExists(this.lockFile) ?? '?'}) for more than ${this.lockTimeoutMs} ms. ` +
            'If no notebook or report is running, delete that file.',
        );
      }
      sleepSync(Math.min(50, 1 + attempt));
    }
    try {
      return fn();
    } finally {
      // Remove only our own lock (a writer that judged us dead may have replaced it).
      if (readIfExists(this.lockFile) === token) rmSync(this.lockFile, { force: true });
    }
  }

  /** Removes the lock when its writer is dead (same host, process gone) or it is older than STALE_LOCK_MS (another host, or empty). */
  private breakIfStale(): boolean {
    const seen = readIfExists(this.lockFile);
    if (seen === undefined) return true;
    let age: number;
    try {
      age = Date.now() - statSync(this.lockFile).mtimeMs;
    } catch {
      return true; // released meanwhile
    }
    const [pid, host, nonce] = seen.split(' ');
    // A complete token of this host: stale when its process is gone (or, against a reused pid,
    // after ten times the usual limit). Otherwise (another host, or a lock left empty by a writer
    // killed between creating and writing it): stale by age only.
    const stale = nonce !== undefined && host === hostname() && Number(pid) > 0
      ? !processAlive(Number(pid)) || age > 10 * STALE_LOCK_MS
      : age > STALE_LOCK_MS;
    if (!stale) return false;
    // Move it aside first, so that of two writers breaking the same dead lock only one deletes it;
    // a lock taken meanwhile by a live writer is put back.
    const aside = `${this.lockFile}.broken-${process.pid}-${randomBytes(4).toString('hex')}`;
    try {
      renameSync(this.lockFile, aside);
    } catch {
      return true;
    }
    if (readIfExists(aside) !== seen) {
      try { linkSync(aside, this.lockFile); } catch { /* another lock exists: appends stay whole either way */ }
    }
    rmSync(aside, { force: true });
    return true;
  }
}

/** "file, line N: message" — how the CLI and warnings show a skipped record. */
export function formatProblem(p: ResultProblem): string {
  return `${p.file}, line ${p.line}: ${p.message}`;
}

/**
 * A short fingerprint of predicted labels (SHA-256 of their values as int32, 16 hex digits), to
 * tell whether two seeds predicted exactly the same labels without storing them.
 * @example labelsFingerprint(model.predict(x))
 */
export function labelsFingerprint(labels: ArrayLike<number>): string {
  const values = labels instanceof Int32Array ? labels : Int32Array.from(labels as ArrayLike<number>);
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex').slice(0, 16);
}

/**
 * True when two or more runs all carry the same {@link RunScores.labelsHash}: every seed predicted
 * exactly the same labels, so the seed was probably ignored. False when any run lacks a fingerprint.
 */
export function identicalSeedLabels(runs: readonly RunScores[]): boolean {
  if (runs.length < 2) return false;
  const first = runs[0]!.labelsHash;
  return first !== undefined && runs.every((r) => r.labelsHash === first);
}

/** Why `x` is not shaped like a {@link PipelineResult} (every field the summary and index read), or undefined. */
export function resultShapeProblem(x: unknown): string | undefined {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) return `expected a result object, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`;
  const r = x as Record<string, unknown>;
  const id = typeof r.id === 'string' ? `result '${r.id}'` : 'a result';
  for (const k of ['id', 'pipeline', 'name', 'notebook', 'description', 'recordedAt', 'backend', 'scale']) {
    if (typeof r[k] !== 'string') return `${id}: ${k} must be a string, got ${describe(r[k])}`;
  }
  if (!RUN_LABELS.includes(r.label as string)) return `${id}: label must be one of ${RUN_LABELS.join(', ')}, got ${describe(r.label)}`;
  if (!PROTOCOLS.includes(r.protocol as string)) return `${id}: protocol must be one of ${PROTOCOLS.join(', ')}, got ${describe(r.protocol)}`;
  if (!Array.isArray(r.diff) || !r.diff.every((d) => typeof d === 'string')) return `${id}: diff must be an array of strings`;
  if (typeof r.settings !== 'object' || r.settings === null) return `${id}: settings must be an object, got ${describe(r.settings)}`;
  for (const k of ['medianSeed', 'nmi', 'ari', 'acc', 'seconds', 'trainImages', 'testImages']) {
    if (typeof r[k] !== 'number') return `${id}: ${k} must be a number, got ${describe(r[k])}`;
  }
  for (const k of ['publishedNmi', 'scoredImages']) {
    if (r[k] !== undefined && typeof r[k] !== 'number') return `${id}: ${k} must be a number when present, got ${describe(r[k])}`;
  }
  if (!Array.isArray(r.runs) || r.runs.length === 0) return `${id}: runs must be a non-empty array, got ${describe(r.runs)}`;
  for (const [i, run] of (r.runs as unknown[]).entries()) {
    if (typeof run !== 'object' || run === null) return `${id}: runs[${i}] must be an object, got ${describe(run)}`;
    for (const k of ['seed', 'nmi', 'ari', 'acc', 'seconds']) {
      if (typeof (run as Record<string, unknown>)[k] !== 'number') return `${id}: runs[${i}].${k} must be a number, got ${describe((run as Record<string, unknown>)[k])}`;
    }
  }
  const spread = r.spread as Record<string, unknown> | undefined;
  if (typeof spread !== 'object' || spread === null) return `${id}: spread must be an object, got ${describe(spread)}`;
  for (const score of ['nmi', 'ari', 'acc']) {
    const s = spread[score] as Record<string, unknown> | undefined;
    if (typeof s !== 'object' || s === null) return `${id}: spread.${score} must be an object, got ${describe(s)}`;
    for (const k of ['mean', 'sd', 'min', 'max']) {
      if (typeof s[k] !== 'number') return `${id}: spread.${score}.${k} must be a number, got ${describe(s[k])}`;
    }
  }
  return undefined;
}

/** Records (or replaces, by id) a result; returns the whole table. */
export function recordResult(store: ResultStore, result: PipelineResult): PipelineResult[] {
  return store.record(result);
}

/** Every recorded result of the store's scale, in recording order. */
export function loadResults(store: ResultStore = new ResultStore()): PipelineResult[] {
  return store.load();
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing (the field is missing)';
  if (v === null) return 'null';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? v.slice(0, 40) + '…' : v);
  if (Array.isArray(v)) return `an array of ${v.length}`;
  return typeof v === 'object' ? 'an object' : `${typeof v} ${String(v)}`;
}

function readIfExists(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`Cannot read the results file ${file} (${(err as Error).message}); check its permissions.`);
  }
}

/**
 * Appends `text` (whole lines) in one write and flushes it. A log whose last line was torn by a
 * killed writer gets a newline first, so the torn line stays one skipped line and never swallows
 * the new record. Called under the lock.
 */
function appendDurable(file: string, text: string): void {
  const fd = openSync(file, 'a+');
  try {
    const size = fstatSync(fd).size;
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      readSync(fd, last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    const bytes = Buffer.from(prefix + text);
    let off = 0;
    while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const SLEEPER = new Int32Array(new SharedArrayBuffer(4));
function sleepSync(ms: number): void {
  Atomics.wait(SLEEPER, 0, 0, ms);
}
