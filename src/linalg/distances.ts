/**
 * Squared Euclidean distances of the compute floor: every distance an estimator uses (K-Means'
 * assignments and k-means++, exact kNN, trustworthiness) comes from here.
 *
 * A {@link DistanceKernel} is built once for a fixed X. It centres X at its column mean (float64)
 * and forms ‖x − c‖² = ‖x′‖² − 2·x′·c′ + ‖c′‖² with x′ = x − mean, c′ = c − mean, so the terms are
 * of the size of the data's spread wherever the data sits:
 * - `js`: float64 loops (register-blocked, 4 centres per pass over a row) over the raw float32 X;
 *   x′·c′ = x·c′ − mean·c′ costs one subtraction per product and keeps the loop unchanged, and
 *   float64 holds the digits that the subtraction cancels.
 * - `tfjs`: `matMul(C′, X′ᵀ)` on the active TF.js backend (wasm XNNPACK ≈ 30 GFLOP/s here) with
 *   X′ᵀ uploaded once (centred and, for extreme magnitudes, scaled by a power of two) in column
 *   blocks; float32 products like scikit-learn on float32 data, unscaled in float64.
 * ‖x′‖² and ‖c′‖² are always float64. The engine is resolved once per kernel by
 * {@link resolveEngine} (`'native'` has no distance kernel).
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { activeTf, type TF } from '../tf/backend.js';
import { centring, squaredDistance, type Centring } from './center.js';
import { resolveEngine, type EngineOption } from './engine.js';

/** The engines that compute distances. */
export type DistanceEngine = 'js' | 'tfjs';

/** Dot products of the centred rows of a fixed X with sets of centred points. */
export interface DistanceKernel {
  readonly engine: DistanceEngine;
  /** The matrix this kernel was built for. */
  readonly x: Matrix;
  /** X's column means (the centre of every product), float64. */
  readonly mean: Float64Array;
  /** ‖x_i − mean‖² for every row, float64. */
  readonly rowNorms: Float64Array;
  /** max_i ‖x_i − mean‖. */
  readonly radius: number;
  /** ‖c − mean‖² of each of m points stored row-major in `centres` (m × d, float64). */
  centreNorms(centres: Float64Array, m: number): Float64Array;
  /**
   * `out[c * n + i] = (x_i − mean) · (centres_c − mean)` for m points stored row-major in
   * `centres` (m × d): centre-major m × n values (may be the kernel's own buffer, valid until the
   * next call).
   */
  dots(centres: ArrayLike<number>, m: number): ArrayLike<number>;
  /**
   * The same for the `count` rows listed in `rows` only: `out[r * m + c]` for the r-th listed row
   * (row-major count × m; may be the kernel's own buffer, valid until the next call).
   */
  dotsRows(rows: Int32Array, count: number, centres: Float64Array, m: number): ArrayLike<number>;
  /** Frees backend memory (the X tensors of the tfjs kernel). Idempotent. */
  dispose(): void;
}

/** Options of {@link distanceKernel}. */
export interface DistanceKernelOptions {
  /** `'auto'` (default: `'tfjs'` for ≥ {@link TFJS_MIN_WORK} multiply–adds per pass when a backend is active, else `'js'`), `'js'` or `'tfjs'`; `'native'` is refused (no compiled kernel). */
  engine?: EngineOption;
  /** Points per pass (the k of n·d·k), for the size rule (default 1). */
  pointsPerPass?: number;
  /** What the distances are for, in error messages (default `'distances'`). */
  what?: string;
  /** A precomputed {@link centring} of X (saves a pass). */
  centring?: Centring;
}

/**
 * The distance kernel for X on the engine `options.engine` resolves to.
 * @throws Error when engine `'tfjs'` is asked for without an initialised backend, or `'native'`
 *   (no compiled distance kernel), naming the fix.
 * @example const k = distanceKernel(X, { engine: 'js' }); const d = squaredDistances(k, centres, 3); k.dispose();
 */
export function distanceKernel(x: Matrix, options: DistanceKernelOptions = {}): DistanceKernel {
  const { engine = 'auto', pointsPerPass = 1, what = 'distances' } = options;
  const resolved = resolveEngine(engine, { work: x.rows * x.cols * pointsPerPass, supports: ['js', 'tfjs'], what });
  const c = options.centring ?? centring(x);
  return resolved === 'tfjs' ? tfjsKernel(x, c) : jsKernel(x, c);
}

/** c′ = c − mean for m points, and mean · c′ of each (float64). */
function centredPoints(centres: ArrayLike<number>, m: number, mean: Float64Array): { shifted: Float64Array; offset: Float64Array } {
  const d = mean.length;
  const shifted = new Float64Array(m * d);
  const offset = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c * d + j]! - mean[j]!;
      shifted[c * d + j] = v;
      s += mean[j]! * v;
    }
    offset[c] = s;
  }
  return { shifted, offset };
}

function centreNormsOf(centres: ArrayLike<number>, m: number, mean: Float64Array): Float64Array {
  const d = mean.length;
  const out = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    let s = 0;
    for (let j = 0; j < d; j++) {
      const v = centres[c * d + j]! - mean[j]!;
      s += v * v;
    }
    out[c] = s;
  }
  return out;
}

/** Centre-major (x_i − mean)·(c − mean) in float64 (see the module comment). */
function jsDots(x: Matrix, mean: Float64Array, centres: ArrayLike<number>, m: number, out: Float64Array): Float64Array {
  const { data, rows: n, cols: d } = x;
  const { shifted: cs, offset } = centredPoints(centres, m, mean);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    let c = 0;
    for (; c + 4 <= m; c += 4) {
      const c0 = c * d, c1 = c0 + d, c2 = c1 + d, c3 = c2 + d;
      let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
      for (let j = 0; j < d; j++) {
        const v = data[o + j]!;
        s0 += v * cs[c0 + j]!;
        s1 += v * cs[c1 + j]!;
        s2 += v * cs[c2 + j]!;
        s3 += v * cs[c3 + j]!;
      }
      out[c * n + i] = s0 - offset[c]!;
      out[(c + 1) * n + i] = s1 - offset[c + 1]!;
      out[(c + 2) * n + i] = s2 - offset[c + 2]!;
      out[(c + 3) * n + i] = s3 - offset[c + 3]!;
    }
    for (; c < m; c++) {
      const c0 = c * d;
      let s0 = 0;
      for (let j = 0; j < d; j++) s0 += data[o + j]! * cs[c0 + j]!;
      out[c * n + i] = s0 - offset[c]!;
    }
  }
  return out;
}

function jsDotsRows(x: Matrix, mean: Float64Array, rows: Int32Array, count: number, centres: Float64Array, m: number): Float64Array {
  const { data, cols: d } = x;
  const { shifted: cs, offset } = centredPoints(centres, m, mean);
  const out = new Float64Array(count * m);
  for (let r = 0; r < count; r++) {
    const o = rows[r]! * d;
    for (let c = 0; c < m; c++) {
      const co = c * d;
      let s0 = 0;
      for (let j = 0; j < d; j++) s0 += data[o + j]! * cs[co + j]!;
      out[r * m + c] = s0 - offset[c]!;
    }
  }
  return out;
}

/** The float64 kernel. */
function jsKernel(x: Matrix, c: Centring): DistanceKernel {
  let buffer = new Float64Array(0);
  return {
    engine: 'js',
    x,
    mean: c.mean,
    rowNorms: c.rowNorms,
    radius: c.radius,
    centreNorms: (centres, m) => centreNormsOf(centres, m, c.mean),
    dots(centres, m) {
      if (buffer.length < x.rows * m) buffer = new Float64Array(x.rows * m);
      return jsDots(x, c.mean, centres, m, buffer);
    },
    dotsRows: (rows, count, centres, m) => jsDotsRows(x, c.mean, rows, count, centres, m),
    dispose() { /* nothing to free */ },
  };
}

/**
 * Above this |value| of a scaled, centred point, float32 products with X′ could overflow: such a
 * call is computed by the float64 loops instead (the same answer, only slower).
 */
const TFJS_POINT_MAX = 2 ** 60;

/**
 * The TF.js kernel: X′ᵀ (centred, scaled) lives on the backend as [d, block] tensors until
 * {@link DistanceKernel.dispose}; each call is one `matMul(C′, X′ᵀ)` ([m, d] × [d, n]) per block,
 * the fastest orientation on wasm XNNPACK here (≈32 ms for 10 centres × 60k×784, vs ≈43 ms for
 * X·Cᵀ and ≈275 ms with a transpose flag). XNNPACK packs X′ᵀ on the first product (≈0.4 s) and
 * reuses it for every later one.
 */
function tfjsKernel(x: Matrix, cen: Centring): DistanceKernel {
  const tf = activeTf()!;
  const { rows: n, cols: d } = x;
  const { mean, scale } = cen;
  const unscale = 1 / (scale * scale);
  let meanNorm2 = 0;
  for (let j = 0; j < d; j++) meanNorm2 += mean[j]! * mean[j]!;
  /** Whether `dotsRows` may gather raw rows (see there). */
  const raw = scale === 1 && Math.sqrt(meanNorm2) <= cen.radius;
  // X′ᵀ in column blocks, each transposed (and centred) through a small JS buffer in
  // cache-friendly tiles (the backends' own transpose is several times slower here), so that the
  // only full copy of X besides the caller's is the one on the backend (keeps peak memory low).
  const blocks: { start: number; size: number; t: ReturnType<TF['tensor2d']> }[] = [];
  const buf = new Float32Array(Math.min(n, TFJS_BLOCK) * d);
  for (let start = 0; start < n; start += TFJS_BLOCK) {
    const size = Math.min(TFJS_BLOCK, n - start);
    centredTransposeInto(x.data, start, size, d, mean, scale, buf);
    blocks.push({ start, size, t: tf.tensor2d(buf.slice(0, size * d), [d, size], 'float32') });
  }
  /** (c − mean)·scale as float32, or undefined when a value is beyond {@link TFJS_POINT_MAX}. */
  const toFloat32 = (centres: ArrayLike<number>, m: number, transpose: boolean): Float32Array | undefined => {
    const out = new Float32Array(m * d);
    for (let c = 0; c < m; c++) {
      for (let j = 0; j < d; j++) {
        const v = (centres[c * d + j]! - mean[j]!) * scale;
        if (!(Math.abs(v) <= TFJS_POINT_MAX)) return undefined;
        out[transpose ? j * m + c : c * d + j] = v;
      }
    }
    return out;
  };
  let disposed = false;
  let out = new Float32Array(0);
  let out64 = new Float64Array(0);
  return {
    engine: 'tfjs',
    x,
    mean,
    rowNorms: cen.rowNorms,
    radius: cen.radius,
    centreNorms: (centres, m) => centreNormsOf(centres, m, mean),
    dots(centres, m) {
      if (disposed) throw new Error('tfjs distance kernel used after dispose().');
      const c32 = toFloat32(centres, m, false);
      if (!c32) {
        if (out64.length < m * n) out64 = new Float64Array(m * n);
        return jsDots(x, mean, centres, m, out64);
      }
      if (out.length < m * n) out = new Float32Array(m * n);
      const ct = tf.tensor2d(c32, [m, d], 'float32');
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
      const cT = toFloat32(centres, m, true);
      if (!cT) return jsDotsRows(x, mean, rows, count, centres, m);
      // The listed rows, gathered in JS in chunks that bound the memory (the wasm heap keeps its
      // high-water mark), times C′ᵀ: [chunk, d] · [d, m]. Data that sits within its own radius of
      // the origin is gathered raw (row copies, several times faster than centring each value:
      // Hamerly's late iterations are mostly this gather) and x·c′ − mean·c′ formed in float64;
      // its float32 error is then at most twice the centred one (‖x‖ ≤ ‖x − mean‖ + ‖mean‖).
      const offset = raw ? centredPoints(centres, m, mean).offset : undefined;
      const b = tf.tensor2d(cT, [d, m], 'float32');
      const result = scale === 1 && !offset ? new Float32Array(count * m) : new Float64Array(count * m);
      const gathered = new Float32Array(Math.min(count, GATHER_CHUNK) * d);
      try {
        for (let start = 0; start < count; start += GATHER_CHUNK) {
          const size = Math.min(GATHER_CHUNK, count - start);
          for (let r = 0; r < size; r++) {
            const o = rows[start + r]! * d;
            if (raw) gathered.set(x.data.subarray(o, o + d), r * d);
            else for (let j = 0; j < d; j++) gathered[r * d + j] = (x.data[o + j]! - mean[j]!) * scale;
          }
          const a = tf.tensor2d(gathered.subarray(0, size * d), [size, d], 'float32');
          const prod = tf.matMul(a, b);
          const v = prod.dataSync() as Float32Array;
          if (offset) for (let i = 0; i < v.length; i++) result[start * m + i] = v[i]! - offset[i % m]!;
          else if (scale === 1) result.set(v, start * m);
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
 * Writes rows start..start+size of the row-major n × d `src`, centred at `mean` and multiplied by
 * `scale`, into `out` as a d × size float32 matrix.
 */
function centredTransposeInto(src: Float32Array, start: number, size: number, d: number, mean: Float64Array, scale: number, out: Float32Array): void {
  const T = 8; // measured: 8 ≈ 5× faster than 32 or a plain row loop here
  for (let i0 = 0; i0 < size; i0 += T) {
    const i1 = Math.min(size, i0 + T);
    for (let j0 = 0; j0 < d; j0 += T) {
      const j1 = Math.min(d, j0 + T);
      for (let i = i0; i < i1; i++) {
        const o = (start + i) * d;
        for (let j = j0; j < j1; j++) out[j * size + i] = (src[o + j]! - mean[j]!) * scale;
      }
    }
  }
}

/** Rows gathered per product in `dotsRows` of the tfjs kernel. */
const GATHER_CHUNK = 4096;
/** Columns of X′ᵀ per backend tensor in the tfjs kernel. */
const TFJS_BLOCK = 8192;

/**
 * Squared distances of every row of the kernel's X to m points: `out[c * n + i]` (centre-major
 * m × n, float64, ≥ 0).
 * @example squaredDistances(distanceKernel(X), Float64Array.of(0, 0), 1) // ‖x_i‖² of 2-column X
 */
export function squaredDistances(kernel: DistanceKernel, centres: Float64Array, m: number, out?: Float64Array): Float64Array {
  const n = kernel.x.rows;
  const res = out ?? new Float64Array(n * m);
  const dots = kernel.dots(centres, m);
  const cn = kernel.centreNorms(centres, m);
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
 * Nearest of k points for every row of the kernel's X: writes `labels[i]` (first minimum on ties)
 * and the squared distance `dist[i]`, and returns the number of labels that changed.
 * @example nearestCentres(kernel, centres, 3, labels, dist) // labels changed
 */
export function nearestCentres(kernel: DistanceKernel, centres: Float64Array, k: number, labels: Int32Array, dist: Float64Array): number {
  const n = kernel.x.rows;
  const dots = kernel.dots(centres, k);
  const cn = kernel.centreNorms(centres, k);
  const xn = kernel.rowNorms;
  let changed = 0;
  for (let i = 0; i < n; i++) {
    // ‖x′‖² is the same for every centre: compare ‖c′‖² − 2·x′·c′, add ‖x′‖² once.
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

export { squaredDistance };
