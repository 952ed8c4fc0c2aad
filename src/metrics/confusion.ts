import { checkLabelPair, checkLabels, type Labels } from './labels.js';

/** Result of {@link confusionMatrix}. */
export interface ConfusionMatrix {
  /** Row and column labels, in order. */
  readonly labels: number[];
  /** `counts[i * nLabels + j]` = samples of true label `labels[i]` predicted as `labels[j]`. */
  readonly counts: Int32Array;
  readonly nLabels: number;
}

/** Distinct values of two label arrays together, increasing (scikit-learn's `unique_labels`). @internal */
export function unionLabels(a: Labels, b: Labels): number[] {
  const seen = new Set<number>();
  for (let i = 0; i < a.length; i++) seen.add(a[i]!);
  for (let i = 0; i < b.length; i++) seen.add(b[i]!);
  return Array.from(seen).sort((x, y) => x - y);
}

/** Validates an explicit `labels` option: non-empty, distinct integers. @internal */
export function checkLabelList(labels: readonly number[]): void {
  if (!Array.isArray(labels) || labels.length === 0) {
    throw new RangeError(`labels must be a non-empty array of distinct integers, got ${Array.isArray(labels) ? 'an empty array' : typeof labels}.`);
  }
  checkLabels('labels', labels);
  if (new Set(labels).size !== labels.length) {
    throw new RangeError(`labels must not repeat a value, got [${labels.join(', ')}].`);
  }
}

/**
 * Confusion matrix of (mapped) predictions: rows are true labels, columns predicted labels, as
 * scikit-learn's `confusion_matrix(y_true, y_pred, labels=labels)`. Use it on cluster ids mapped to
 * classes (`mapClusters`), not on raw cluster ids (see `contingencyMatrix` for those).
 *
 * @param labelsTrue True labels.
 * @param labelsPred Predicted labels of the same samples.
 * @param labels Labels to index the matrix by, in order. Default: every value of either array,
 *   increasing. Samples whose true or predicted label is not listed are left out.
 * @throws TypeError | RangeError on invalid labels or a `labels` list that is empty or repeats a value.
 * @example
 * confusionMatrix([0, 1, 2, 2], [0, 2, 2, 1]);
 * // labels [0, 1, 2], counts Int32Array [1,0,0, 0,0,1, 0,1,1]
 */
export function confusionMatrix(labelsTrue: Labels, labelsPred: Labels, labels?: readonly number[]): ConfusionMatrix {
  checkLabelPair(labelsTrue, labelsPred);
  if (labels !== undefined) checkLabelList(labels);
  const list = labels ? [...labels] : unionLabels(labelsTrue, labelsPred);
  const index = new Map<number, number>();
  list.forEach((v, k) => index.set(v, k));
  const L = list.length;
  const counts = new Int32Array(L * L);
  for (let s = 0; s < labelsTrue.length; s++) {
    const i = index.get(labelsTrue[s]!);
    const j = index.get(labelsPred[s]!);
    if (i !== undefined && j !== undefined) counts[i * L + j]!++;
  }
  return { labels: list, counts, nLabels: L };
}
