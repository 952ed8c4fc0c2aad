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

/**
 * The reference keys of a bench line: `reference` (the twin's median run) and `ratioToReference`
 * (our median seconds / the twin's). A twin that ran on other data than ours (its `data` differs,
 * e.g. it could not find the cached codes) is shown but never divided into: the ratio is `null`
 * and `notComparable` says why.
 * @example referenceKeys({ data: 'codes' }, 2, [{ seconds: 4, data: 'codes' }]) // { reference: {…}, ratioToReference: 0.5 }
 */
export function referenceKeys(ours: Readonly<Record<string, unknown>>, oursSeconds: number, refs: readonly Record<string, unknown>[]): Record<string, unknown> {
  if (refs.length === 0) return {};
  const refSeconds = refs.map((x) => Number(x.seconds)).filter(Number.isFinite);
  if (refSeconds.length === 0) return { reference: refs[0] };
  const refMid = median(refSeconds);
  const reference: Record<string, unknown> = { ...(refs.find((x) => Number(x.seconds) === refMid) ?? refs[0]), seconds: round(refMid) };
  if (ours.data !== undefined && reference.data !== undefined && reference.data !== ours.data) {
    return { reference, ratioToReference: null, notComparable: `ours ran on ${String(ours.data)}, the reference on ${String(reference.data)}` };
  }
  return { reference, ratioToReference: round(oursSeconds / refMid) };
}
