import type { BenchCase } from '../types.js';
import { clusterScores, round } from '../stats.js';
import { spreadOf, type Spread } from '../../experiment/results.js';

/** Environment variable: the autoencoder seeds of `ae-seeds` (comma-separated; default `0,1,2`). */
export const BENCH_AE_SEEDS_ENV = 'BENCH_AE_SEEDS';

/** The seeds named by `$BENCH_AE_SEEDS` (default 0, 1, 2). @throws RangeError for anything but distinct whole numbers. */
export function aeSeeds(env: NodeJS.ProcessEnv = process.env): number[] {
  const raw = env[BENCH_AE_SEEDS_ENV]?.trim() || '0,1,2';
  const seeds = raw.split(',').map((s) => Number(s.trim()));
  if (seeds.some((s) => !Number.isInteger(s) || s < 0) || new Set(seeds).size !== seeds.length) {
    throw new RangeError(`${BENCH_AE_SEEDS_ENV} must list distinct whole numbers >= 0 separated by commas, got '${raw}'.`);
  }
  return seeds;
}

/** Mean ± sample sd (and range) of NMIs over the autoencoder seeds, as the result tables compute it, to 4 decimals. */
function nmiSpread(xs: readonly number[]): Spread {
  const { mean, sd, min, max } = spreadOf(xs);
  return { mean: round(mean, 4), sd: round(sd, 4), min, max };
}

/**
 * `ae-seeds` (runs only when named; ≈ 15–35 min per seed on 2 cores): how much the scores depend on
 * the autoencoder's own seed, which the 5-seed tables of the report hold fixed (issue 11, item 4).
 * For each seed of `$BENCH_AE_SEEDS` the report's autoencoder is trained at full scale (50 epochs on
 * the 60,000 training images, validated on the test images; through the model cache, so seed 0 is
 * `npm run report`'s model and the others stay cached), its test codes are clustered with the
 * clusterer seed held at 0 — K-Means and GMM with the report's settings, and N2D (UMAP 10-d,
 * 20 neighbours, minDist 0, then GMM) — and scored. The line gives each seed's NMI/ARI/ACC and
 * each pipeline's NMI mean ± sd over the autoencoder seeds.
 */
export const aeSeedsCase: BenchCase = {
  name: 'ae-seeds',
  description: "Retrain the report's autoencoder for each seed of $BENCH_AE_SEEDS (default 0,1,2; full scale, model cache) and score K-Means, GMM and N2D on its test codes.",
  onlyWhenNamed: true,
  async run() {
    const seeds = aeSeeds();
    const { loadExperimentData } = await import('../../experiment/pipeline.js');
    const { reportAutoencoderTraining } = await import('../../experiment/report-autoencoder.js');
    const { scaleSettings } = await import('../../experiment/scale.js');
    const { loadOrTrain } = await import('../../models/cache.js');
    const { KMeans } = await import('../../cluster/kmeans.js');
    const { GaussianMixture } = await import('../../cluster/gmm.js');
    const { UMAP } = await import('../../manifold/umap.js');
    const settings = scaleSettings('full');
    const data = await loadExperimentData(settings, { verify: false });
    const labels = data.test.labels;
    const perSeed: Record<string, unknown>[] = [];
    const nmis: Record<'kmeans' | 'gmm' | 'n2d', number[]> = { kmeans: [], gmm: [], n2d: [] };
    for (const seed of seeds) {
      process.stderr.write(`ae-seeds: autoencoder seed ${seed} ...\n`);
      const t0 = performance.now();
      const { model, fromCache } = await loadOrTrain(data.train.images, { ...reportAutoencoderTraining(settings), seed, validation: data.test.images });
      const trainSeconds = (performance.now() - t0) / 1000;
      const last = model.history[model.history.length - 1]!;
      const codes = model.encode(data.test.images);
      model.dispose();
      const kmeans = clusterScores(labels, new KMeans({ nClusters: 10, nInit: 10, seed: 0 }).fitPredict(codes));
      const gmm = clusterScores(labels, new GaussianMixture({ nComponents: 10, covarianceType: 'full', seed: 0 }).fitPredict(codes));
      const embedding = new UMAP({ nComponents: 10, nNeighbors: 20, minDist: 0, seed: 0 }).fitTransform(codes);
      const n2d = clusterScores(labels, new GaussianMixture({ nComponents: 10, covarianceType: 'full', seed: 0 }).fitPredict(embedding));
      nmis.kmeans.push(kmeans.nmi);
      nmis.gmm.push(gmm.nmi);
      nmis.n2d.push(n2d.nmi);
      perSeed.push({ seed, fromCache, trainSeconds: round(trainSeconds, 1), finalValLoss: round(last.valLoss ?? Number.NaN, 4), kmeans, gmm, n2d });
      process.stderr.write(`ae-seeds: seed ${seed}: NMI K-Means ${kmeans.nmi}, GMM ${gmm.nmi}, N2D ${n2d.nmi}\n`);
    }
    return {
      seeds,
      clustererSeed: 0,
      perSeed,
      nmiOverAutoencoderSeeds: { kmeans: nmiSpread(nmis.kmeans), gmm: nmiSpread(nmis.gmm), n2d: nmiSpread(nmis.n2d) },
    };
  },
};
