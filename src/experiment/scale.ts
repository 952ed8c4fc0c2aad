import { formatDuration } from '../models/progress.js';

/** The scales the notebooks run at: `smoke` (CI: small subsets, two epochs) or `full` (the report's settings). */
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
  /** Clusterer seeds per setting (scores are reported as mean ± sd and the median run). */
  readonly seeds: readonly number[];
}

export const SCALES: Readonly<Record<ReportScale, ScaleSettings>> = Object.freeze({
  smoke: { scale: 'smoke', trainImages: 3000, testImages: 1000, epochs: 2, nInit: 2, elbowMaxK: 10, galleryPerClass: 6, seeds: [0, 1, 2, 3, 4] },
  full: { scale: 'full', trainImages: 60000, testImages: 10000, epochs: 50, nInit: 10, elbowMaxK: 10, galleryPerClass: 10, seeds: [0, 1, 2, 3, 4] },
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

/** The settings of a scale (default: the one chosen by `REPORT_SCALE`). */
export function scaleSettings(scale: ReportScale = reportScale()): ScaleSettings {
  if (scale !== 'smoke' && scale !== 'full') throw new RangeError(`scale must be 'smoke' or 'full', got '${String(scale)}'.`);
  return SCALES[scale];
}

/**
 * Milliseconds per 1,000 images per epoch of the report's autoencoder on each backend, measured
 * on these 2-core machines (stack notes, bench/README.md); machines differ 2–2.5×, so estimates
 * built on them are rough. tensorflow runs each step as one compiled graph (`CompiledStep`):
 * 116 ms on the faster machines, ≈ 300 ms eagerly. wasm trains on two threads (data-parallel):
 * ≈ 1,000 ms on one thread on the slower machines, 383–414 ms on two on the faster ones.
 */
export const TRAINING_MS_PER_1K_IMAGES: Readonly<Record<string, number>> = Object.freeze({ tensorflow: 200, wasm: 600, cpu: 8400 });

/**
 * Rough seconds to train the autoencoder at this scale on `backend` (undefined for an unknown
 * backend); `msPer1kImages` gives another model's speeds (default: the report's autoencoder's).
 */
export function estimatedTrainingSeconds(settings: ScaleSettings, backend: string, epochs = settings.epochs, msPer1kImages: Readonly<Record<string, number>> = TRAINING_MS_PER_1K_IMAGES): number | undefined {
  const ms = msPer1kImages[backend];
  return ms === undefined ? undefined : (ms * (settings.trainImages / 1000) * epochs) / 1000;
}

/**
 * One paragraph a notebook's config cell prints: the scale, what it costs (with `training`: whether
 * the autoencoder is cached, else a time estimate on `backend`), and how to switch. `training.name`
 * names another model than the report's autoencoder, `training.msPer1kImages` its speeds.
 */
export function describeScale(
  settings: ScaleSettings,
  options: { backend?: string; training?: { epochs: number; cached: boolean; name?: string; msPer1kImages?: Readonly<Record<string, number>> } } = {},
): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const lines = [
    `Scale '${settings.scale}'${settings.scale === 'full' ? " (the report's)" : ' (small subsets for a quick check; not comparable with the report)'}: ` +
      `${n(settings.trainImages)} train / ${n(settings.testImages)} test images, ${settings.seeds.length} clusterer seeds, K-Means nInit ${settings.nInit}.`,
  ];
  if (options.training) lines.push(describeTraining(settings, { ...options.training, ...(options.backend ? { backend: options.backend } : {}) }));
  lines.push(
    settings.scale === 'full'
      ? "To switch to a quick run: start Jupyter with REPORT_SCALE=smoke, or write fc.scaleSettings('smoke') in this cell."
      : "To run the report's scale: start Jupyter with REPORT_SCALE=full, or write fc.scaleSettings('full') in this cell.",
  );
  return lines.join('\n');
}

/**
 * One line on an autoencoder's training at this scale: cached (no training), or how long
 * training it will take on `backend` (from `msPer1kImages`, default the report's autoencoder's).
 * `name` names the model (default "The autoencoder").
 */
export function describeTraining(
  settings: ScaleSettings,
  training: { epochs: number; cached: boolean; backend?: string; name?: string; msPer1kImages?: Readonly<Record<string, number>> },
): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const { epochs, cached, name = 'The autoencoder', msPer1kImages } = training;
  if (cached) return `${name} (${epochs} epochs) is in the model cache: no training.`;
  const est = training.backend ? estimatedTrainingSeconds(settings, training.backend, epochs, msPer1kImages) : undefined;
  return (
    `${name} is not cached: this notebook trains it for ${epochs} epochs on ${n(settings.trainImages)} images` +
    (est === undefined ? '.' : `, about ${formatDuration(est)} on the ${training.backend} backend (progress shows per batch; ■ interrupts at the end of a batch).`)
  );
}
