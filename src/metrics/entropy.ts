import { checkLabelPair, checkLabels, encodeLabels, type Labels } from './labels.js';
import { sparseContingency, type SparseContingency } from './contingency.js';

/** Entropy (natural log) of a vector of counts, as scikit-learn's `entropy` computes it. */
function entropyOfCounts(counts: Float64Array): number {
  let nonZero = 0;
  let total = 0;
  for (let i = 0; i < counts.length; i++) {
    if (counts[i]! > 0) {
      nonZero++;
      total += counts[i]!;
    }
  }
  // A single cluster has zero entropy.
  if (nonZero <= 1) return 0;
  const logTotal = Math.log(total);
  let h = 0;
  for (let i = 0; i < counts.length; i++) {
    const c = counts[i]!;
    // log(a / b) computed as log(a) - log(b), as scikit-learn does, to keep precision.
    if (c > 0) h -= (c / total) * (Math.log(c) - logTotal);
  }
  return h;
}

/**
 * Shannon entropy (natural logarithm, nats) of a labeling: scikit-learn's
 * `sklearn.metrics.cluster.entropy`. One distinct label gives 0.
 *
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer).
 * @example
 * entropy([0, 0, 1, 1]); // Math.log(2) ≈ 0.6931
 */
export function entropy(labels: Labels): number {
  checkLabels('labels', labels);
  const { values, codes } = encodeLabels(labels);
  const counts = new Float64Array(values.length);
  for (let i = 0; i < codes.length; i++) counts[codes[i]!]!++;
  return entropyOfCounts(counts);
}

/** Entropies of both margins of a contingency table. @internal */
export function marginEntropies(table: SparseContingency): { hTrue: number; hPred: number } {
  return { hTrue: entropyOfCounts(table.rowSums), hPred: entropyOfCounts(table.colSums) };
}

/** Mutual information (nats) of a contingency table, term by term as scikit-learn. @internal */
export function mutualInfoOfTable(table: SparseContingency): number {
  const { rowSums, colSums, nzRow, nzCol, nzCount, n } = table;
  // Since MI <= min(H(X), H(Y)), a labeling with a single cluster implies MI = 0.
  if (rowSums.length === 1 || colSums.length === 1) return 0;
  const logN = Math.log(n);
  const eps = 2.220446049250313e-16;
  let mi = 0;
  for (let k = 0; k < nzCount.length; k++) {
    const nij = nzCount[k]!;
    const pij = nij / n;
    // outer = a_i * b_j is exact in float64 (each < n, product < 2^53 for n < 9e7).
    const logOuter = -Math.log(rowSums[nzRow[k]!]! * colSums[nzCol[k]!]!) + logN + logN;
    const term = pij * (Math.log(nij) - logN) + pij * logOuter;
    // scikit-learn zeroes terms below machine epsilon before summing.
    if (Math.abs(term) >= eps) mi += term;
  }
  return Math.max(mi, 0);
}

/**
 * Mutual information (natural logarithm, nats) between two labelings: scikit-learn's
 * `mutual_info_score(labels_true, labels_pred)`. Symmetric; 0 when either side has one label.
 *
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * mutualInfo([0, 0, 1, 1], [1, 1, 0, 0]); // Math.log(2)
 */
export function mutualInfo(labelsTrue: Labels, labelsPred: Labels): number {
  checkLabelPair(labelsTrue, labelsPred);
  return mutualInfoOfTable(sparseContingency(labelsTrue, labelsPred));
}
