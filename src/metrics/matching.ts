import { checkLabelPair, checkLabels, type Labels } from './labels.js';
import { contingencyMatrix, MAX_DENSE_CONTINGENCY_CELLS } from './contingency.js';
import { linearSumAssignment } from './hungarian.js';

/** Result of {@link matchClusters}. */
export interface ClusterMatching {
  /** Distinct class labels (from `labelsTrue`), increasing. */
  readonly classes: number[];
  /** Distinct cluster labels (from `labelsPred`), increasing. */
  readonly clusters: number[];
  /**
   * Strict one-to-one assignment maximising the number of matched samples (Hungarian algorithm on
   * the contingency matrix): cluster label → class label. Holds `min(nClusters, nClasses)` entries;
   * with more clusters than classes, the extra clusters are absent.
   */
  readonly assignment: Map<number, number>;
  /**
   * Every cluster label → a class label: the one-to-one `assignment` where it exists; a cluster left
   * out of it (only when there are more clusters than classes) maps to the class it overlaps most
   * (ties → smallest class label). Several clusters may then share a class. Use it to turn cluster
   * ids into predicted classes ({@link mapClusters}) for the confusion matrix and report.
   */
  readonly mapping: Map<number, number>;
  /** Samples whose cluster is assigned, one-to-one, to their own class. */
  readonly matched: number;
  /** Number of samples. */
  readonly n: number;
  /** `matched / n`: the clustering accuracy ({@link clusteringAccuracy}). */
  readonly accuracy: number;
}

/**
 * Matches clusters to classes: the one-to-one assignment with the most samples on matched pairs
 * (Hungarian algorithm, works for any numbers of clusters and classes), plus a total mapping where
 * clusters left unmatched (more clusters than classes) go to the class they overlap most.
 *
 * @param labelsTrue Ground-truth class labels (integers, any values).
 * @param labelsPred Cluster labels of the same samples (integers, any values).
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * const m = matchClusters([0, 0, 1, 1, 2], [7, 7, 3, 3, 3]);
 * // m.assignment: 7 → 0, 3 → 1; m.mapping equals it; m.accuracy = 0.8
 * const m2 = matchClusters([0, 0, 0, 1], [4, 5, 6, 6]);
 * // m2.assignment: 4 → 0 (or 5 → 0), 6 → 1; the left-over cluster → 0 in m2.mapping; m2.accuracy = 0.5
 */
export function matchClusters(labelsTrue: Labels, labelsPred: Labels): ClusterMatching {
  checkLabelPair(labelsTrue, labelsPred);
  const { classes, clusters, counts, nClasses, nClusters } = denseTable(labelsTrue, labelsPred);
  // Score matrix clusters × classes (the transpose of the contingency), maximised.
  const score = new Float64Array(nClusters * nClasses);
  for (let i = 0; i < nClasses; i++) {
    for (let j = 0; j < nClusters; j++) score[j * nClasses + i] = counts[i * nClusters + j]!;
  }
  const { rowInd, colInd, total } = linearSumAssignment(score, nClusters, nClasses, { maximize: true });
  const assignment = new Map<number, number>();
  const matchedCluster = new Uint8Array(nClusters);
  for (let k = 0; k < rowInd.length; k++) {
    assignment.set(clusters[rowInd[k]!]!, classes[colInd[k]!]!);
    matchedCluster[rowInd[k]!] = 1;
  }
  const mapping = new Map<number, number>();
  for (let j = 0; j < nClusters; j++) {
    if (matchedCluster[j]) {
      mapping.set(clusters[j]!, assignment.get(clusters[j]!)!);
      continue;
    }
    // Unmatched cluster (more clusters than classes): its majority class.
    let best = 0;
    for (let i = 1; i < nClasses; i++) if (counts[i * nClusters + j]! > counts[best * nClusters + j]!) best = i;
    mapping.set(clusters[j]!, classes[best]!);
  }
  const n = labelsTrue.length;
  return { classes, clusters, assignment, mapping, matched: total, n, accuracy: total / n };
}

/**
 * Clustering accuracy as used in deep-clustering papers: the fraction of samples whose cluster is
 * assigned to their class under the best one-to-one cluster→class assignment (Hungarian algorithm).
 * Clusters left without a class (more clusters than classes) count as errors. Invariant to
 * relabeling; 1 for identical partitions.
 *
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @example
 * clusteringAccuracy([0, 0, 1, 1], [1, 1, 0, 0]); // 1
 * clusteringAccuracy([0, 0, 1, 1], [0, 0, 0, 0]); // 0.5
 */
export function clusteringAccuracy(labelsTrue: Labels, labelsPred: Labels): number {
  return matchClusters(labelsTrue, labelsPred).accuracy;
}

/**
 * Largest `min(classes, clusters)² × max(classes, clusters)` matched: the assignment's cost grows
 * so (1,000 × 1,000 took 7.5 s, 2,000 × 2,000 84 s on the project's 2-core machines).
 */
const MAX_MATCHING_WORK = 4e9;

/**
 * The contingency table for a matching, refusing label sets that make it too large with a message
 * about what the labels probably are and what to use instead.
 */
function denseTable(labelsTrue: Labels, labelsPred: Labels): ReturnType<typeof contingencyMatrix> {
  const nClasses = new Set(Array.from(labelsTrue)).size;
  const nClusters = new Set(Array.from(labelsPred)).size;
  const [small, large] = nClasses < nClusters ? [nClasses, nClusters] : [nClusters, nClasses];
  if (nClasses * nClusters > MAX_DENSE_CONTINGENCY_CELLS || small * small * large > MAX_MATCHING_WORK) {
    const n = labelsTrue.length;
    const singletons = Math.max(nClasses, nClusters) === n ? ` (every one of the ${n.toLocaleString('en-US')} samples has a label of its own)` : '';
    throw new RangeError(
      `clusteringAccuracy / matchClusters: labelsTrue has ${nClasses.toLocaleString('en-US')} distinct values and labelsPred ${nClusters.toLocaleString('en-US')}${singletons}; ` +
        `matching clusters to classes would solve a ${nClasses.toLocaleString('en-US')} × ${nClusters.toLocaleString('en-US')} assignment, beyond what fits in memory and a minute ` +
        `(at most ${MAX_DENSE_CONTINGENCY_CELLS.toLocaleString('en-US')} cells, and about 1,500 × 1,500). ` +
        'So many distinct labels usually means ids (sample indices, file names) were passed instead of labels: pass class labels (Fashion-MNIST: 0..9) and cluster labels (0..k−1, from predict). ' +
        'To score a clustering with that many clusters, use nmi() or ari(), which need no matching.',
    );
  }
  return contingencyMatrix(labelsTrue, labelsPred);
}

function isMatching(m: ReadonlyMap<number, number> | ClusterMatching): m is ClusterMatching {
  return !(m instanceof Map) && typeof (m as ClusterMatching).mapping === 'object';
}

/**
 * Replaces each cluster id by its class through `mapping` (usually `matchClusters(...).mapping`).
 *
 * @param labelsPred Cluster labels.
 * @param mapping Cluster label → class label, or a {@link ClusterMatching} (its `mapping` is used).
 * @returns The predicted class of each sample.
 * @throws RangeError if a cluster label has no entry in `mapping`.
 * @example
 * mapClusters([7, 3, 3], new Map([[7, 0], [3, 1]])); // Int32Array [0, 1, 1]
 */
export function mapClusters(labelsPred: Labels, mapping: ReadonlyMap<number, number> | ClusterMatching): Int32Array {
  checkLabels('labelsPred', labelsPred);
  const map = isMatching(mapping) ? mapping.mapping : mapping;
  const out = new Int32Array(labelsPred.length);
  let lastKey = NaN;
  let lastValue = 0;
  for (let i = 0; i < labelsPred.length; i++) {
    const c = labelsPred[i]!;
    if (c !== lastKey) {
      const v = map.get(c);
      if (v === undefined) {
        throw new RangeError(
          `mapClusters: labelsPred[${i}] = ${c} has no entry in mapping (known clusters: ${Array.from(map.keys()).slice(0, 20).join(', ')}); ` +
            'build the mapping with matchClusters on labels that include this cluster.',
        );
      }
      lastKey = c;
      lastValue = v;
    }
    out[i] = lastValue;
  }
  return out;
}
