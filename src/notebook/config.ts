import * as path from 'node:path';

/** The scales the notebooks run at: `smoke` (CI: small subsets, one epoch) or `full` (the report's settings). */
export type ReportScale = 'smoke' | 'full';

/** Environment variable selecting the scale; `npm run report` passes it to every notebook. */
export const SCALE_ENV = 'REPORT_SCALE';

/**
 * The settings that change with the scale. `full` is the published report's setup: the official
 * 60k/10k split, 50 epochs, ten K-Means restarts. `smoke` keeps every step but on subsets small
 * enough for CI.
 */
export interface ScaleSettings {
  readonly scale: ReportScale;
  /** Training images (stratified subset of the official 60k train split). */
  readonly trainImages: number;
  /** Test images (stratified subset of the official 10k test split). */
  readonly testImages: number;
  /** Autoencoder epochs. */
  readonly epochs: number;
  /** K-Means restarts. */
  readonly nInit: number;
  /** Largest k of the SSE elbow. */
  readonly elbowMaxK: number;
  /** Images per class in galleries. */
  readonly galleryPerClass: number;
}

export const SCALES: Readonly<Record<ReportScale, ScaleSettings>> = Object.freeze({
  smoke: { scale: 'smoke', trainImages: 3000, testImages: 1000, epochs: 2, nInit: 2, elbowMaxK: 10, galleryPerClass: 6 },
  full: { scale: 'full', trainImages: 60000, testImages: 10000, epochs: 50, nInit: 10, elbowMaxK: 10, galleryPerClass: 10 },
});

/**
 * The scale chosen by `REPORT_SCALE` (default `full`).
 * @throws RangeError for any other value, listing the allowed ones.
 */
export function reportScale(env: NodeJS.ProcessEnv = process.env): ReportScale {
  const v = (env[SCALE_ENV] ?? 'full').trim() || 'full';
  if (v !== 'smoke' && v !== 'full') throw new RangeError(`${SCALE_ENV} must be 'smoke' or 'full', got '${v}'.`);
  return v;
}

/** The settings of the current scale. */
export function scaleSettings(scale: ReportScale = reportScale()): ScaleSettings {
  return SCALES[scale];
}

/** Environment variable overriding the cache root (default `<project>/.cache`). */
export const CACHE_ENV = 'FMNIST_CACHE_DIR';

/** The project root (the folder holding package.json), found from this compiled module. */
export const PROJECT_ROOT = path.resolve(__dirname, '..', '..');

/** Root folder of cached models and artifacts. */
export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env[CACHE_ENV] ?? path.join(PROJECT_ROOT, '.cache'));
}
