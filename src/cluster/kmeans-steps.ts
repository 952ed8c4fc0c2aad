/**
 * The steps of {@link KMeans} around the compute floor's distances (src/linalg): per-cluster sums
 * and their incremental update, the exact inertia, and Hamerly's distance bounds (Hamerly 2010)
 * with the bounded assignment step. Every distance comes from the floor: the kernel's centred
 * products for assignments, {@link squaredDistance} (float64 differences) for bounds and inertia.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { squaredDistance, type DistanceKernel } from '../linalg/index.js';

/** Σ_i ‖x_i − c_{labels[i]}‖², computed from the differences in float64 (no cancellation). */
export function exactInertia(x: Matrix, centres: Float64Array, labels: Int32Array): number {
  const { data, rows, cols } = x;
  let total = 0;
  for (let i = 0; i < rows; i++) total += squaredDistance(data, i * cols, centres, labels[i]! * cols, cols);
  return total;
}

/** Float64 per-cluster sums of rows and counts, from scratch. */
export function clusterSums(x: Matrix, labels: Int32Array, sums: Float64Array, counts: Float64Array): void {
  const { data, rows, cols } = x;
  sums.fill(0);
  counts.fill(0);
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const l = labels[i]!;
    const so = l * cols;
    counts[l]!++;
    for (let j = 0; j < cols; j++) sums[so + j] += data[o + j]!;
  }
}

/**
 * Updates per-cluster sums and counts for the rows whose label changed from `prev` to `labels`
 * (O(changed · d) instead of O(n · d)).
 */
export function updateClusterSums(
  x: Matrix, prev: Int32Array, labels: Int32Array, sums: Float64Array, counts: Float64Array,
): void {
  const { data, rows, cols } = x;
  for (let i = 0; i < rows; i++) {
    const a = prev[i]!;
    const b = labels[i]!;
    if (a === b) continue;
    const o = i * cols;
    const ao = a * cols;
    const bo = b * cols;
    counts[a]!--;
    counts[b]!++;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j]!;
      sums[ao + j] -= v;
      sums[bo + j] += v;
    }
  }
}

/**
 * Per-row distance bounds of Hamerly's algorithm: `upper[i]` ≥ the distance of row i to its
 * assigned centre, `lower[i]` ≤ its distance to every other centre. Valid across iterations once
 * {@link moveBounds} has applied each iteration's centre movements.
 */
export interface DistanceBounds {
  readonly upper: Float64Array;
  readonly lower: Float64Array;
  /** False until the first full assignment has set the bounds. */
  initialised: boolean;
}

/** Bounds for n rows, not yet initialised (the first bounded assignment computes every distance). */
export function createBounds(n: number): DistanceBounds {
  return { upper: new Float64Array(n), lower: new Float64Array(n), initialised: false };
}

/**
 * Relative safety margin of the skip test: distances may come from float32 products, so a row is
 * skipped only when its bounds clear the test by this fraction (the assignment then provably
 * equals a full recomputation up to that rounding).
 */
const BOUND_MARGIN = 1e-2;
/** Above this fraction of rows to recompute, the full product (with the packed X′ᵀ) is faster. */
const BOUNDED_FULL_FRACTION = 0.5;

/**
 * The assignment step with Hamerly's bounds: the same labels as the floor's `nearestCentres`, but
 * rows whose upper bound is below both their lower bound and half the distance from their centre
 * to the nearest other centre keep their label without computing any distance. Late iterations,
 * where few rows change, cost a fraction of a full step. `dist[i]` is updated only for recomputed
 * rows (callers needing every distance recompute them).
 * @returns the number of labels that changed.
 */
export function assignLabelsBounded(
  kernel: DistanceKernel, centres: Float64Array, k: number, labels: Int32Array, dist: Float64Array, bounds: DistanceBounds,
): number {
  const n = kernel.x.rows;
  const d = kernel.x.cols;
  const cn = kernel.centreNorms(centres, k);
  const xn = kernel.rowNorms;
  const { upper, lower } = bounds;
  let rows: Int32Array;
  let count: number;
  if (!bounds.initialised) {
    rows = Int32Array.from({ length: n }, (_, i) => i);
    count = n;
  } else {
    // half[c]: half the distance from centre c to its nearest other centre.
    const half = new Float64Array(k).fill(Infinity);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        const h = Math.sqrt(squaredDistance(centres, a * d, centres, b * d, d)) / 2;
        if (h < half[a]!) half[a] = h;
        if (h < half[b]!) half[b] = h;
      }
    }
    rows = new Int32Array(n);
    count = 0;
    for (let i = 0; i < n; i++) {
      const m = Math.max(half[labels[i]!]!, lower[i]!);
      if (upper[i]! > m * (1 - BOUND_MARGIN)) rows[count++] = i;
    }
  }
  const full = count > BOUNDED_FULL_FRACTION * n;
  const dots = full ? kernel.dots(centres, k) : kernel.dotsRows(rows, count, centres, k);
  let changed = 0;
  for (let r = 0; r < count; r++) {
    const i = rows[r]!;
    let best = 0;
    let bestVal = Infinity, secondVal = Infinity;
    for (let c = 0; c < k; c++) {
      const v = cn[c]! - 2 * (full ? dots[c * n + i]! : dots[r * k + c]!);
      if (v < bestVal) { secondVal = bestVal; bestVal = v; best = c; }
      else if (v < secondVal) secondVal = v;
    }
    if (labels[i] !== best) { labels[i] = best; changed++; }
    const d1 = Math.max(xn[i]! + bestVal, 0);
    const d2 = Math.max(xn[i]! + secondVal, 0);
    dist[i] = d1;
    upper[i] = Math.sqrt(d1);
    lower[i] = k > 1 ? Math.sqrt(d2) : Infinity;
  }
  bounds.initialised = true;
  return changed;
}

/**
 * Updates the bounds after the centres moved from `before` to `after`: each upper bound grows by
 * its own centre's movement, each lower bound shrinks by the largest movement of any other centre.
 */
export function moveBounds(bounds: DistanceBounds, labels: Int32Array, before: Float64Array, after: Float64Array, k: number, d: number): void {
  const moved = new Float64Array(k);
  for (let c = 0; c < k; c++) moved[c] = Math.sqrt(squaredDistance(after, c * d, before, c * d, d));
  let top = -1, topVal = 0, secondVal = 0;
  for (let c = 0; c < k; c++) {
    if (top < 0 || moved[c]! > topVal) { secondVal = top < 0 ? 0 : topVal; topVal = moved[c]!; top = c; }
    else if (moved[c]! > secondVal) secondVal = moved[c]!;
  }
  const { upper, lower } = bounds;
  for (let i = 0; i < labels.length; i++) {
    const a = labels[i]!;
    upper[i]! += moved[a]!;
    lower[i]! -= a === top ? secondVal : topVal;
  }
}
