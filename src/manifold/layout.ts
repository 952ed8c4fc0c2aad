/**
 * UMAP's layout optimisation: stochastic gradient descent on the fuzzy cross-entropy with edge
 * sampling and negative sampling (umap-learn 0.5's `optimize_layout_euclidean`, sequential): each
 * edge is sampled every `epochsPerSample` epochs (its weight relative to the heaviest edge), with
 * `negativeSampleRate` random repulsive samples per positive sample, gradients clipped to ±4 and a
 * learning rate decaying linearly to 0.
 * @module
 */

/** What one run of {@link optimizeLayout} needs. */
export interface LayoutProblem {
  /** Row-major positions being optimised (nHead × dim), updated in place. */
  readonly head: Float32Array;
  /** Positions of the edge tails (nTail × dim); the same array as `head` when embedding the data itself. */
  readonly tail: Float32Array;
  readonly dim: number;
  /** Edge e goes from head row `edgeHead[e]` to tail row `edgeTail[e]`. */
  readonly edgeHead: Int32Array;
  readonly edgeTail: Int32Array;
  /** Epochs between two samples of each edge (≥ 1; the heaviest edge is sampled every epoch). */
  readonly epochsPerSample: Float64Array;
  /** Number of tail rows (negative samples are drawn uniformly among them). */
  readonly nVertices: number;
  readonly nEpochs: number;
  readonly a: number;
  readonly b: number;
  /** Weight of the repulsive samples (umap-learn's `repulsion_strength`, 1). */
  readonly gamma: number;
  readonly initialAlpha: number;
  readonly negativeSampleRate: number;
  /** Move the tail of each sampled edge too (true when head and tail are the same set). */
  readonly moveOther: boolean;
  /** 32-bit seed of the sampling generator (non-zero). */
  readonly seed: number;
}

/** Edge weights → epochs between samples: max(w) / w (umap-learn's `make_epochs_per_sample`). */
export function epochsPerSample(weights: Float32Array): Float64Array {
  let max = 0;
  for (let i = 0; i < weights.length; i++) if (weights[i]! > max) max = weights[i]!;
  const out = new Float64Array(weights.length);
  for (let i = 0; i < weights.length; i++) out[i] = weights[i]! > 0 ? max / weights[i]! : -1;
  return out;
}

/**
 * Runs the optimisation; `onEpoch(done, total)` after each epoch.
 * Sequential and driven by one seeded xorshift stream: the same problem gives the same layout.
 */
export function optimizeLayout(p: LayoutProblem, onEpoch?: (done: number, total: number) => void): void {
  const { head, tail, dim, edgeHead, edgeTail, nVertices, nEpochs, a, b, gamma, initialAlpha, negativeSampleRate, moveOther } = p;
  const eps = p.epochsPerSample;
  const nEdges = eps.length;
  const epochOfNextSample = Float64Array.from(eps);
  const epsNeg = new Float64Array(nEdges);
  for (let e = 0; e < nEdges; e++) epsNeg[e] = eps[e]! / negativeSampleRate;
  const epochOfNextNegative = Float64Array.from(epsNeg);
  const sameSet = head === tail;
  let state = (p.seed | 0) || 0x2545f491; // int32 from the start (keeps V8 on integer code)
  const twoAB = 2 * a * b;
  const twoGammaB = 2 * gamma * b;
  const scale = nVertices / 4294967296;
  let alpha = initialAlpha;
  for (let n = 0; n < nEpochs; n++) {
    for (let e = 0; e < nEdges; e++) {
      if (epochOfNextSample[e]! > n) continue;
      const j = edgeHead[e]!;
      const k = edgeTail[e]!;
      const jo = j * dim;
      let ko = k * dim;
      let d2 = 0;
      for (let d = 0; d < dim; d++) {
        const t = head[jo + d]! - tail[ko + d]!;
        d2 += t * t;
      }
      if (d2 > 0) {
        // d^(2(b−1)) = d^(2b) / d²: one pow per sample.
        const pb = powPositive(d2, b);
        const coeff = (-twoAB * pb) / (d2 * (a * pb + 1));
        if (moveOther) {
          for (let d = 0; d < dim; d++) {
            let g = coeff * (head[jo + d]! - tail[ko + d]!);
            g = (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
            head[jo + d] += g;
            tail[ko + d] -= g;
          }
        } else {
          for (let d = 0; d < dim; d++) {
            const g = coeff * (head[jo + d]! - tail[ko + d]!);
            head[jo + d] += (g > 4 ? 4 : g < -4 ? -4 : g) * alpha;
          }
        }
      }
      epochOfNextSample[e] += eps[e]!;
      const nNeg = Math.floor((n - epochOfNextNegative[e]!) / epsNeg[e]!);
      for (let q = 0; q < nNeg; q++) {
        state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
        const r = ((state >>> 0) * scale) | 0; // uniform in [0, nVertices): no (slow) float modulo
        ko = r * dim;
        let s2 = 0;
        for (let d = 0; d < dim; d++) {
          const t = head[jo + d]! - tail[ko + d]!;
          s2 += t * t;
        }
        if (s2 > 0) {
          const coeff = twoGammaB / ((0.001 + s2) * (a * powPositive(s2, b) + 1));
          for (let d = 0; d < dim; d++) {
            let g = coeff * (head[jo + d]! - tail[ko + d]!);
            g = g > 4 ? 4 : g < -4 ? -4 : g;
            head[jo + d] += g * alpha;
          }
        } else if (sameSet && r === j) {
          continue;
        }
      }
      epochOfNextNegative[e] += nNeg * epsNeg[e]!;
    }
    alpha = initialAlpha * (1 - n / nEpochs);
    onEpoch?.(n + 1, nEpochs);
  }
}

const f64 = new Float64Array(1);
const i32 = new Int32Array(f64.buffer);
/** POW2[k + 1075] = 2^k for k in −1074..1023. */
const POW2 = (() => {
  const t = new Float64Array(2100);
  for (let k = -1074; k <= 1023; k++) t[k + 1075] = Math.pow(2, k);
  return t;
})();

/**
 * x^b for finite x > 0 to ≈1e-7 relative error, faster than `Math.pow` in V8 (the layout's hot
 * path takes one per sample): log₂ x from the exponent bits plus an atanh series on the mantissa
 * (reduced to [√½, √2)), 2^y as a table power of two times a degree-8 Taylor polynomial of
 * e^(frac·ln 2). Subnormal or extreme inputs fall back to `Math.pow`.
 * @example powPositive(4, 0.5) // ≈ 2
 */
export function powPositive(x: number, b: number): number {
  f64[0] = x;
  let e = (i32[1]! >> 20) - 1023;
  if (e === -1023) return Math.pow(x, b);
  let m = x * POW2[1075 - e]!;
  if (m > 1.4142135623730951) { m *= 0.5; e++; }
  const t = (m - 1) / (m + 1);
  const t2 = t * t;
  const y = b * (e + t * (2.8853900817779268 + t2 * (0.9617966939259756 + t2 * (0.5770780163555854 + t2 * 0.41219858311113244))));
  if (y < -1020 || y > 1020) return Math.pow(x, b);
  const n = Math.floor(y);
  const f = (y - n) * 0.6931471805599453;
  const p = 1 + f * (1 + f * (0.5 + f * (0.16666666666666666 + f * (0.041666666666666664 + f * (0.008333333333333333 + f * (0.001388888888888889 + f * (0.0001984126984126984 + f * 0.0000248015873015873)))))));
  return p * POW2[n + 1075]!;
}
