import { checkLabelPair, checkLabels, encodeLabels, type Labels } from './labels.js';
import { matchClusters } from './matching.js';
import { nmi } from './nmi.js';
import { checkInteger } from '../util/validate.js';

/**
 * One partition agreed by several clusterings of the same samples (a cluster ensemble), by
 * relabelling and voting: no true labels are used. Clusterings of one pipeline refitted with other
 * seeds differ mostly at the borders between clusters; the vote keeps what most of them agree on.
 */

/** Options of {@link voteConsensus}. */
export interface VoteConsensusOptions {
  /** Rounds of relabelling against the current consensus and voting again, until nothing changes. Default `10`. */
  maxIter?: number;
}

/** Result of {@link voteConsensus}. */
export interface VoteConsensus {
  /** The consensus cluster of every sample, `0..k-1` (`k`: the reference's number of clusters). */
  readonly labels: Int32Array;
  /** Index of the member the vote started from: the one with the highest mean NMI to the others (no true labels). */
  readonly reference: number;
  /** Mean over samples of the fraction of members whose relabelled cluster is the consensus one (1: unanimous). */
  readonly agreement: number;
  /** Each member's NMI to the consensus. */
  readonly memberNmi: readonly number[];
  /** Rounds of relabelling and voting run. */
  readonly iterations: number;
  /** Whether the last round changed no label (else `maxIter` was reached). */
  readonly converged: boolean;
}

/**
 * The consensus of several clusterings of the same samples: the member agreeing most with the
 * others (mean NMI) is the starting reference; every member's clusters are matched one-to-one to
 * the reference's (Hungarian algorithm on their overlaps; a member's extra clusters go to the
 * cluster they overlap most) and each sample takes the cluster most members give it (a tie keeps
 * the current one). Relabelling against that vote and voting again repeats until no label changes.
 * Invariant to how each member numbers its clusters and, up to cluster ids, to the members' order.
 *
 * @param labelings The members: one label array per clustering, all of the same samples (any integer labels).
 * @throws TypeError | RangeError for no members, invalid labels, different lengths or a bad `maxIter`.
 * @example
 * voteConsensus([[0, 0, 1, 1, 2, 2], [5, 5, 7, 7, 9, 9], [1, 1, 0, 0, 0, 2]]).labels // Int32Array [0, 0, 1, 1, 2, 2]
 */
export function voteConsensus(labelings: readonly Labels[], options: VoteConsensusOptions = {}): VoteConsensus {
  if (!Array.isArray(labelings) || labelings.length === 0) {
    throw new RangeError('labelings must list at least one clustering (one label array per member), got none.');
  }
  const maxIter = options.maxIter ?? 10;
  checkInteger('maxIter', maxIter, 1);
  checkLabels('labelings[0]', labelings[0]!);
  for (let j = 1; j < labelings.length; j++) checkLabelPair(labelings[0]!, labelings[j]!, 'labelings[0]', `labelings[${j}]`);
  const m = labelings.length;
  const n = labelings[0]!.length;

  const agreementSum = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    for (let j = i + 1; j < m; j++) {
      const s = nmi(labelings[i]!, labelings[j]!);
      agreementSum[i] += s;
      agreementSum[j] += s;
    }
  }
  let reference = 0;
  // Equal partitions under other ids can differ in the last bits of their NMI sums: the first wins a near-tie.
  for (let i = 1; i < m; i++) if (agreementSum[i]! > agreementSum[reference]! + 1e-12) reference = i;

  const start = encodeLabels(labelings[reference]!);
  const k = start.values.length;
  let current = start.codes;
  const votes = new Int32Array(n * k);
  let iterations = 0;
  let converged = false;
  let agreeing = 0;
  while (iterations < maxIter && !converged) {
    iterations++;
    votes.fill(0);
    for (const member of labelings) {
      const { mapping } = matchClusters(current, member);
      for (let s = 0; s < n; s++) votes[s * k + mapping.get(member[s]!)!]++;
    }
    const next = new Int32Array(n);
    let changed = 0;
    agreeing = 0;
    for (let s = 0; s < n; s++) {
      const row = s * k;
      let best = current[s]!;
      for (let c = 0; c < k; c++) if (votes[row + c]! > votes[row + best]!) best = c;
      next[s] = best;
      agreeing += votes[row + best]!;
      if (best !== current[s]) changed++;
    }
    current = next;
    converged = changed === 0;
  }
  return {
    labels: current,
    reference,
    agreement: agreeing / (n * m),
    memberNmi: labelings.map((l) => nmi(current, l)),
    iterations,
    converged,
  };
}
