import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { BenchCase } from '../types.js';
import type { Matrix } from '../../util/matrix.js';
import { clusterScores, round } from '../stats.js';
import { cachedCodes } from './gmm.js';
import { PROJECT_ROOT, projectPython } from '../../util/paths.js';
import { nativeStatus } from '../../native/index.js';

/** Epochs of the stand-in autoencoder trained when no full-scale codes are cached (≈ 2–4 min here). */
export const BENCH_UMAP_AE_EPOCHS = 2;
/** Rows whose neighbourhoods are scored (trustworthiness, kNN recall): a fixed sample of this size. */
const QUALITY_SAMPLE = 2000;
const REFERENCE = path.join(PROJECT_ROOT, 'bench', 'umap_reference.py');

/**
 * The 70k autoencoder codes (60k train then 10k test) and labels: the full-scale codes cached by
 * `npm run report` when present, else those of the report's autoencoder trained
 * {@link BENCH_UMAP_AE_EPOCHS} epochs on the train split (cached in `.cache/models` by
 * `loadOrTrain`, so only the first run trains).
 */
async function codes70k(): Promise<{ codes: Matrix; labels: Uint8Array; source: string }> {
  const { loadFashionMnist } = await import('../../data/index.js');
  const { concatRows } = await import('../../util/matrix.js');
  const { train, test } = await loadFashionMnist();
  const labels = new Uint8Array(70000);
  labels.set(train.labels, 0);
  labels.set(test.labels, 60000);
  const cached = cachedCodes();
  if (cached) return { codes: concatRows(cached.train, cached.test), labels, source: 'autoencoder codes cached by npm run report' };
  const { loadOrTrain } = await import('../../models/index.js');
  const t0 = performance.now();
  const { model, fromCache } = await loadOrTrain(train.images, { epochs: BENCH_UMAP_AE_EPOCHS, seed: 0 });
  const codes = concatRows(model.encode(train.images), model.encode(test.images));
  model.dispose();
  const s = round((performance.now() - t0) / 1000, 1);
  return {
    codes, labels,
    source: `codes of the report's autoencoder trained ${BENCH_UMAP_AE_EPOCHS} epochs (bench stand-in; ${fromCache ? 'cached model' : `trained now, ${s} s`})`,
  };
}

/**
 * Runs umap-learn on the same codes (bench/umap_reference.py in the project's .venv): seeded
 * (deterministic, one thread: the twin of our seeded run) or, with `threads` > 1, unseeded in its
 * parallel mode on that many numba threads.
 */
function reference(x: Matrix, dir: string, threads = 1): { line: Record<string, unknown>; embedding?: Matrix } {
  let python: string;
  try {
    python = projectPython();
  } catch (err) {
    return { line: { error: (err as Error).message } };
  }
  const input = path.join(dir, 'codes.f32');
  const output = path.join(dir, 'embedding.f32');
  writeFileSync(input, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
  try {
    const out = execFileSync(python, [REFERENCE, input, String(x.rows), String(x.cols), output, '10', '20', '0', threads > 1 ? '-1' : '0'], {
      encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, NUMBA_NUM_THREADS: String(threads) },
    });
    const line = JSON.parse(out.trim().split('\n').pop()!) as Record<string, unknown>;
    const bytes = readFileSync(output);
    const data = new Float32Array(bytes.length / 4);
    new Uint8Array(data.buffer).set(bytes);
    return { line, embedding: { data, rows: x.rows, cols: 10 } };
  } catch (err) {
    return { line: { error: (err as Error).message.split('\n')[0] } };
  }
}

function umapCase(name: string, rows: 10000 | 70000): BenchCase {
  return {
    name,
    description:
      `UMAP(nComponents 10, nNeighbors 20, minDist 0, seed 0) of ${rows === 10000 ? 'the 10k test-split' : 'all 70k'} autoencoder codes (N2D's settings), ` +
      'then GaussianMixture(10, full) on the embedding; umap-learn (.venv) on the same codes as the same-run twins (second calls, after numba JIT): ' +
      'seeded (deterministic, 1 thread, like ours: ratioToReference) and unseeded in its parallel mode (ratioToParallelReference).',
    async run() {
      const { UMAP, trustworthiness, knnRecall } = await import('../../manifold/index.js');
      const { GaussianMixture } = await import('../../cluster/gmm.js');
      const { sliceRows } = await import('../../util/matrix.js');
      const all = await codes70k();
      const x = rows === 10000 ? sliceRows(all.codes, 60000, 70000) : all.codes;
      const labels = rows === 10000 ? all.labels.subarray(60000) : all.labels;
      const t0 = performance.now();
      const umap = new UMAP({ nComponents: 10, nNeighbors: 20, minDist: 0, seed: 0 });
      const E = umap.fitTransform(x);
      const seconds = (performance.now() - t0) / 1000;
      const ours = { peakRssMB: round(process.resourceUsage().maxRSS / 1024, 1) };
      const score = (emb: Matrix): Record<string, unknown> => {
        const gm = new GaussianMixture({ nComponents: 10, covarianceType: 'full', seed: 0 }).fit(emb);
        return {
          trustworthiness10: round(trustworthiness(x, emb, 10, { sample: QUALITY_SAMPLE }), 4),
          knnRecall10: round(knnRecall(x, emb, 10, { sample: QUALITY_SAMPLE }), 4),
          gmmFull: clusterScores(labels, gm.predict(emb)),
        };
      };
      const quality = score(E);
      const dir = mkdtempSync(path.join(os.tmpdir(), 'umap-bench-'));
      const threads = Math.min(2, os.availableParallelism());
      let ref: ReturnType<typeof reference>;
      let par: ReturnType<typeof reference> | undefined;
      try {
        ref = reference(x, dir);
        if (threads > 1) par = reference(x, dir, threads);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
      const refSeconds = Number(ref.line.seconds);
      const refLine = ref.embedding ? { ...ref.line, ...score(ref.embedding) } : ref.line;
      const parSeconds = Number(par?.line.seconds);
      return {
        rows: x.rows, cols: x.cols, data: all.source,
        seconds, phaseSeconds: Object.fromEntries(Object.entries(umap.phaseSeconds).map(([k, v]) => [k, round(v, 2)])),
        knnMethod: umap.knnMethodUsed, nEpochs: umap.nEpochsUsed, layout: umap.layoutRun, native: nativeStatus(),
        umapPeakRssMB: ours.peakRssMB,
        ...quality,
        reference: refLine,
        ...(Number.isFinite(refSeconds) ? { ratioToReference: round(seconds / refSeconds), comparedWith: 'umap-learn second call (numba compiled), random_state=0 (deterministic, 1 thread)' } : {}),
        ...(par ? { parallelReference: par.embedding ? { ...par.line, ...score(par.embedding) } : par.line } : {}),
        ...(Number.isFinite(parSeconds)
          ? { ratioToParallelReference: round(seconds / parSeconds), parallelComparedWith: `umap-learn second call, unseeded (parallel, not deterministic), ${threads} numba threads` }
          : {}),
        loadAverage: os.loadavg().map((v) => round(v, 2)),
      };
    },
  };
}

/** `umap-10k`: UMAP of the 10k test-split codes (goal ≤ 1.0× umap-learn). */
export const umap10k = umapCase('umap-10k', 10000);
/** `umap-70k`: UMAP of all 70k codes (goal ≤ 1.0× umap-learn, ≤ 2 GB peak). */
export const umap70k = umapCase('umap-70k', 70000);
