import { Experiment } from '../../src/experiment/experiment.js';
import type { ExperimentData } from '../../src/experiment/pipeline.js';
import { medianRun, ResultStore, spreadOf, type PipelineResult } from '../../src/experiment/results.js';
import { SCALES } from '../../src/experiment/scale.js';
import type { Matrix } from '../../src/util/matrix.js';
import { tempDir } from '../helpers/tmp.js';
import { PIPELINE_NAMES, PIPELINE_NOTEBOOKS, type PipelineId } from '../../src/experiment/settings.js';
import { PUBLISHED_NMI } from '../../src/experiment/published.js';

/**
 * A recorded result for table and conclusion tests: one entry per NMI in `nmis` (seeds 0, 1, …),
 * ARI and accuracy derived from it, the median run's scores as the headline.
 */
export function fakeResult(pipeline: PipelineId, nmis: readonly number[], overrides: Partial<PipelineResult> = {}): PipelineResult {
  const runs = nmis.map((nmi, seed) => ({ seed, nmi, ari: nmi - 0.15, acc: nmi + 0.05, seconds: 1 + seed }));
  const median = medianRun(runs);
  const published = (PUBLISHED_NMI as Record<string, number | undefined>)[pipeline];
  return {
    id: pipeline,
    pipeline,
    name: PIPELINE_NAMES[pipeline],
    notebook: PIPELINE_NOTEBOOKS[pipeline],
    label: 'report',
    description: "the report's settings",
    diff: [],
    protocol: 'test',
    scale: 'full',
    recordedAt: '2026-12-01T10:00:00.000Z',
    backend: 'wasm',
    settings: {},
    runs,
    medianSeed: median.seed,
    nmi: median.nmi,
    ari: median.ari,
    acc: median.acc,
    seconds: median.seconds,
    spread: { nmi: spreadOf(runs.map((r) => r.nmi)), ari: spreadOf(runs.map((r) => r.ari)), acc: spreadOf(runs.map((r) => r.acc)) },
    ...(published !== undefined ? { publishedNmi: published } : {}),
    trainImages: 60000,
    testImages: 10000,
    ...overrides,
  };
}

/** Three separated blobs of 2-d points (`perClass` per class, offset by `shift`), labelled by blob. */
export function blobs(perClass: number, shift = 0): { images: Matrix; labels: Uint8Array } {
  const centres = [[0, 0], [10, 0], [0, 10]];
  const rows = 3 * perClass;
  const data = new Float32Array(rows * 2);
  const labels = new Uint8Array(rows);
  for (let i = 0; i < rows; i++) {
    const k = i % 3;
    labels[i] = k;
    data[2 * i] = centres[k]![0]! + (((i + shift) * 7) % 5) / 10;
    data[2 * i + 1] = centres[k]![1]! + (((i + shift) * 3) % 5) / 10;
  }
  return { images: { data, rows, cols: 2 }, labels };
}

/**
 * An experiment of notebook 02 on toy data small enough for the pure-JS K-Means: 24 test and 30
 * train points in three separated blobs, smoke scale with seeds 0, 1, 2, results in a temp store.
 */
export function toyExperiment(): { exp: Experiment; store: ResultStore; inputs: { train: Matrix; test: Matrix } } {
  const test = blobs(8);
  const train = blobs(10, 1);
  const store = new ResultStore({ scale: 'smoke', root: tempDir() });
  const data: ExperimentData = { train, test, settings: { ...SCALES.smoke, seeds: [0, 1, 2] } };
  return { exp: new Experiment('02-kmeans', data, { store }), store, inputs: { train: train.images, test: test.images } };
}
