import type { BenchCase } from '../types.js';

import { clusterScores } from '../stats.js';

/**
 * K-Means on the raw pixels (60,000 × 784 train), `nInit` k-means++ runs, then predict the
 * 10,000 test images and score them. `seconds` is fit + predict (data loading excluded, reported
 * as `loadSeconds`). The scikit-learn twin is `bench/sklearn_reference.py`.
 */
function kmeansRaw(nInit: number): BenchCase {
  return {
    name: `kmeans-raw-ninit${nInit}`,
    description: `KMeans(10, nInit=${nInit}, k-means++) on 60k×784 raw pixels, predict the 10k test set; NMI/ARI/ACC on test.`,
    async run() {
      const { loadFashionMnist } = await import('../../data/index.js');
      const { KMeans } = await import('../../cluster/kmeans.js');
      const t0 = performance.now();
      const { train, test } = await loadFashionMnist({ verify: false });
      const loadSeconds = (performance.now() - t0) / 1000;
      const t1 = performance.now();
      const km = new KMeans({ nClusters: 10, nInit, seed: 0 }).fit(train.images);
      const fitSeconds = (performance.now() - t1) / 1000;
      const pred = km.predict(test.images);
      const seconds = (performance.now() - t1) / 1000;
      return {
        seconds,
        fitSeconds,
        loadSeconds,
        engine: km.engineUsed,
        nInit,
        nIter: km.nIter,
        nIterPerInit: km.runs.map((r) => r.nIter),
        converged: km.converged,
        inertia: km.inertia,
        ...clusterScores(test.labels, pred),
      };
    },
  };
}

export const kmeansRawNinit1 = kmeansRaw(1);
export const kmeansRawNinit10 = kmeansRaw(10);
