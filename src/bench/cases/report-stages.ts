import type { BenchCase } from '../types.js';
import { clusterScores, round } from '../stats.js';
import { envInteger } from '../env.js';

/** Environment variable: autoencoder epochs of `report-stages` (default 50, the report's). */
export const BENCH_REPORT_EPOCHS_ENV = 'BENCH_REPORT_EPOCHS';

/** The report's epochs unless `$BENCH_REPORT_EPOCHS` says otherwise (for a quick check of the case itself). */
export function reportStagesEpochs(env: NodeJS.ProcessEnv = process.env): number {
  return envInteger(BENCH_REPORT_EPOCHS_ENV, 50, 1, 1000, env);
}

/**
 * `report-stages`: the published report's pipeline at its full scale, stage by stage, once (seed 0)
 * — what a user reproducing the report runs, without our extras (seeds, improved settings, N2D,
 * figures). The Python twin (`report-stages` in `bench/sklearn_reference.py`: scikit-learn and
 * PyTorch) runs the same stages on the same data in the same invocation, so `ratioToReference`
 * compares the two pipelines (issue 9, item 4; goal ≤ 1.0×):
 *
 * 1. `elbow`: K-Means SSE for k = 1..10 on the 60,000 training images (one k-means++ start per k,
 *    as notebook 02);
 * 2. `kmeansRaw`: K-Means (k = 10, ten starts) on the 10,000 test images, scored;
 * 3. `train`: the autoencoder, 50 epochs (`$BENCH_REPORT_EPOCHS`), batch 128, Adam + BCE, on the
 *    60,000 training images with the test images as validation data (as Keras' `validation_data`);
 * 4. `encode`: the test images' 128-value codes;
 * 5. `kmeansCodes`: K-Means (k = 10, ten starts) on the codes, scored;
 * 6. `gmmCodes`: a full-covariance Gaussian mixture (10 components) on the codes, scored.
 *
 * `seconds` is the sum of the stages (data loading excluded on both sides, reported apart).
 */
export const reportStages: BenchCase = {
  name: 'report-stages',
  description: "The report's pipeline at full scale, stage by stage (elbow, K-Means raw, autoencoder 50 epochs, encode, K-Means and GMM on codes).",
  onlyWhenNamed: true,
  async run() {
    const epochs = reportStagesEpochs();
    const { loadFashionMnist } = await import('../../data/index.js');
    const { KMeans } = await import('../../cluster/kmeans.js');
    const { GaussianMixture } = await import('../../cluster/gmm.js');
    const { elbow } = await import('../../cluster/elbow.js');
    const { ConvAutoencoder } = await import('../../models/index.js');
    const t0 = performance.now();
    const { train, test } = await loadFashionMnist({ verify: false });
    const loadSeconds = (performance.now() - t0) / 1000;

    const stageSeconds: Record<string, number> = {};
    const timed = async <T>(stage: string, work: () => T | Promise<T>): Promise<T> => {
      process.stderr.write(`report-stages: ${stage} ...\n`);
      const start = performance.now();
      const result = await work();
      stageSeconds[stage] = round((performance.now() - start) / 1000);
      return result;
    };

    const sse = await timed('elbow', () => elbow(train.images, { kMin: 1, kMax: 10, nInit: 1, seed: 0 }).sse);
    const rawLabels = await timed('kmeansRaw', () => new KMeans({ nClusters: 10, nInit: 10, seed: 0 }).fitPredict(test.images));
    const ae = new ConvAutoencoder({ epochs, batchSize: 128, seed: 0 });
    await timed('train', async () => {
      await ae.build();
      await ae.fit(train.images, { validation: test.images });
    });
    const finalEpoch = ae.history[ae.history.length - 1]!;
    const trainingThreads = ae.trainingThreads;
    const trainingEngine = ae.trainingEngine?.engine;
    const codes = await timed('encode', () => ae.encode(test.images));
    ae.dispose();
    const codeKMeansLabels = await timed('kmeansCodes', () => new KMeans({ nClusters: 10, nInit: 10, seed: 0 }).fitPredict(codes));
    const gmmLabels = await timed('gmmCodes', () => new GaussianMixture({ nComponents: 10, covarianceType: 'full', seed: 0 }).fitPredict(codes));

    const seconds = Object.values(stageSeconds).reduce((a, b) => a + b, 0);
    return {
      seconds,
      loadSeconds: round(loadSeconds),
      epochs,
      trainingThreads,
      trainingEngine,
      stageSeconds,
      secondsPerEpoch: round(stageSeconds.train! / epochs),
      elbowSse: sse.map((v) => round(v, 0)),
      finalLoss: round(finalEpoch.loss, 4),
      finalValLoss: round(finalEpoch.valLoss ?? Number.NaN, 4),
      kmeansRaw: clusterScores(test.labels, rawLabels),
      kmeansCodes: clusterScores(test.labels, codeKMeansLabels),
      gmmCodes: clusterScores(test.labels, gmmLabels),
    };
  },
};
