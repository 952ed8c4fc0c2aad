import { ari, clusteringAccuracy, nmi } from '../metrics/index.js';

/** `x` rounded to `digits` decimals (bench lines stay short and readable). */
export function round(x: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** The median (mean of the two middle values for an even count). */
export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** NMI, ARI and Hungarian accuracy of a clustering of the test labels, to 4 decimals. */
export function clusterScores(labelsTrue: ArrayLike<number>, labelsPred: ArrayLike<number>): { nmi: number; ari: number; acc: number } {
  return {
    nmi: round(nmi(labelsTrue, labelsPred), 4),
    ari: round(ari(labelsTrue, labelsPred), 4),
    acc: round(clusteringAccuracy(labelsTrue, labelsPred), 4),
  };
}
