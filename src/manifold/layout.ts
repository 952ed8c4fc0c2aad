/**
 * UMAP's layout optimisation: stochastic gradient descent on the fuzzy cross-entropy with edge
 * sampling and negative sampling (umap-learn 0.5's `optimize_layout_euclidean`): each edge is
 * sampled every `epochsPerSample` epochs (its weight relative to the heaviest edge), with
 * `negativeSampleRate` random repulsive samples per positive sample, gradients clipped to ±4 and a
 * learning rate decaying linearly to 0. Deterministic for a seed, on a block schedule that lets
 * the compiled kernel (src/native) use several threads; see {@link optimizeLayout}.
 * The squared distances and gradients here are between positions of the low-dimensional embedding
 * (float32, 2–few dimensions, rounded step by step to match native/src/umap_sgd.c): they are
 * UMAP's optimisation itself, not distances of the data, so they stay here rather than on the
 * compute floor (src/linalg), whose distances are of the data and are centred for that.
 * @module
 */
import * as os from 'node:os';
import { nativeKernels } from '../native/index.js';
import { resolveEngine, type EngineOption } from '../linalg/index.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)

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
 * Which implementation runs the SGD epochs: the compiled kernel (`'native'`, src/native) or the
 * TypeScript loop (`'js'`); `'auto'`: the compiled one when it loads. The floor's vocabulary
 * ({@link EngineOption}); there is no `'tfjs'` layout.
 */
export type LayoutEngine = EngineOption;

/**
 * Vertex blocks of the schedule. The layout depends on this number, never on the threads that run
 * it: the compiled kernel runs the blocks in parallel, the TypeScript loop one after the other.
 */
export const LAYOUT_BLOCKS = 2;

/** How {@link optimizeLayout} ran. */
export interface LayoutRun {
  readonly engine: 'native' | 'js';
  readonly threads: number;
  /** Fraction of the edges that join two blocks (they run after the blocks, on one thread). */
  readonly crossFraction: number;
}

/**
 * The edges reordered block by block: `blockStart[b]..blockStart[b + 1]` are the edges inside
 * block b (b < blocks), the last range the edges joining two blocks.
 */
interface BlockSchedule {
  readonly edgeHead: Int32Array;
  readonly edgeTail: Int32Array;
  readonly epochsPerSample: Float64Array;
  readonly blockStart: Int32Array;
}

/**
 * Runs the optimisation; `onEpoch(done, total)` after each epoch. Returns how it ran.
 *
 * The schedule (why the same seed gives the same layout on one thread or several): the head rows
 * are split into {@link LAYOUT_BLOCKS} balanced blocks (when the tail moves too, by connected
 * component and along the first coordinate of the starting layout, so that few edges join two
 * blocks, see {@link vertexBlocks}; otherwise by row index).
 * In every epoch the edges inside each block are visited in order with that block's own xorshift
 * stream, then the edges between blocks; repulsive samples read the positions as they were at the
 * start of the epoch. No step reads what another block writes in the same phase, so the blocks can
 * run in parallel and the result is the same bit for bit (both engines round every product to
 * float32 in the same order). Apart from this schedule and the one-epoch-old repulsive positions,
 * the updates are umap-learn's.
 * @throws Error when `engine: 'native'` is asked for and the addon is not available.
 */
export function optimizeLayout(
  p: LayoutProblem,
  onEpoch?: (done: number, total: number) => void,
  options: { engine?: LayoutEngine; threads?: number } = {},
): LayoutRun {
  checkProblem(p);
  const engine = options.engine ?? 'auto';
  const native = resolveEngine(engine, { work: 0, supports: ['js', 'native'], what: 'UMAP layout' }) === 'native' ? nativeKernels() : undefined;
  const sched = blockSchedule(p, LAYOUT_BLOCKS);
  const eps = sched.epochsPerSample;
  const epochsPerNegative = new Float64Array(eps.length);
  for (let e = 0; e < eps.length; e++) epochsPerNegative[e] = eps[e]! / p.negativeSampleRate;
  const nextSample = Float64Array.from(eps);
  const nextNegative = Float64Array.from(epochsPerNegative);
  const states = new Uint32Array(LAYOUT_BLOCKS + 1);
  for (let b = 0; b <= LAYOUT_BLOCKS; b++) states[b] = streamSeed(p.seed, b);
  // Repulsive samples read the epoch's starting positions; a tail that never moves is its own snapshot.
  const snapshot = p.moveOther ? new Float32Array(p.nVertices * p.dim) : p.tail;
  const threads = native ? Math.max(1, Math.min(LAYOUT_BLOCKS, options.threads ?? os.availableParallelism())) : 1;
  let alpha = p.initialAlpha;
  for (let n = 0; n < p.nEpochs; n++) {
    throwIfInterrupted(`UMAP's layout, epoch ${n + 1}/${p.nEpochs}`);
    if (p.moveOther) snapshot.set(p.tail.subarray(0, snapshot.length));
    if (native) {
      native.umapSgdEpoch(
        p.head, p.tail, snapshot, p.dim, sched.edgeHead, sched.edgeTail, eps, epochsPerNegative, nextSample, nextNegative,
        sched.blockStart, states, p.nVertices, n, alpha, p.a, p.b, p.gamma, p.moveOther ? 1 : 0, threads,
      );
    } else {
      const k: SgdKernel = { p, sched, epochsPerNegative, nextSample, nextNegative, snapshot, n, alpha: Math.fround(alpha) };
      for (let b = 0; b <= LAYOUT_BLOCKS; b++) states[b] = sgdRange(k, sched.blockStart[b]!, sched.blockStart[b + 1]!, states[b]!);
    }
    alpha = p.initialAlpha * (1 - n / p.nEpochs);
    onEpoch?.(n + 1, p.nEpochs);
  }
  const nEdges = sched.edgeHead.length;
  return {
    engine: native ? 'native' : 'js',
    threads,
    crossFraction: nEdges > 0 ? (nEdges - sched.blockStart[LAYOUT_BLOCKS]!) / nEdges : 0,
  };
}

/** Seed of block b's stream (block `blocks` is the edges between blocks): non-zero, distinct per block. */
function streamSeed(seed: number, b: number): number {
  let h = (Math.imul((seed | 0) ^ 0x2545f491, 0x9e3779b1) + Math.imul(b + 1, 0x85ebca6b)) | 0;
  h ^= h >>> 16; h = Math.imul(h, 0x7feb352d); h ^= h >>> 15;
  return (h >>> 0) || 0x2545f491;
}

/** Array lengths and edge endpoints (the compiled kernel trusts the endpoints). */
function checkProblem(p: LayoutProblem): void {
  if (!Number.isInteger(p.dim) || p.dim < 1 || p.head.length % p.dim !== 0) {
    throw new RangeError(`optimizeLayout: dim = ${p.dim} does not divide the head's ${p.head.length} values.`);
  }
  const nHead = p.head.length / p.dim;
  if (p.edgeHead.length !== p.edgeTail.length || p.edgeHead.length !== p.epochsPerSample.length) {
    throw new RangeError('optimizeLayout: edgeHead, edgeTail and epochsPerSample must have one entry per edge.');
  }
  if (!Number.isInteger(p.nVertices) || p.nVertices < 1 || p.tail.length < p.nVertices * p.dim) {
    throw new RangeError(`optimizeLayout: the tail must hold nVertices = ${p.nVertices} rows.`);
  }
  if (p.moveOther && p.head !== p.tail) throw new RangeError('optimizeLayout: moveOther needs head and tail to be the same array.');
  for (let e = 0; e < p.edgeHead.length; e++) {
    const j = p.edgeHead[e]!, k = p.edgeTail[e]!;
    if (!(j >= 0 && j < nHead && k >= 0 && k < p.nVertices)) {
      throw new RangeError(`optimizeLayout: edge ${e} (${j} → ${k}) is outside the ${nHead} head and ${p.nVertices} tail rows.`);
    }
  }
}

/** The edges grouped by block (stable within a block), see {@link optimizeLayout}. */
function blockSchedule(p: LayoutProblem, blocks: number): BlockSchedule {
  const nHead = p.head.length / p.dim;
  const blockOf = p.moveOther ? vertexBlocks(p, blocks) : new Int32Array(nHead);
  if (!p.moveOther) for (let i = 0; i < nHead; i++) blockOf[i] = Math.floor((i * blocks) / nHead);
  const nEdges = p.edgeHead.length;
  const edgeBlock = new Int32Array(nEdges);
  const count = new Int32Array(blocks + 2);
  for (let e = 0; e < nEdges; e++) {
    const bj = blockOf[p.edgeHead[e]!]!;
    const b = !p.moveOther || bj === blockOf[p.edgeTail[e]!] ? bj : blocks;
    edgeBlock[e] = b;
    count[b + 1]!++;
  }
  for (let b = 0; b <= blocks; b++) count[b + 1] += count[b]!;
  const blockStart = Int32Array.from(count);
  const edgeHead = new Int32Array(nEdges), edgeTail = new Int32Array(nEdges), epochsPerSample = new Float64Array(nEdges);
  for (let e = 0; e < nEdges; e++) {
    const at = count[edgeBlock[e]!]!++;
    edgeHead[at] = p.edgeHead[e]!;
    edgeTail[at] = p.edgeTail[e]!;
    epochsPerSample[at] = p.epochsPerSample[e]!;
  }
  return { edgeHead, edgeTail, epochsPerSample, blockStart };
}

/**
 * Balanced vertex blocks with few edges between them: whole connected components, largest first,
 * go to the emptiest block while they fit; a component that does not fit is cut at its vertices'
 * order along the first coordinate of the starting layout (for a spectral start, the Fiedler
 * vector: a spectral bisection), filling the blocks in turn.
 */
function vertexBlocks(p: LayoutProblem, blocks: number): Int32Array {
  const n = p.nVertices;
  const root = Int32Array.from({ length: n }, (_, i) => i);
  const find = (i: number): number => {
    while (root[i] !== i) { root[i] = root[root[i]!]!; i = root[i]!; }
    return i;
  };
  for (let e = 0; e < p.edgeHead.length; e++) {
    const a = find(p.edgeHead[e]!), b = find(p.edgeTail[e]!);
    if (a !== b) root[Math.max(a, b)] = Math.min(a, b);
  }
  const members = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const r = find(i);
    let m = members.get(r);
    if (!m) members.set(r, (m = []));
    m.push(i);
  }
  const components = [...members.values()].sort((a, b) => b.length - a.length || a[0]! - b[0]!);
  const capacity = Array.from({ length: blocks }, (_, b) => Math.floor(((b + 1) * n) / blocks) - Math.floor((b * n) / blocks));
  const blockOf = new Int32Array(n);
  for (const c of components) {
    let best = 0;
    for (let b = 1; b < blocks; b++) if (capacity[b]! > capacity[best]!) best = b;
    if (c.length <= capacity[best]!) {
      for (const v of c) blockOf[v] = best;
      capacity[best]! -= c.length;
      continue;
    }
    const x = (i: number): number => p.head[i * p.dim]!;
    c.sort((i, j) => x(i) - x(j) || i - j);
    let b = 0;
    for (const v of c) {
      while (capacity[b] === 0) b++;
      blockOf[v] = b;
      capacity[b]!--;
    }
  }
  return blockOf;
}

/** What {@link sgdRange} reads in one epoch. */
interface SgdKernel {
  readonly p: LayoutProblem;
  readonly sched: BlockSchedule;
  readonly epochsPerNegative: Float64Array;
  readonly nextSample: Float64Array;
  readonly nextNegative: Float64Array;
  readonly snapshot: Float32Array;
  readonly n: number;
  /** The learning rate rounded to float32, as the compiled kernel uses it. */
  readonly alpha: number;
}

/**
 * The edges [begin, end) of one epoch with one xorshift stream; returns the stream's state.
 * native/src/umap_sgd.c is its compiled twin, operation for operation: every float32 operation of
 * the C code is a double operation rounded by Math.fround here (exact for +, −, ×, ÷ of float32s).
 */
function sgdRange(k: SgdKernel, begin: number, end: number, stateIn: number): number {
  const fr = Math.fround;
  const { head, tail, dim, nVertices, a, b, gamma, moveOther } = k.p;
  const { edgeHead, edgeTail, epochsPerSample: eps } = k.sched;
  const { epochsPerNegative: epsNeg, nextSample, nextNegative, snapshot: snap, n, alpha } = k;
  let state = stateIn | 0; // int32 (keeps V8 on integer code)
  const twoAB = 2 * a * b;
  const twoGammaB = 2 * gamma * b;
  const scale = nVertices / 4294967296;
  for (let e = begin; e < end; e++) {
    if (nextSample[e]! > n) continue;
    const jo = edgeHead[e]! * dim;
    const ko = edgeTail[e]! * dim;
    let d2 = 0;
    for (let d = 0; d < dim; d++) {
      const t = fr(head[jo + d]! - tail[ko + d]!);
      d2 = fr(d2 + fr(t * t));
    }
    if (d2 > 0) {
      // d^(2(b−1)) = d^(2b) / d²: one pow per sample.
      const pb = powPositive(d2, b);
      const coeff = fr((-twoAB * pb) / (d2 * (a * pb + 1)));
      if (moveOther) {
        for (let d = 0; d < dim; d++) {
          const g = fr(clip4(fr(coeff * fr(head[jo + d]! - tail[ko + d]!))) * alpha);
          head[jo + d] += g;
          tail[ko + d] -= g;
        }
      } else {
        for (let d = 0; d < dim; d++) head[jo + d] += fr(clip4(fr(coeff * fr(head[jo + d]! - tail[ko + d]!))) * alpha);
      }
    }
    nextSample[e] += eps[e]!;
    const nNeg = Math.floor((n - nextNegative[e]!) / epsNeg[e]!);
    for (let q = 0; q < nNeg; q++) {
      state ^= state << 13; state ^= state >>> 17; state ^= state << 5;
      const ro = (((state >>> 0) * scale) | 0) * dim; // uniform row in [0, nVertices): no (slow) float modulo
      let s2 = 0;
      for (let d = 0; d < dim; d++) {
        const t = fr(head[jo + d]! - snap[ro + d]!);
        s2 = fr(s2 + fr(t * t));
      }
      if (s2 > 0) {
        const coeff = fr(twoGammaB / ((0.001 + s2) * (a * powPositive(s2, b) + 1)));
        for (let d = 0; d < dim; d++) head[jo + d] += fr(clip4(fr(coeff * fr(head[jo + d]! - snap[ro + d]!))) * alpha);
      }
    }
    nextNegative[e] += nNeg * epsNeg[e]!;
  }
  return state >>> 0;
}

function clip4(g: number): number {
  return g > 4 ? 4 : g < -4 ? -4 : g;
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
 * For the 128 mantissa cells [1 + i/128, 1 + (i+1)/128): 1/c and log₂ c at the centre c; and
 * 2^(j/32) for j < 32. Built from + − × ÷ only (an atanh and an exp series), in the order of
 * native/src/umap_sgd.c's init_tables, so that both have the same bits.
 */
const INV_C = new Float64Array(128);
const LOG2_C = new Float64Array(128);
const EXP2_J = new Float64Array(32);
for (let i = 0; i < 128; i++) {
  const c = 1 + (i + 0.5) / 128;
  INV_C[i] = 1 / c;
  const s = (c - 1) / (c + 1), s2 = s * s;
  let term = s, sum = 0;
  for (let k = 1; k <= 41; k += 2) { sum += term / k; term *= s2; }
  LOG2_C[i] = sum * 2.8853900817779268;
}
for (let j = 0; j < 32; j++) {
  const t = j / 32 * 0.6931471805599453;
  let term = 1, sum = 0;
  for (let k = 1; k <= 30; k++) { sum += term; term = term * t / k; }
  EXP2_J[j] = sum;
}

/**
 * x^b for finite x > 0 to ≈1e-13 relative error, several times faster than `Math.pow` in V8 (the
 * layout's hot path takes one per sample) and without a division: log₂ x as the exponent bits
 * plus a table value at the mantissa's cell and a degree-5 series in the small remainder; 2^y as a
 * table power of two, a table 2^(j/32) and a degree-5 Taylor polynomial. Subnormal or extreme
 * inputs fall back to `Math.pow`.
 * @example powPositive(4, 0.5) // ≈ 2
 */
export function powPositive(x: number, b: number): number {
  f64[0] = x;
  const e = (i32[1]! >> 20) - 1023;
  if (e === -1023) return Math.pow(x, b);
  const m = x * POW2[1075 - e]!;
  const i = ((m - 1) * 128) | 0;
  const r = m * INV_C[i]! - 1;
  const lg = e + LOG2_C[i]! + r * (1.4426950408889634 + r * (-0.7213475204444817 + r * (0.48089834696298783 + r * (-0.36067376022224085 + r * 0.28853900817779268))));
  const y = b * lg;
  if (y < -1020 || y > 1020) return Math.pow(x, b);
  const n = Math.floor(y);
  const f = y - n;
  const j = (f * 32) | 0;
  const t = (f - j / 32) * 0.6931471805599453;
  const p = 1 + t * (1 + t * (0.5 + t * (0.16666666666666666 + t * (0.041666666666666664 + t * 0.008333333333333333))));
  return EXP2_J[j]! * p * POW2[n + 1075]!;
}
