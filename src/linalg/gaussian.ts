/**
 * The Gaussian products of the compute floor: what a Gaussian mixture (or any estimator of
 * Gaussian densities) needs from its data, each written once per engine.
 * - {@link centreData}: X − x̄ (column mean in float64) once, kept for the other products;
 * - {@link weightedSums}: Σᵢ rᵢₖ and Σᵢ rᵢₖ (xᵢ − x̄) (the means);
 * - {@link weightedScatter}: Σᵢ rᵢₖ (xᵢ − cₖ)(xᵢ − cₖ)ᵀ (full and tied covariances);
 * - {@link weightedSquaredDeviations}: Σᵢ rᵢₖ (xᵢ − cₖ)² per column (diagonal and spherical);
 * - {@link mahalanobisTriangular}: ‖(xᵢ − cₖ)·Pₖ‖² with upper-triangular precision Cholesky factors;
 * - {@link mahalanobisDiagonal}: Σⱼ pₖⱼ (xᵢⱼ − cₖⱼ)² with diagonal precisions.
 *
 * Every product works on the centred data, so results do not depend on where the data sits: the
 * `'js'` engine keeps X − x̄ in float64 and loops; the `'tfjs'` engine keeps X − x̄ in float32 row
 * chunks on the active TF.js backend (scaled by a power of two when its magnitude would overflow or
 * underflow float32 products), multiplies in float32 inside a chunk and sums the chunks in float64.
 * Inputs and outputs other than {@link weightedSums}' are in the data's own coordinates and units.
 * @module
 */
import { columnMeans, type Matrix } from '../util/matrix.js';
import { activeTf, type TF } from '../tf/backend.js';
import type { Engine } from './engine.js';

/** The engines that implement the Gaussian products. */
export type GaussianEngine = Exclude<Engine, 'native'>;

/**
 * A data matrix centred once for the Gaussian products (see {@link centreData}); holds backend
 * memory on `'tfjs'` until {@link GaussianData.dispose}.
 */
export interface GaussianData {
  /** The engine every product on this data runs on. */
  readonly engine: GaussianEngine;
  /** Number of rows n. */
  readonly rows: number;
  /** Number of columns d. */
  readonly cols: number;
  /** The column means x̄ (float64) subtracted from every row. */
  readonly mean: Float64Array;
  /** Releases the backend memory (no-op on `'js'`); later products throw. */
  dispose(): void;
}

/** Rows per backend chunk of the `'tfjs'` engine. */
const TF_CHUNK = 8192;

type Tensor2D = ReturnType<TF['tensor2d']>;

/** The centred data of the `'js'` engine. */
interface JsData extends GaussianData {
  readonly engine: 'js';
  /** X − x̄, float64, row-major n × d. */
  readonly centred: Float64Array;
}

/**
 * The centred data of the `'tfjs'` engine. Every product is a plain `matMul(A, B)` without
 * transpose flags (on wasm XNNPACK ≈30–45 GFLOP/s against ≈2.5 with `transposeA`/`transposeB`),
 * so a chunk is uploaded in the layouts its products need, each on first use:
 * `rows` [m, d], `left` [m, h] (the first h columns, for triangular factors) and `cols` [d, m].
 */
interface TfData extends GaussianData {
  readonly engine: 'tfjs';
  readonly tf: TF;
  /** The power of two the centred values were multiplied by on the backend. */
  readonly scale: number;
  /** (X − x̄)·scale, float32 row-major (the source of the chunk layouts). */
  readonly centred32: Float32Array;
  readonly chunks: TfChunk[];
  disposed: boolean;
}

type Layout = 'rows' | 'left' | 'cols';

interface TfChunk {
  readonly start: number;
  readonly size: number;
  tensors: Partial<Record<Layout, Tensor2D>>;
  /** Columns of `left` (0 when not built). */
  leftCols: number;
}

/**
 * Centres X once (column means in float64; on `'tfjs'`, (X − x̄) rounded to float32 only after the
 * subtraction) for the products of this module.
 * @param engine `'js'` (float64 loops) or `'tfjs'` (the active TF.js backend; resolve it with
 *   `resolveEngine` first).
 * @throws Error for `'tfjs'` when no TF.js backend was initialised; RangeError for an empty X.
 * @example
 * const data = centreData(X, 'js');
 * const { weights, sums } = weightedSums(data, resp, k);
 * data.dispose();
 */
export function centreData(x: Matrix, engine: GaussianEngine): GaussianData {
  const { data, rows: n, cols: d } = x;
  if (n < 1 || d < 1) throw new RangeError(`centreData: X must have at least 1 row and 1 column, got ${n} × ${d}.`);
  const mean = columnMeans(x);
  if (engine === 'js') {
    const centred = new Float64Array(n * d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let j = 0; j < d; j++) centred[o + j] = data[o + j]! - mean[j]!;
    }
    const out: JsData = { engine: 'js', rows: n, cols: d, mean, centred, dispose() { /* nothing on the backend */ } };
    return out;
  }
  if (engine !== 'tfjs') throw new RangeError(`centreData: engine must be 'js' or 'tfjs', got ${JSON.stringify(engine)}.`);
  const tf = activeTf();
  if (!tf) throw new Error("centreData: engine 'tfjs' needs a TF.js backend: call `await initBackend()` first, or use engine 'js'.");
  // Centred values of large magnitude overflow float32 products (and their squares), tiny ones
  // underflow: such data goes to the backend scaled by a power of two s (exact), and every result
  // is unscaled in float64.
  let max = 0;
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) {
      const v = Math.abs(data[o + j]! - mean[j]!);
      if (v > max) max = v;
    }
  }
  const scale = !(max > 0) || (max <= 2 ** 32 && max >= 2 ** -32) ? 1 : 2 ** -Math.floor(Math.log2(max));
  const centred32 = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    const o = i * d;
    for (let j = 0; j < d; j++) centred32[o + j] = (data[o + j]! - mean[j]!) * scale;
  }
  const chunks: TfChunk[] = [];
  for (let start = 0; start < n; start += TF_CHUNK) chunks.push({ start, size: Math.min(TF_CHUNK, n - start), tensors: {}, leftCols: 0 });
  const out: TfData = {
    engine: 'tfjs', rows: n, cols: d, mean, tf, scale, centred32, chunks, disposed: false,
    dispose() {
      if (out.disposed) return;
      out.disposed = true;
      for (const c of chunks) for (const t of Object.values(c.tensors)) t?.dispose();
    },
  };
  return out;
}

// ---------------------------------------------------------------------------------------------
// Helpers of the 'tfjs' engine

function tfData(data: GaussianData, what: string): TfData {
  const t = data as TfData;
  if (t.disposed) throw new Error(`${what}: the centred data was disposed; call centreData again.`);
  return t;
}

/** A chunk's tensor in a layout, uploaded on first use (call outside `tf.tidy`). */
function layout(data: TfData, chunk: TfChunk, which: Layout, h = 0): Tensor2D {
  const have = chunk.tensors[which];
  if (have && (which !== 'left' || chunk.leftCols === h)) return have;
  have?.dispose();
  const { tf, cols: d, centred32 } = data;
  const { start, size } = chunk;
  const rows = centred32.subarray(start * d, (start + size) * d);
  let t: Tensor2D;
  if (which === 'rows') {
    t = tf.tensor2d(rows, [size, d], 'float32');
  } else if (which === 'left') {
    const buf = new Float32Array(size * h);
    for (let i = 0; i < size; i++) buf.set(rows.subarray(i * d, i * d + h), i * h);
    t = tf.tensor2d(buf, [size, h], 'float32');
    chunk.leftCols = h;
  } else {
    // Transposed copy in 32 × 32 tiles (cache-friendly).
    const buf = new Float32Array(size * d);
    for (let i0 = 0; i0 < size; i0 += 32) {
      const i1 = Math.min(size, i0 + 32);
      for (let j0 = 0; j0 < d; j0 += 32) {
        const j1 = Math.min(d, j0 + 32);
        for (let j = j0; j < j1; j++) {
          const co = j * size;
          for (let i = i0; i < i1; i++) {
            buf[co + i] = rows[i * d + j]!;
          }
        }
      }
    }
    t = tf.tensor2d(buf, [d, size], 'float32');
  }
  chunk.tensors[which] = t;
  return t;
}

function readAndDispose(t: Tensor2D): Float32Array {
  const v = t.dataSync() as Float32Array;
  t.dispose();
  return v;
}

/**
 * Per-component scale of the responsibilities (weights) sent to the backend: 1 / the component's
 * largest |value|, values below 1e-20 of it set to 0. Tiny responsibilities (e^-100 …) would otherwise become
 * float32 subnormals, which slow XNNPACK's products down several-fold on x86, while their
 * contribution is far below float32 precision. Results for component c are multiplied back by
 * scale[c].
 */
function respScale(resp: Float64Array, n: number, k: number): Float64Array {
  const scale = new Float64Array(k);
  for (let i = 0; i < n * k; i++) { const c = i % k; const a = Math.abs(resp[i]!); if (a > scale[c]!) scale[c] = a; }
  for (let c = 0; c < k; c++) if (!(scale[c]! > 0)) scale[c] = 1;
  return scale;
}

/** Rows start..start+size of resp (all components, or component c only) as scaled float32. */
function scaledResp(resp: Float64Array, k: number, scale: Float64Array, start: number, size: number, c?: number): Float32Array {
  const out = new Float32Array(c === undefined ? size * k : size);
  for (let i = 0; i < size; i++) {
    for (let cc = c ?? 0; cc < (c === undefined ? k : c + 1); cc++) {
      const v = resp[(start + i) * k + cc]! / scale[cc]!;
      out[c === undefined ? i * k + cc : i] = Math.abs(v) >= 1e-20 ? v : 0;
    }
  }
  return out;
}

/** (c − x̄)·scale for k centres (float64). */
function centredCentres(data: GaussianData, centres: ArrayLike<number>, k: number, scale = 1): Float64Array {
  const d = data.cols;
  const out = new Float64Array(k * d);
  for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) out[c * d + j] = (centres[c * d + j]! - data.mean[j]!) * scale;
  return out;
}

function checkResp(what: string, data: GaussianData, resp: ArrayLike<number>, k: number): void {
  if (!Number.isInteger(k) || k < 1 || resp.length !== data.rows * k) {
    throw new RangeError(`${what}: resp must have n × k = ${data.rows} × ${k} = ${data.rows * k} values, got ${resp.length}.`);
  }
}

function checkCentres(what: string, data: GaussianData, centres: ArrayLike<number>, k: number): void {
  if (centres.length !== k * data.cols) {
    throw new RangeError(`${what}: centres must have k × d = ${k} × ${data.cols} = ${k * data.cols} values, got ${centres.length}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// The products

/**
 * Σᵢ rᵢₖ (length k) and Σᵢ rᵢₖ (xᵢ − x̄) (k × d, row-major), in float64: the weighted means are
 * x̄ + sums / weights, computed without the cancellation of large values.
 * @param resp n × k weights, row-major.
 * @throws RangeError when resp is not n × k.
 * @example const { weights, sums } = weightedSums(centreData(X, 'js'), resp, 3);
 */
export function weightedSums(data: GaussianData, resp: Float64Array, k: number): { weights: Float64Array; sums: Float64Array } {
  checkResp('weightedSums', data, resp, k);
  const { rows: n, cols: d } = data;
  const weights = new Float64Array(k);
  for (let i = 0; i < n * k; i++) weights[i % k] += resp[i]!;
  const sums = new Float64Array(k * d);
  if (data.engine === 'js') {
    const x = (data as JsData).centred;
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c]!;
        if (r === 0) continue;
        const mo = c * d;
        for (let j = 0; j < d; j++) sums[mo + j] += r * x[o + j]!;
      }
    }
    return { weights, sums };
  }
  const t = tfData(data, 'weightedSums');
  const { tf } = t;
  const scale = respScale(resp, n, k);
  // Xcᵀ·R: [d, k] per chunk, summed in float64.
  for (const chunk of t.chunks) {
    const xct = layout(t, chunk, 'cols');
    const v = readAndDispose(tf.tidy(() => tf.matMul(xct, tf.tensor2d(scaledResp(resp, k, scale, chunk.start, chunk.size), [chunk.size, k], 'float32'))));
    for (let j = 0; j < d; j++) for (let c = 0; c < k; c++) sums[c * d + j] += v[j * k + c]! * scale[c]!;
  }
  if (t.scale !== 1) for (let i = 0; i < k * d; i++) sums[i] /= t.scale;
  return { weights, sums };
}

/**
 * Weighted scatter matrices Σᵢ rᵢₖ (xᵢ − cₖ)(xᵢ − cₖ)ᵀ, each d × d (k·d·d values, row-major,
 * symmetric), float64. Without resp: one matrix, every row weighted 1 (k = 1), e.g. the total
 * scatter around `data.mean`.
 * @param resp n × k weights, or undefined for all ones and k = 1.
 * @param centres k × d, in the data's coordinates.
 * @throws RangeError for mismatched sizes.
 * @example const scatter = weightedScatter(data, undefined, 1, data.mean); // (X − x̄)ᵀ(X − x̄)
 */
export function weightedScatter(data: GaussianData, resp: Float64Array | undefined, k: number, centres: ArrayLike<number>): Float64Array {
  if (resp === undefined) {
    if (k !== 1) throw new RangeError(`weightedScatter: without resp, k must be 1, got ${k}.`);
  } else {
    checkResp('weightedScatter', data, resp, k);
  }
  checkCentres('weightedScatter', data, centres, k);
  const { rows: n, cols: d } = data;
  const out = new Float64Array(k * d * d);
  if (data.engine === 'js') {
    const x = (data as JsData).centred;
    const mu = centredCentres(data, centres, k);
    const diff = new Float64Array(d);
    for (let c = 0; c < k; c++) {
      const co = c * d * d;
      const mo = c * d;
      for (let i = 0; i < n; i++) {
        const r = resp === undefined ? 1 : resp[i * k + c]!;
        if (r === 0) continue;
        const o = i * d;
        for (let j = 0; j < d; j++) diff[j] = x[o + j]! - mu[mo + j]!;
        for (let a = 0; a < d; a++) {
          const ra = r * diff[a]!;
          const ro = co + a * d;
          for (let b = a; b < d; b++) out[ro + b] += ra * diff[b]!;
        }
      }
      for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) out[co + a * d + b] = out[co + b * d + a]!;
    }
    return out;
  }
  const t = tfData(data, 'weightedScatter');
  const { tf } = t;
  const s2 = t.scale * t.scale;
  const mu = centredCentres(data, centres, k, t.scale);
  const scale = resp === undefined ? Float64Array.of(1) : respScale(resp, n, k);
  const acc = new Float64Array(d * d);
  for (let c = 0; c < k; c++) {
    acc.fill(0);
    const mc = mu.subarray(c * d, (c + 1) * d);
    const atMean = mc.every((v) => v === 0);
    const mRow = tf.tensor2d(Float32Array.from(mc), [1, d], 'float32');
    const mCol = tf.reshape(mRow, [d, 1]);
    try {
      for (const chunk of t.chunks) {
        const xc = layout(t, chunk, 'rows');
        const xct = layout(t, chunk, 'cols');
        const r = resp === undefined ? undefined : scaledResp(resp, k, scale, chunk.start, chunk.size, c);
        // (Xc − μ')ᵀ·diag(r)·(Xc − μ'), exactly centred.
        const v = readAndDispose(tf.tidy(() => {
          const w = atMean ? xc : tf.sub(xc, mRow);
          let wt = atMean ? xct : tf.sub(xct, mCol);
          if (r !== undefined) wt = tf.mul(wt, tf.tensor2d(r, [1, chunk.size], 'float32'));
          return tf.matMul(wt, w);
        }));
        for (let i = 0; i < d * d; i++) acc[i] += v[i]!;
      }
    } finally { mRow.dispose(); mCol.dispose(); }
    const f = scale[c]! / s2;
    const co = c * d * d;
    for (let a = 0; a < d; a++) {
      for (let b = a; b < d; b++) {
        const v = 0.5 * (acc[a * d + b]! + acc[b * d + a]!) * f;
        out[co + a * d + b] = v;
        out[co + b * d + a] = v;
      }
    }
  }
  return out;
}

/**
 * Weighted squared deviations per column, Σᵢ rᵢₖ (xᵢⱼ − cₖⱼ)² (k × d, row-major), float64: the
 * diagonals of {@link weightedScatter} at O(n·k·d) cost.
 * @param resp n × k weights. @param centres k × d, in the data's coordinates.
 * @throws RangeError for mismatched sizes.
 * @example const dev = weightedSquaredDeviations(data, resp, k, means);
 */
export function weightedSquaredDeviations(data: GaussianData, resp: Float64Array, k: number, centres: ArrayLike<number>): Float64Array {
  checkResp('weightedSquaredDeviations', data, resp, k);
  checkCentres('weightedSquaredDeviations', data, centres, k);
  const { rows: n, cols: d } = data;
  const out = new Float64Array(k * d);
  if (data.engine === 'js') {
    const x = (data as JsData).centred;
    const mu = centredCentres(data, centres, k);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < k; c++) {
        const r = resp[i * k + c]!;
        if (r === 0) continue;
        const mo = c * d;
        for (let j = 0; j < d; j++) {
          const v = x[o + j]! - mu[mo + j]!;
          out[mo + j] += r * v * v;
        }
      }
    }
    return out;
  }
  const t = tfData(data, 'weightedSquaredDeviations');
  const { tf } = t;
  const mu = centredCentres(data, centres, k, t.scale);
  const scale = respScale(resp, n, k);
  // Exactly centred on each centre (Σr x'² − 2μ'Σr x' + μ'²Σr would cancel in float32 when a
  // centre is far from the data's mean compared with its spread): per chunk the k blocks
  // (Xcᵀ − μ'ₖ)² [k, d, m] times rₖ [k, m, 1] as one batched product, summed in float64.
  const muCol = tf.tensor3d(Float32Array.from(mu), [k, d, 1], 'float32');
  const acc = new Float64Array(k * d);
  try {
    for (const chunk of t.chunks) {
      const { start, size } = chunk;
      const xct = layout(t, chunk, 'cols');
      const r = new Float32Array(k * size);
      const rs = scaledResp(resp, k, scale, start, size);
      for (let i = 0; i < size; i++) for (let c = 0; c < k; c++) r[c * size + i] = rs[i * k + c]!;
      const v = tf.tidy(() => {
        const dev = tf.square(tf.sub(tf.reshape(xct, [1, d, size]), muCol));
        return tf.matMul(dev, tf.tensor3d(r, [k, size, 1], 'float32'));
      });
      const vals = v.dataSync() as Float32Array;
      v.dispose();
      for (let c = 0; c < k; c++) for (let j = 0; j < d; j++) acc[c * d + j] += vals[c * d + j]! * scale[c]!;
    }
  } finally { muCol.dispose(); }
  const s2 = t.scale * t.scale;
  for (let i = 0; i < k * d; i++) out[i] = acc[i]! / s2;
  return out;
}

/**
 * Squared norms ‖(xᵢ − cₖ)·Pₖ‖² for every row i and component k (n × k, row-major, float64), with
 * Pₖ upper triangular (the Cholesky factor of a precision, P·Pᵀ = Σ⁻¹): squared Mahalanobis
 * distances.
 * @param centres k × d, in the data's coordinates.
 * @param factors k·d·d values (one factor per centre), or d·d with `shared` (one for all).
 * @throws RangeError for mismatched sizes.
 * @example const maha = mahalanobisTriangular(data, means, precChol, false);
 */
export function mahalanobisTriangular(data: GaussianData, centres: ArrayLike<number>, factors: Float64Array, shared: boolean): Float64Array {
  const { rows: n, cols: d } = data;
  const k = centres.length / d;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`mahalanobisTriangular: centres must have k × d values (d = ${d}), got ${centres.length}.`);
  const m = shared ? 1 : k;
  if (factors.length !== m * d * d) {
    throw new RangeError(`mahalanobisTriangular: factors must have ${shared ? 'd × d' : 'k × d × d'} = ${m * d * d} values, got ${factors.length}.`);
  }
  const out = new Float64Array(n * k);
  if (data.engine === 'js') {
    const x = (data as JsData).centred;
    const mu = centredCentres(data, centres, k);
    const diff = new Float64Array(d);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < k; c++) {
        const po = shared ? 0 : c * d * d;
        const mo = c * d;
        for (let j = 0; j < d; j++) diff[j] = x[o + j]! - mu[mo + j]!;
        // y = diff · P with P upper triangular: y_j = Σ_{a ≤ j} diff_a P[a, j].
        let s = 0;
        for (let j = 0; j < d; j++) {
          let y = 0;
          for (let a = 0; a <= j; a++) y += diff[a]! * factors[po + a * d + j]!;
          s += y * y;
        }
        out[i * k + c] = s;
      }
    }
    return out;
  }
  const t = tfData(data, 'mahalanobisTriangular');
  const { tf } = t;
  // In the backend's units: μ' = (c − x̄)·s, P' = P / s (the distances are unchanged).
  const mu = centredCentres(data, centres, k, t.scale);
  const p = t.scale === 1 ? factors : factors.map((v) => v / t.scale);
  // b [k·d] = μ'c·P(c), in float64.
  const b = new Float32Array(k * d);
  for (let c = 0; c < k; c++) {
    const po = shared ? 0 : c * d * d;
    for (let j = 0; j < d; j++) {
      let s = 0;
      for (let a = 0; a <= j; a++) s += mu[c * d + a]! * p[po + a * d + j]!;
      b[c * d + j] = s;
    }
  }
  // P is upper triangular: columns j < h only need rows a < h. Two products,
  // Xc[:, :h]·[P₁[:h, :h] …] and Xc·[P₁[:, h:] …], skip the zero block (¼ of the work); small d
  // is not split.
  const h = d >= 32 ? d >> 1 : 0;
  const blocks = (rows: number, lo: number, hi: number): Float32Array => {
    const w = hi - lo;
    const buf = new Float32Array(rows * m * w);
    for (let c = 0; c < m; c++) {
      for (let a = 0; a < rows; a++) for (let j = lo; j < hi; j++) buf[a * m * w + c * w + (j - lo)] = p[c * d * d + a * d + j]!;
    }
    return buf;
  };
  const bias = (lo: number, hi: number): Float32Array => {
    const w = hi - lo;
    const buf = new Float32Array(k * w);
    for (let c = 0; c < k; c++) for (let j = lo; j < hi; j++) buf[c * w + (j - lo)] = b[c * d + j]!;
    return buf;
  };
  const parts = h > 0 ? [{ lo: 0, hi: h, left: true }, { lo: h, hi: d, left: false }] : [{ lo: 0, hi: d, left: false }];
  const tensors = parts.map(({ lo, hi, left }) => ({
    left,
    w: hi - lo,
    p: tf.tensor2d(blocks(left ? hi : d, lo, hi), [left ? hi : d, m * (hi - lo)], 'float32'),
    b: tf.tensor2d(bias(lo, hi), [1, k * (hi - lo)], 'float32'),
  }));
  try {
    for (const chunk of t.chunks) {
      const { start, size } = chunk;
      const inputs = tensors.map((q) => (q.left ? layout(t, chunk, 'left', h) : layout(t, chunk, 'rows')));
      const v = readAndDispose(tf.tidy(() => {
        let total: Tensor2D | undefined;
        tensors.forEach((q, qi) => {
          let y = tf.matMul(inputs[qi]!, q.p); // [size, m·w]
          if (m === 1 && k > 1) y = tf.tile(y, [1, k]);
          const part = tf.sum(tf.reshape(tf.square(tf.sub(y, q.b)), [size, k, q.w]), 2) as Tensor2D;
          total = total ? (tf.add(total, part) as Tensor2D) : part;
        });
        return total!;
      }));
      for (let i = 0; i < size * k; i++) out[start * k + i] = v[i]!;
    }
  } finally { for (const q of tensors) { q.p.dispose(); q.b.dispose(); } }
  return out;
}

/**
 * Squared Mahalanobis distances with diagonal precisions, Σⱼ pₖⱼ (xᵢⱼ − cₖⱼ)² (n × k, row-major,
 * float64).
 * @param centres k × d, in the data's coordinates. @param precisions k × d values pₖⱼ = 1/σ²ₖⱼ.
 * @throws RangeError for mismatched sizes.
 * @example const maha = mahalanobisDiagonal(data, means, precisions);
 */
export function mahalanobisDiagonal(data: GaussianData, centres: ArrayLike<number>, precisions: Float64Array): Float64Array {
  const { rows: n, cols: d } = data;
  const k = centres.length / d;
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`mahalanobisDiagonal: centres must have k × d values (d = ${d}), got ${centres.length}.`);
  if (precisions.length !== k * d) throw new RangeError(`mahalanobisDiagonal: precisions must have k × d = ${k * d} values, got ${precisions.length}.`);
  const out = new Float64Array(n * k);
  if (data.engine === 'js') {
    const x = (data as JsData).centred;
    const mu = centredCentres(data, centres, k);
    for (let i = 0; i < n; i++) {
      const o = i * d;
      for (let c = 0; c < k; c++) {
        const mo = c * d;
        let s = 0;
        for (let j = 0; j < d; j++) {
          const v = x[o + j]! - mu[mo + j]!;
          s += precisions[mo + j]! * v * v;
        }
        out[i * k + c] = s;
      }
    }
    return out;
  }
  const t = tfData(data, 'mahalanobisDiagonal');
  const { tf } = t;
  // In the backend's units: μ' = (c − x̄)·s, √p' = √p / s. Each distance is formed from its
  // first-order terms, yₖⱼ = x'ⱼ√pₖⱼ − μ'ₖⱼ√pₖⱼ, then squared (expanding the square would
  // cancel in float32 for centres far from the mean compared with their spread).
  const mu = centredCentres(data, centres, k, t.scale);
  const root = new Float32Array(k * d);
  const bias = new Float32Array(k * d);
  for (let i = 0; i < k * d; i++) {
    const q = Math.sqrt(precisions[i]!) / t.scale;
    root[i] = q;
    bias[i] = mu[i]! * q;
  }
  const rootT = tf.tensor3d(root, [1, k, d], 'float32');
  const biasT = tf.tensor3d(bias, [1, k, d], 'float32');
  try {
    for (const chunk of t.chunks) {
      const { start, size } = chunk;
      const xc = layout(t, chunk, 'rows');
      const v = readAndDispose(tf.tidy(() => {
        const y = tf.sub(tf.mul(tf.reshape(xc, [size, 1, d]), rootT), biasT); // [size, k, d]
        return tf.sum(tf.square(y), 2) as Tensor2D;
      }));
      out.set(v, start * k);
    }
  } finally { rootT.dispose(); biasT.dispose(); }
  return out;
}
