import { checkLabelPair, type Labels } from './labels.js';
import { sparseContingency } from './contingency.js';
import { nmiOfTable } from './nmi.js';
import { ariOfTable } from './ari.js';
import { mapClusters, matchClusters, type ClusterMatching } from './matching.js';
import { confusionMatrix, type ConfusionMatrix } from './confusion.js';
import { classificationReport, type ClassificationReport } from './report.js';

/** Options of {@link scoreClustering}. */
export interface ScoreClusteringOptions {
  /** Class display names for the report, indexed by label value (e.g. `CLASS_NAMES`). */
  classNames?: readonly string[] | ReadonlyMap<number, string>;
}

/** Result of {@link scoreClustering}. */
export interface ClusteringScores {
  /** Normalized mutual information (arithmetic), as scikit-learn. */
  readonly nmi: number;
  /** Adjusted Rand index, as scikit-learn. */
  readonly ari: number;
  /** Clustering accuracy under the best one-to-one cluster→class assignment. */
  readonly acc: number;
  /** The cluster→class matching (`assignment` one-to-one, `mapping` total). */
  readonly mapping: ClusterMatching;
  /** Predicted class of each sample (`labelsPred` through `mapping.mapping`). */
  readonly predMapped: Int32Array;
  /** Confusion matrix of the mapped predictions (rows true, columns predicted). */
  readonly confusion: ConfusionMatrix;
  /** Classification report of the mapped predictions. */
  readonly report: ClassificationReport;
}

/**
 * Every score of a clustering against known classes in one call, as used by the notebooks: NMI, ARI,
 * Hungarian accuracy, the cluster→class mapping, and the confusion matrix and classification report
 * of the mapped predictions.
 *
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * const s = scoreClustering(test.labels, kmeans.predict(test.images), { classNames: CLASS_NAMES });
 * console.log(s.nmi, s.ari, s.acc, formatClassificationReport(s.report));
 */
export function scoreClustering(labelsTrue: Labels, labelsPred: Labels, options: ScoreClusteringOptions = {}): ClusteringScores {
  checkLabelPair(labelsTrue, labelsPred);
  const table = sparseContingency(labelsTrue, labelsPred);
  const mapping = matchClusters(labelsTrue, labelsPred);
  const predMapped = mapClusters(labelsPred, mapping);
  const confusion = confusionMatrix(labelsTrue, predMapped);
  const report = classificationReport(labelsTrue, predMapped, options.classNames ? { classNames: options.classNames } : {});
  return { nmi: nmiOfTable(table), ari: ariOfTable(table), acc: mapping.accuracy, mapping, predMapped, confusion, report };
}
