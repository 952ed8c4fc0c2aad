// Direct float64 reference loops for the kernel tests (NHWC, dilation 1).
import { createRandom } from '../../src/util/random.js';

/** Uniform random values in [-1, 1] without zeros (and no exact ties). */
export function randomArray(n: number, seed: number): Float32Array {
  const rng = createRandom(seed);
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let v = 0;
    while (Math.abs(v) < 1e-3) v = 2 * rng.next() - 1;
    a[i] = v;
  }
  return a;
}

export interface ConvGeometry {
  B: number; H: number; W: number; Ci: number; Co: number; KH: number; KW: number;
  sh: number; sw: number; OH: number; OW: number; pt: number; pl: number;
}

/** Output size and top/left padding as TensorFlow computes them for 'same' and 'valid'. */
export function convGeometry(
  B: number, H: number, W: number, Ci: number, Co: number, KH: number, KW: number, s: number, pad: 'same' | 'valid',
): ConvGeometry {
  const axis = (n: number, k: number) => {
    if (pad === 'valid') return { out: Math.ceil((n - k + 1) / s), before: 0 };
    const out = Math.ceil(n / s);
    const total = Math.max((out - 1) * s + k - n, 0);
    return { out, before: Math.floor(total / 2) };
  };
  const h = axis(H, KH);
  const w = axis(W, KW);
  return { B, H, W, Ci, Co, KH, KW, sh: s, sw: s, OH: h.out, OW: w.out, pt: h.before, pl: w.before };
}

/** Calls f(b, oh, ow, kh, kw, xIndexBase) for every in-bounds (output, tap) pair; xIndexBase = offset of x[b,r,c,0]. */
function forEachTap(g: ConvGeometry, f: (b: number, oh: number, ow: number, kh: number, kw: number, xBase: number) => void): void {
  for (let b = 0; b < g.B; b++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let kh = 0; kh < g.KH; kh++) {
          const r = oh * g.sh + kh - g.pt;
          if (r < 0 || r >= g.H) continue;
          for (let kw = 0; kw < g.KW; kw++) {
            const c = ow * g.sw + kw - g.pl;
            if (c < 0 || c >= g.W) continue;
            f(b, oh, ow, kh, kw, ((b * g.H + r) * g.W + c) * g.Ci);
          }
        }
}

/** dL/dW for L = Σ conv2d(x, W) · dy. */
export function convBackpropFilterRef(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dw = new Float64Array(g.KH * g.KW * g.Ci * g.Co);
  forEachTap(g, (b, oh, ow, kh, kw, xBase) => {
    const yBase = ((b * g.OH + oh) * g.OW + ow) * g.Co;
    for (let ci = 0; ci < g.Ci; ci++)
      for (let co = 0; co < g.Co; co++) dw[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co]! += x[xBase + ci]! * dy[yBase + co]!;
  });
  return dw;
}

/** dL/dx for L = Σ conv2d(x, W) · dy. */
export function convBackpropInputRef(w: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(g.B * g.H * g.W * g.Ci);
  forEachTap(g, (b, oh, ow, kh, kw, xBase) => {
    const yBase = ((b * g.OH + oh) * g.OW + ow) * g.Co;
    for (let ci = 0; ci < g.Ci; ci++)
      for (let co = 0; co < g.Co; co++) dx[xBase + ci]! += w[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co]! * dy[yBase + co]!;
  });
  return dx;
}

/** dL/dx for L = Σ maxPool(x) · dy: each dy goes to its window's (unique) maximum. */
export function maxPoolGradRef(x: Float32Array, dy: Float32Array, g: ConvGeometry): Float64Array {
  const dx = new Float64Array(x.length);
  const C = g.Ci;
  for (let b = 0; b < g.B; b++)
    for (let oh = 0; oh < g.OH; oh++)
      for (let ow = 0; ow < g.OW; ow++)
        for (let c = 0; c < C; c++) {
          let best = -Infinity;
          let at = -1;
          for (let kh = 0; kh < g.KH; kh++)
            for (let kw = 0; kw < g.KW; kw++) {
              const r = oh * g.sh + kh - g.pt;
              const col = ow * g.sw + kw - g.pl;
              if (r < 0 || r >= g.H || col < 0 || col >= g.W) continue;
              const i = ((b * g.H + r) * g.W + col) * C + c;
              if (x[i]! > best) { best = x[i]!; at = i; }
            }
          dx[at]! += dy[((b * g.OH + oh) * g.OW + ow) * C + c]!;
        }
  return dx;
}

/** Largest |a − b| relative to the largest |b| (plus a floor for tiny gradients). */
export function maxRelError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} != ${expected.length}`);
  let scale = 1e-3;
  let err = 0;
  for (let i = 0; i < expected.length; i++) {
    scale = Math.max(scale, Math.abs(expected[i]!));
    err = Math.max(err, Math.abs(actual[i]! - expected[i]!));
  }
  return err / scale;
}

/** conv2d(x, W) + bias, then an activation. */
export function convForwardRef(
  x: Float32Array, w: Float32Array, bias: Float32Array | undefined, activation: 'linear' | 'relu' | 'sigmoid', g: ConvGeometry,
): Float64Array {
  const y = new Float64Array(g.B * g.OH * g.OW * g.Co);
  forEachTap(g, (b, oh, ow, kh, kw, xBase) => {
    const yBase = ((b * g.OH + oh) * g.OW + ow) * g.Co;
    for (let ci = 0; ci < g.Ci; ci++)
      for (let co = 0; co < g.Co; co++) y[yBase + co]! += x[xBase + ci]! * w[((kh * g.KW + kw) * g.Ci + ci) * g.Co + co]!;
  });
  for (let i = 0; i < y.length; i++) {
    const v = y[i]! + (bias ? bias[i % g.Co]! : 0);
    y[i] = activation === 'relu' ? Math.max(v, 0) : activation === 'sigmoid' ? 1 / (1 + Math.exp(-v)) : v;
  }
  return y;
}
