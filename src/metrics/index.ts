export { checkLabels, checkLabelPair, encodeLabels, type Labels, type EncodedLabels } from './labels.js';
export { contingencyMatrix, MAX_DENSE_CONTINGENCY_CELLS, type ContingencyMatrix } from './contingency.js';
export { entropy, mutualInfo } from './entropy.js';
export { nmi } from './nmi.js';
export { ari, pairConfusion, type PairConfusion } from './ari.js';
export { linearSumAssignment, type Assignment, type LinearSumAssignmentOptions } from './hungarian.js';
export { matchClusters, clusteringAccuracy, mapClusters, type ClusterMatching } from './matching.js';
export { confusionMatrix, type ConfusionMatrix } from './confusion.js';
export {
  classificationReport,
  classificationReportToDict,
  formatClassificationReport,
  type ClassificationReport,
  type ClassificationReportOptions,
  type ClassReportRow,
  type ClassScores,
} from './report.js';
export { scoreClustering, type ClusteringScores, type ScoreClusteringOptions } from './score.js';
export { voteConsensus, type VoteConsensus, type VoteConsensusOptions } from './consensus.js';
