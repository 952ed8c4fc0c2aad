import { AUTOENCODER_DEFAULTS, type ConvAutoencoderOptions } from '../models/autoencoder.js';
import { CONV_AUTOENCODER_KIND } from '../models/cache.js';
import { defineAutoencoder, type AutoencoderTraining } from './autoencoders.js';
import { scaleSettings, type ScaleSettings } from './scale.js';

/** The report's convolutional autoencoder's training: {@link AutoencoderTraining} with `kind: 'conv'` (or none). */
export interface ReportAutoencoderTraining extends AutoencoderTraining {
  readonly kind?: 'conv';
}

/**
 * The report's training settings at the given scale: `AUTOENCODER_DEFAULTS` (batch 128, Adam
 * 0.001, seed 0; src/models/autoencoder.ts) with the scale's epochs (50 at `full`, 2 at `smoke`).
 * The one definition of the report's autoencoder: notebook 03 trains it, the named settings
 * (src/experiment/settings.ts) compare runs with it.
 * @example
 * reportAutoencoderTraining(scaleSettings('smoke')) // { kind: 'conv', epochs: 2, batchSize: 128, learningRate: 0.001, seed: 0 }
 */
export function reportAutoencoderTraining(settings: ScaleSettings = scaleSettings()): ReportAutoencoderTraining {
  const { batchSize, learningRate, seed } = AUTOENCODER_DEFAULTS;
  return { kind: 'conv', epochs: settings.epochs, batchSize, learningRate, seed };
}

/**
 * The report's convolutional autoencoder (`ConvAutoencoder`, cache keys `ae-…`, codes in the
 * artifacts `codes-train` / `codes-test`). Its runs record no `ae.architecture`.
 */
export const REPORT_AUTOENCODER = defineAutoencoder({
  kind: 'conv',
  codesArtifact: 'codes',
  model: CONV_AUTOENCODER_KIND,
  // Only the four hyperparameters: the cache keys of models trained before kinds existed stay valid.
  modelOptions: (t: ReportAutoencoderTraining): ConvAutoencoderOptions => ({ epochs: t.epochs, batchSize: t.batchSize, learningRate: t.learningRate, seed: t.seed }),
  training: reportAutoencoderTraining,
  architecture: () => undefined,
});
