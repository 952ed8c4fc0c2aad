/**
 * Distance kernels behind {@link KMeans}: the part of Lloyd's algorithm that costs
 * O(n·k·d) per iteration. Two implementations of one primitive (dot products of every row of X
 * with m centres), the rest (norms, argmin, centre sums) in plain JS with float64 accumulators:
 *
 * - `js`: a register-blocked pure-JS loop (4 centres per pass over a row); synchronous, no TF.js.
 * - `tfjs`: `matMul(C, Xᵀ)` on the active TF.js backend (wasm XNNPACK ≈ 30 GFLOP/s here), with
 *   Xᵀ uploaded once per fit and kept as tensors (column blocks). Float32 products, like
 *   scikit-learn on float32 data. XNNPACK packs Xᵀ on the first product (≈0.4 s, and a second
 *   backend copy of X: ≈190 MB for 60k×784) and reuses it for every later one.
 *
 * Squared distances are formed as ‖x‖² − 2·x·c + ‖c‖² (clamped at 0), as scikit-learn does.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { activeTf, type TF } from '../tf/backend.js';

/** Which implementation computes the distances (see the module comment). */
export type KernelName = 'js' | 'tfjs';

/** Dot products of every row of a fixed X with a set of centres. */
export interface DistanceKernel {
  readonly name: KernelName;
  /** The matrix this kernel was built for. */
  readonly x: Matrix;
  /** ‖x_i‖² for every row, float64. */
  readonly rowNorms: Float64Array;
  /**
   * `out[c * n + i] = x_i · centres_c` for m centres stored row-major in `centres` (m × d):
   * centre-major m × n values (may be the kernel's own buffer, valid until the next call).
   */
  dots(centres: Float64Array, m: number): ArrayLike<number>;
  /**
   * Dot products of the `count` rows listed in `rows` with m centres: `out[r * m + c]` for the
   * r-th listed row (row-major count × m; may be the kernel's own buffer, valid until the next call).
   */
  dotsRows(rows: Int32Array, count: number, centres: Float64Array, m: number): ArrayLike<number>;
  /** Frees backend memory (the X tensor of the tfjs kernel). Idempotent. */
  dispose(): void;
}

/** ‖x_i‖² of every row, accumulated in float64. */
export function rowSquaredNorms(x: Matrix): Float64Array {
  const { data, rows, cols } = x;
  const out = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const o = i * cols;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j]!;
      s += v * v;
    }
    out[i] = s;
  }
  return out;
}

/** The pure-JS kernel. */
export function jsKernel(x: Matrix, rowNorms = rowSquaredNorms(x)): DistanceKernel {
  let buffer = new Float64Array(0);
  return {
    name: 'js',
    x,
    rowNorms,
    dots(centres, m) {
      const { data, rows: n, cols: d } = x;
      if (buffer.length < n * m) buffer = new Float64Array(n * m);
      const out = buffer;
      for (let i = 0; i < n; i++) {
        const o = i * d;
        let c = 0;
        for (; c + 4 <= m; c += 4) {
          const c0 = c * d, c1 = c0 + d, c2 = c1 + d, c3 = c2 + d;
          let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
          for (let j = 0; j < d; j++) {
            const v = data[o + j]!;
            s0 += v * centres[c0 + j]!;
            s1 += v * centres[c1 + j]!;
            s2 += v * centres[c2 + j]!;
            s3 += v * centres[c3 + j]!;
          }
          out[c * n + i] = s0; out[(c + 1) * n + i] = s1; out[(c + 2) * n + i] = s2; out[(c + 3) * n + i] = s3;
        }
        for (; c < m; c++) {
          const c0 = c * d;
          let s0 = 0;
          for (let j = 0; j < d; j++) s0 += data[o + j]! * centres[c0 + j]!;
          out[c * n + i] = s0;
        }
      }
      return out;
    },
    dotsRows(rows, count, centres, m) {
      const { data, cols: d } = x;
      const out = new Float64Array(count * m);
      for (let r = 0; r < count; r++) {
        const o = rows[r]! * d;
        for (let c = 0; c < m; c++) {
          const co = c * d;
          let s0 = 0;
          for (let j = 0; j < d; j++) s0 += data[o + j]! * centres[co + j]!;
          out[r * m + c] = s0;
        }
      }
      return out;
    },
    dispose() { /* nothing to free */ },
  };
}

/**
 * The TF.js kernel: Xᵀ lives on the backend as one [d, n] tensor until {@link DistanceKernel.dispose};
 * each call is one `matMul(C, Xᵀ)` ([m, d] × [d, n]), the fastest orientation on wasm XNNPACK here
 * (≈32 ms for 10 centres × 60k×784, vs ≈43 ms for X·Cᵀ and ≈275 ms with a transpose flag).
 * @throws Error when no TF.js backend was initialised (call `await initBackend()` first).
 */
export function tfjsKernel(x: Matrix, rowNorms = rowSquaredNorms(x)): DistanceKernel {
  const tf = activeTf();
  if (!tf) {
    throw new Error("KMeans engine 'tfjs' needs a TF.js backend: call `await initBackend()` (src/tf) before fit/predict, or use engine 'js'.");
  }
  const { rows: n, cols: d } = x;
  // Float32 products of large values overflow (rows of norm ≳ 1e19 give x·c = Infinity) and of
  // tiny ones underflow to subnormals or zero: such data is scaled by a power of two (exact in
  // float32 and float64) before the upload, centres likewise, and the products unscaled in float64.
  const scale = float32SafeScale(x.data);
  const unscale = 1 / (scale * scale);
  // Xᵀ in column blocks, each transposed through a small JS buffer (in cache-friendly tiles; the
  // backends' own transpose is several times slower here), so that the only full copy of X
  // besides the caller's is the one on the backend (keeps peak memory low).
  const blocks: { start: number; size: number; t: ReturnType<TF['tensor2d']> }[] = [];
  const buf = new Float32Array(Math.min(n, TFJS_BLOCK) * d);
  for (let start = 0; start < n; start += TFJS_BLOCK) {
    const size = Math.min(TFJS_BLOCK, n - start);
    transposeInto(x.data, start, size, d, buf);
    if (scale !== 1) for (let i = 0; i < size * d; i++) buf[i] = buf[i]! * scale;
    blocks.push({ start, size, t: tf.tensor2d(buf.slice(0, size * d), [d, size], 'float32') });
  }
  const toFloat32 = (centres: Float64Array, count: number): Float32Array => {
    const out = new Float32Array(count);
    for (let i = 0; i < count; i++) out[i] = centres[i]! * scale;
    return out;
  };
  let disposed = false;
  let out = new Float32Array(0);
  let out64 = new Float64Array(0);
  return {
    name: 'tfjs',
    x,
    rowNorms,
    dots(centres, m) {
      if (disposed) throw new Error('tfjs distance kernel used after dispose().');
      if (out.length < m * n) out = new Float32Array(m * n);
      const ct = tf.tensor2d(toFloat32(centres, m * d), [m, d], 'float32');
      try {
        for (const { start, size, t } of blocks) {
          const prod = tf.matMul(ct, t);
          const v = prod.dataSync() as Float32Array;
          prod.dispose();
          for (let c = 0; c < m; c++) out.set(v.subarray(c * size, (c + 1) * size), c * n + start);
        }
      } finally {
        ct.dispose();
      }
      if (scale === 1) return out;
      if (out64.length < m * n) out64 = new Float64Array(m * n);
      for (let i = 0; i < m * n; i++) out64[i] = out[i]! * unscale;
      return out64;
    },
    dotsRows(rows, count, centres, m) {
      if (disposed) throw new Error('tfjs distance kernel used after dispose().');
      // The listed rows, gathered in JS (contiguous row copies) in chunks that bound the memory
      // (the wasm heap keeps its high-water mark), times Cᵀ: [chunk, d] · [d, m].
      const cT = new Float32Array(d * m);
      for (let c = 0; c < m; c++) for (let j = 0; j < d; j++) cT[j * m + c] = centres[c * d + j]! * scale;
      const b = tf.tensor2d(cT, [d, m], 'float32');
      const result = scale === 1 ? new Float32Array(count * m) : new Float64Array(count * m);
      const gathered = new Float32Array(Math.min(count, GATHER_CHUNK) * d);
      try {
        for (let start = 0; start < count; start += GATHER_CHUNK) {
          const size = Math.min(GATHER_CHUNK, count - start);
          for (let r = 0; r < size; r++) {
            const o = rows[start + r]! * d;
            if (scale === 1) gathered.set(x.data.subarray(o, o + d), r * d);
            else for (let j = 0; j < d; j++) gathered[r * d + j] = x.data[o + j]! * scale;
          }
          const a = tf.tensor2d(gathered.subarray(0, size * d), [size, d], 'float32');
          const prod = tf.matMul(a, b);
          const v = prod.dataSync() as Float32Array;
          if (scale === 1) result.set(v, start * m);
          else for (let i = 0; i < v.length; i++) result[start * m + i] = v[i]! * unscale;
          prod.dispose();
          a.dispose();
        }
      } finally {
        b.dispose();
      }
      return result;
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      for (const b of blocks) b.t.dispose();
    },
  };
}

/**
 * Largest |value| for which float32 matrix products of `d`-long rows stay accurate without
 * scaling (2⁴⁰: products ≤ 2⁸⁰·d, far from float32's 2¹²⁸) and the smallest (2⁻⁴⁰: products ≥
 * 2⁻⁸⁰, far from float32's normal range limit 2⁻¹²⁶).
 */
const FLOAT32_SAFE_MAX = 2 ** 40;
const FLOAT32_SAFE_MIN = 2 ** -40;

/**
 * A power of two s such that the largest |value| times s lies in [1, 2), when the values are
 * outside the range in which float32 products are safe ({@link FLOAT32_SAFE_MAX}); else 1 (no
 * scaling, so ordinary data gives bit-identical results). Multiplying by s is exact in float32
 * and float64 (up to values that underflow relative to the largest, as float32 rounding would
 * make them anyway).
 * @example float32SafeScale(Float32Array.of(3e19, -1)) // 2 ** -64
 */
export function float32SafeScale(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = Math.abs(values[i]!);
    if (v > max) max = v;
  }
  if (!(max > 0) || !Number.isFinite(max) || (max <= FLOAT32_SAFE_MAX && max >= FLOAT32_SAFE_MIN)) return 1;
  return 2 ** -Math.floor(Math.log2(max));
}

/** Writes rows start..start+size of the row-major n × d `src` into `out` as a d × size matrix. */
function transposeInto(src: Float32Array, start: number, size: number, d: number, out: Float32Array): void {
  const T = 8; // measured: 8 ≈ 5× faster than 32 or a plain row loop here
  for (let i0 = 0; i0 < size; i0 += T) {
    const i1 = Math.min(size, i0 + T);
    for (let j0 = 0; j0 < d; j0 += T) {
      const j1 = Math.min(d, j0 + T);
      for (let i = i0; i < i1; i++) {
        const o = (start + i) * d;
        for (let j = j0; j < j1; j++) out[j * size + i] = src[o + j]!;
      }
    }
  }
}

/** Rows gathered per product in `dotsRows` of the tfjs kernel. */
const GATHER_CHUNK = 4096;

/** Columns of Xᵀ per backend tensor in the tfjs kernel. */
const TFJS_BLOCK = 8192;

/** ‖c‖² of each of m centres (m × d, float64). */
export function centreSquaredNorms(centres: Float64Array, m: number, d: number): Float64Array {
  const out = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c * d + j]!;
      s += v * v;
    }
    out[c] = s;
  }
  return out;
}

/**
 * Squared distances of every row to m centres: `out[c * n + i]` (centre-major m × n, float64, ≥ 0).
 */
export function squaredDistances(kernel: DistanceKernel, centres: Float64Array, m: number, out?: Float64Array): Float64Array {
  const n = kernel.x.rows;
  const res = out ?? new Float64Array(n * m);
  const dots = kernel.dots(centres, m);
  const cn = centreSquaredNorms(centres, m, kernel.x.cols);
  const xn = kernel.rowNorms;
  for (let c = 0; c < m; c++) {
    const r = c * n;
    const cc = cn[c]!;
    for (let i = 0; i < n; i++) {
      const v = xn[i]! - 2 * dots[r + i]! + cc;
      res[r + i] = v > 0 ? v : 0;
    }
  }
  return res;
}

/**
 * Nearest centre of every row: writes `labels[i]` (first minimum on ties) and the squared
 * distance `dist[i]`, and returns the number of labels that changed.
 */
export function assignLabels(kernel: DistanceKernel, centres: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
  const n = kernel.x.rows;
  const dots = kernel.dots(centres, k);
  const cn = centreSquaredNorms(centres, k, kernel.x.cols);
  const xn = kernel.rowNorms;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    // ‖x‖² is the same for every centre: compare ‖c‖² − 2·x·c, add ‖x‖² once.
    let best = 0;
    let bestVal = cn[0]! - 2 * dots[i]!;
    for (let c = 1; c < k; c++) {
      const v = cn[c]! - 2 * dots[c * n + i]!;
      if (v < bestVal) { bestVal = v; best = c; }
    }
    if (labels[i] !== best) { labels[i] = best; changed++; }
    const dd = xn[i]! + bestVal;
    dist[i] = dd > 0 ? dd : 0;
  }
  return changed;
}

/** Σ_i ‖x_i − c_{labels[i]}‖², computed directly in float64 (no cancellation). */
export function exactInertia(x: Matrix, centres: Float64Array, labels: Int32Array): number {
  const { data, rows, cols } = x;
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const o = i * cols;
    const co = labels[i]! * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) {
      const v = data[o + j]! - centres[co + j]!;
      s += v * v;
    }
    total += s;
  }
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

export function createBounds(n: number): DistanceBounds {
  return { upper: new Float64Array(n), lower: new Float64Array(n), initialised: false };
}

/**
 * Relative safety margin of the skip test: distances come from float32 products, so a row is
 * skipped only when its bounds clear the test by this fraction (the assignment then provably
 * equals a full recomputation up to that rounding).
 */
const BOUND_MARGIN = 1e-2;
/** Above this fraction of rows to recompute, the full product (with the packed Xᵀ) is faster. */
const BOUNDED_FULL_FRACTION = 0.5;

/**
 * The assignment step of Lloyd's algorithm with Hamerly's bounds: the same labels as
 * {@link assignLabels}, but rows whose upper bound is below both their lower bound and half the
 * distance from their centre to the nearest other centre keep their label without computing any
 * distance. Late iterations, where few rows change, cost a fraction of a full step. `dist[i]` is
 * updated only for recomputed rows (callers needing every distance recompute them).
 * @returns the number of labels that changed.
 */
export function assignLabelsBounded(
  kernel: DistanceKernel, centres: Float64Array, k: number, labels: Int32Array, dist: Float64Array, bounds: DistanceBounds,
): number {
  const n = kernel.x.rows;
  const d = kernel.x.cols;
  const cn = centreSquaredNorms(centres, k, d);
  const xn = kernel.rowNorms;
  const { upper, lower } = bounds;
  let rows: Int32Array;
  let count: number;
  if (!bounds.initialised) {
    rows = Int32Array.from({ length: n }, (_, i) => i);
    count = n;
  } else {
    // s[c]: half the distance from centre c to its nearest other centre.
    const half = new Float64Array(k).fill(Infinity);
    for (let a = 0; a < k; a++) {
      for (let b = a + 1; b < k; b++) {
        let s2 = 0;
        for (let j = 0; j < d; j++) {
          const v = centres[a * d + j]! - centres[b * d + j]!;
          s2 += v * v;
        }
        const h = Math.sqrt(s2) / 2;
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
    let best = 0, second = 1;
    let bestVal = Infinity, secondVal = Infinity;
    for (let c = 0; c < k; c++) {
      const v = cn[c]! - 2 * (full ? dots[c * n + i]! : dots[r * k + c]!);
      if (v < bestVal) { secondVal = bestVal; second = best; bestVal = v; best = c; }
      else if (v < secondVal) { secondVal = v; second = c; }
    }
    void second;
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
  for (let c = 0; c < k; c++) {
    let s2 = 0;
    for (let j = 0; j < d; j++) {
      const v = after[c * d + j]! - before[c * d + j]!;
      s2 += v * v;
    }
    moved[c] = Math.sqrt(s2);
  }
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
