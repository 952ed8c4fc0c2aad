import { checkLabelPair, type Labels } from './labels.js';
import { sparseContingency, type SparseContingency } from './contingency.js';

/** Pair confusion counts of a contingency table (scikit-learn's `pair_confusion_matrix`). */
export interface PairConfusion {
  /** Pairs apart in both labelings. */
  readonly tn: number;
  /** Pairs together in the prediction only. */
  readonly fp: number;
  /** Pairs together in the truth only. */
  readonly fn: number;
  /** Pairs together in both labelings. */
  readonly tp: number;
}

/**
 * Ordered pair counts, as scikit-learn's `pair_confusion_matrix` (each unordered pair counted twice).
 * Every count is < n², exact in float64 for n < 9.4e7. @internal
 */
export function pairConfusionOfTable(table: SparseContingency): PairConfusion {
  const { n, rowSums, colSums, nzCount } = table;
  let sumSquares = 0;
  for (let k = 0; k < nzCount.length; k++) sumSquares += nzCount[k]! * nzCount[k]!;
  let sumRows = 0;
  for (let i = 0; i < rowSums.length; i++) sumRows += rowSums[i]! * rowSums[i]!;
  let sumCols = 0;
  for (let j = 0; j < colSums.length; j++) sumCols += colSums[j]! * colSums[j]!;
  const tp = sumSquares - n;
  const fp = sumCols - sumSquares;
  const fn = sumRows - sumSquares;
  const tn = n * n - fp - fn - sumSquares;
  return { tn, fp, fn, tp };
}

/** ARI of a contingency table. @internal */
export function ariOfTable(table: SparseContingency): number {
  const { tn, fp, fn, tp } = pairConfusionOfTable(table);
  // Special cases: no disagreeing pair (identical partitions up to relabeling, including one
  // cluster on both sides and all singletons on both sides) → 1.
  if (fn === 0 && fp === 0) return 1;
  // The products reach ~n⁴ (2.4e19 for n = 70,000), beyond exact float64: use BigInt as scikit-learn
  // uses Python integers, so the difference tp·tn − fn·fp has no cancellation error.
  const TP = BigInt(tp);
  const TN = BigInt(tn);
  const FP = BigInt(fp);
  const FN = BigInt(fn);
  const num = TP * TN - FN * FP;
  const den = (TP + FN) * (FN + TN) + (TP + FP) * (FP + TN);
  return (2 * Number(num)) / Number(den);
}

/**
 * Adjusted Rand index: scikit-learn's `adjusted_rand_score(labels_true, labels_pred)`, including its
 * special case (no disagreeing pair → 1.0). 1 for identical partitions, ≈0 for random labelings,
 * can be negative (down to −0.5). Exact pair counting (float64 counts, BigInt products): no overflow
 * for n = 70,000 and beyond.
 *
 * @param labelsTrue Ground-truth class labels (integers, any values).
 * @param labelsPred Cluster labels of the same samples (integers, any values).
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * ari([0, 0, 1, 2], [0, 0, 1, 1]); // 0.5714285714285714
 * ari([0, 0, 1, 1], [0, 1, 0, 1]); // -0.5
 */
export function ari(labelsTrue: Labels, labelsPred: Labels): number {
  checkLabelPair(labelsTrue, labelsPred);
  return ariOfTable(sparseContingency(labelsTrue, labelsPred));
}

/**
 * Pair confusion counts of two labelings: scikit-learn's `pair_confusion_matrix`, as
 * `[[tn, fp], [fn, tp]]` fields (ordered pairs, so every count is even).
 *
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * pairConfusion([0, 0, 1, 1], [0, 0, 1, 1]); // { tn: 8, fp: 0, fn: 0, tp: 4 }
 */
export function pairConfusion(labelsTrue: Labels, labelsPred: Labels): PairConfusion {
  checkLabelPair(labelsTrue, labelsPred);
  return pairConfusionOfTable(sparseContingency(labelsTrue, labelsPred));
}
