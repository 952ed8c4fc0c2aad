import { checkLabelPair, type Labels } from './labels.js';
import { sparseContingency, type SparseContingency } from './contingency.js';
import { marginEntropies, mutualInfoOfTable } from './entropy.js';

/** NMI of a contingency table (arithmetic normalisation). @internal */
export function nmiOfTable(table: SparseContingency): number {
  // Special limit case: neither labeling splits the data (both have zero entropy). This is a
  // perfect match, hence 1.
  if (table.classes.length === 1 && table.clusters.length === 1) return 1;
  const mi = mutualInfoOfTable(table);
  // Past the case above, MI = 0 cannot be a perfect match: NMI is 0 whatever the normalisation
  // (this also covers one class with several clusters and vice versa).
  if (mi === 0) return 0;
  const { hTrue, hPred } = marginEntropies(table);
  return mi / ((hTrue + hPred) / 2);
}

/**
 * Normalized mutual information with arithmetic normalisation, `MI / ((H(true) + H(pred)) / 2)`:
 * scikit-learn's `normalized_mutual_info_score(labels_true, labels_pred)` with its default
 * `average_method='arithmetic'`, including its degenerate cases (one label on both sides → 1;
 * mutual information 0 → 0). Symmetric, invariant to relabeling, in [0, 1].
 *
 * @param labelsTrue Ground-truth class labels (integers, any values).
 * @param labelsPred Cluster labels of the same samples (integers, any values; any number of clusters).
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * nmi([0, 0, 1, 1], [1, 1, 0, 0]); // 1
 * nmi([0, 0, 1, 1], [0, 1, 0, 1]); // 0
 */
export function nmi(labelsTrue: Labels, labelsPred: Labels): number {
  checkLabelPair(labelsTrue, labelsPred);
  return nmiOfTable(sparseContingency(labelsTrue, labelsPred));
}
