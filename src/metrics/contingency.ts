import { checkLabelPair, encodeLabels, type Labels } from './labels.js';

/** Dense contingency matrix of two labelings (scikit-learn's `contingency_matrix`). */
export interface ContingencyMatrix {
  /** Distinct values of `labelsTrue`, increasing: the row labels. */
  readonly classes: number[];
  /** Distinct values of `labelsPred`, increasing: the column labels. */
  readonly clusters: number[];
  /** `counts[i * nClusters + j]` = number of samples with class `classes[i]` and cluster `clusters[j]`. */
  readonly counts: Int32Array;
  readonly nClasses: number;
  readonly nClusters: number;
}

/** Largest dense matrix {@link contingencyMatrix} builds (2^26 cells = 256 MB of Int32). */
export const MAX_DENSE_CONTINGENCY_CELLS = 2 ** 26;

/**
 * Sparse contingency table used internally by the scores: non-zero cells only, plus the margins.
 * Works for any number of distinct labels (e.g. all singletons on both sides).
 * @internal
 */
export interface SparseContingency {
  readonly n: number;
  readonly classes: number[];
  readonly clusters: number[];
  /** Encoded labels (indices into `classes` / `clusters`). */
  readonly trueCodes: Int32Array;
  readonly predCodes: Int32Array;
  /** Samples per class (row sums) and per cluster (column sums). */
  readonly rowSums: Float64Array;
  readonly colSums: Float64Array;
  /** Non-zero cells: row index, column index, count. */
  readonly nzRow: Int32Array;
  readonly nzCol: Int32Array;
  readonly nzCount: Float64Array;
}

const DENSE_SCRATCH_LIMIT = 1 << 22;

/**
 * Builds the sparse contingency table of two labelings that already passed the gate.
 * @internal
 */
export function sparseContingency(labelsTrue: Labels, labelsPred: Labels): SparseContingency {
  const t = encodeLabels(labelsTrue);
  const p = encodeLabels(labelsPred);
  const n = labelsTrue.length;
  const nr = t.values.length;
  const nc = p.values.length;
  const rowSums = new Float64Array(nr);
  const colSums = new Float64Array(nc);
  for (let i = 0; i < n; i++) {
    rowSums[t.codes[i]!]!++;
    colSums[p.codes[i]!]!++;
  }
  let nzRow: Int32Array;
  let nzCol: Int32Array;
  let nzCount: Float64Array;
  if (nr * nc <= DENSE_SCRATCH_LIMIT) {
    const dense = new Int32Array(nr * nc);
    for (let i = 0; i < n; i++) dense[t.codes[i]! * nc + p.codes[i]!]!++;
    let nnz = 0;
    for (let c = 0; c < dense.length; c++) if (dense[c] !== 0) nnz++;
    nzRow = new Int32Array(nnz);
    nzCol = new Int32Array(nnz);
    nzCount = new Float64Array(nnz);
    let k = 0;
    for (let c = 0; c < dense.length; c++) {
      const v = dense[c]!;
      if (v !== 0) {
        nzRow[k] = Math.floor(c / nc);
        nzCol[k] = c % nc;
        nzCount[k++] = v;
      }
    }
  } else {
    // Keys r * nc + c stay exact doubles while n < 9e7 (both indices are < n).
    const cells = new Map<number, number>();
    for (let i = 0; i < n; i++) {
      const key = t.codes[i]! * nc + p.codes[i]!;
      cells.set(key, (cells.get(key) ?? 0) + 1);
    }
    const keys = Array.from(cells.keys()).sort((a, b) => a - b);
    nzRow = new Int32Array(keys.length);
    nzCol = new Int32Array(keys.length);
    nzCount = new Float64Array(keys.length);
    keys.forEach((key, k) => {
      nzRow[k] = Math.floor(key / nc);
      nzCol[k] = key % nc;
      nzCount[k] = cells.get(key)!;
    });
  }
  return { n, classes: t.values, clusters: p.values, trueCodes: t.codes, predCodes: p.codes, rowSums, colSums, nzRow, nzCol, nzCount };
}

/**
 * Contingency matrix of two labelings: rows are the distinct values of `labelsTrue` (increasing),
 * columns those of `labelsPred`. Equals scikit-learn's `contingency_matrix(labels_true, labels_pred)`.
 *
 * @param labelsTrue Ground-truth class labels (integers, any values, e.g. `Uint8Array`).
 * @param labelsPred Cluster labels of the same samples (integers, any values, e.g. `Int32Array`).
 * @throws TypeError | RangeError on invalid labels (empty, NaN, non-integer, different lengths).
 * @throws RangeError if the dense matrix would exceed {@link MAX_DENSE_CONTINGENCY_CELLS} cells.
 * @example
 * const m = contingencyMatrix([0, 0, 1, 2], [5, 5, 7, 7]);
 * // m.classes = [0, 1, 2], m.clusters = [5, 7], m.counts = Int32Array [2, 0, 0, 1, 0, 1]
 */
export function contingencyMatrix(labelsTrue: Labels, labelsPred: Labels): ContingencyMatrix {
  checkLabelPair(labelsTrue, labelsPred);
  const t = encodeLabels(labelsTrue);
  const p = encodeLabels(labelsPred);
  const nClasses = t.values.length;
  const nClusters = p.values.length;
  if (nClasses * nClusters > MAX_DENSE_CONTINGENCY_CELLS) {
    throw new RangeError(
      `contingencyMatrix: ${nClasses} classes × ${nClusters} clusters = ${nClasses * nClusters} cells exceeds the dense limit of ` +
        `${MAX_DENSE_CONTINGENCY_CELLS}; nmi() and ari() handle this case with a sparse table.`,
    );
  }
  const counts = new Int32Array(nClasses * nClusters);
  for (let i = 0; i < t.codes.length; i++) counts[t.codes[i]! * nClusters + p.codes[i]!]!++;
  return { classes: t.values, clusters: p.values, counts, nClasses, nClusters };
}
