import type { BenchCase } from '../types.js';

type LabelArray = ArrayLike<number>;
interface ClusterMetrics {
  nmi(labelsTrue: LabelArray, labelsPred: LabelArray): number;
  ari(labelsTrue: LabelArray, labelsPred: LabelArray): number;
  clusteringAccuracy(labelsTrue: LabelArray, labelsPred: LabelArray): number | { accuracy: number };
}

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
      const m = await clusterMetrics();
      const acc = m.clusteringAccuracy(test.labels, pred);
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
        nmi: round4(m.nmi(test.labels, pred)),
        ari: round4(m.ari(test.labels, pred)),
        acc: round4(typeof acc === 'number' ? acc : acc.accuracy),
        ...(m === localMetrics ? { metricsNote: 'computed by the local fallback in kmeans-raw.ts (src/metrics not available)' } : {}),
      };
    },
  };
}

export const kmeansRawNinit1 = kmeansRaw(1);
export const kmeansRawNinit10 = kmeansRaw(10);

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/** src/metrics when it exists, else the small local fallback below. */
async function clusterMetrics(): Promise<ClusterMetrics> {
  // TODO(lead): import { nmi, ari, clusteringAccuracy } from '../../metrics/index.js' statically
  // once src/metrics exists, and delete the local fallback.
  const specifier = '../../metrics/index.js';
  try {
    const m = (await import(specifier)) as Partial<ClusterMetrics>;
    if (m.nmi && m.ari && m.clusteringAccuracy) return m as ClusterMetrics;
  } catch {
    /* not written yet */
  }
  return localMetrics;
}

function contingency(a: LabelArray, b: LabelArray): { table: number[][]; rows: number[]; cols: number[]; n: number } {
  const ra = [...new Set(Array.from(a))].sort((x, y) => x - y);
  const rb = [...new Set(Array.from(b))].sort((x, y) => x - y);
  const ia = new Map(ra.map((v, i) => [v, i]));
  const ib = new Map(rb.map((v, i) => [v, i]));
  const table = ra.map(() => rb.map(() => 0));
  for (let i = 0; i < a.length; i++) table[ia.get(a[i]!)!]![ib.get(b[i]!)!]!++;
  return { table, rows: table.map((r) => r.reduce((s, v) => s + v, 0)), cols: rb.map((_, j) => table.reduce((s, r) => s + r[j]!, 0)), n: a.length };
}

const localMetrics: ClusterMetrics = {
  nmi(a, b) {
    const { table, rows, cols, n } = contingency(a, b);
    const h = (c: number[]): number => -c.reduce((s, v) => (v > 0 ? s + (v / n) * Math.log(v / n) : s), 0);
    let mi = 0;
    table.forEach((r, i) => r.forEach((v, j) => { if (v > 0) mi += (v / n) * Math.log((v * n) / (rows[i]! * cols[j]!)); }));
    const norm = (h(rows) + h(cols)) / 2;
    return norm === 0 ? 1 : mi / norm;
  },
  ari(a, b) {
    const { table, rows, cols, n } = contingency(a, b);
    const c2 = (v: number): number => (v * (v - 1)) / 2;
    const index = table.flat().reduce((s, v) => s + c2(v), 0);
    const sa = rows.reduce((s, v) => s + c2(v), 0);
    const sb = cols.reduce((s, v) => s + c2(v), 0);
    const expected = (sa * sb) / c2(n);
    const max = (sa + sb) / 2;
    return max === expected ? 1 : (index - expected) / (max - expected);
  },
  clusteringAccuracy(a, b) {
    // Exact best one-to-one cluster → label matching by DP over subsets of labels (k ≤ ~16).
    const { table, n } = contingency(b, a); // rows: clusters, cols: labels
    const k = table.length;
    const m = table[0]!.length;
    let dp = new Map<number, number>([[0, 0]]);
    for (let i = 0; i < k; i++) {
      const next = new Map<number, number>();
      for (const [mask, val] of dp) {
        if ((next.get(mask) ?? -1) < val) next.set(mask, val); // cluster i unmatched
        for (let j = 0; j < m; j++) {
          if (mask & (1 << j)) continue;
          const nm = mask | (1 << j);
          const v = val + table[i]![j]!;
          if ((next.get(nm) ?? -1) < v) next.set(nm, v);
        }
      }
      dp = next;
    }
    return Math.max(...dp.values()) / n;
  },
};
