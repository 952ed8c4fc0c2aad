/**
 * Approximate k nearest neighbours by NN-descent (Dong, Moses & Li 2011), started from a forest
 * of random-projection trees, as umap-learn's pynndescent does: "a neighbour of a neighbour is
 * likely a neighbour". Each round samples up to `maxCandidates` new and old neighbours (and
 * reverse neighbours) per point and tries every new–new and new–old pair; it stops when a round
 * changes fewer than `delta · n · k` entries. Euclidean; seeded and sequential (deterministic).
 * Every distance and projection comes from the compute floor (src/linalg/lanes.ts: differences
 * summed in fixed lanes); native/src/nndescent.c is this file's compiled twin, step for step.
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { nextUint32, randomState } from '../util/random.js';
import { nativeKernels } from '../native/index.js';
import { resolveEngine, type EngineOption } from '../linalg/index.js';
// Straight from the module, not the barrel: the hot calls stay plain property loads V8 inlines.
import { bisector, laneDot, laneSquaredDistance } from '../linalg/lanes.js';
import { throwIfInterrupted } from '../util/interrupt.js'; // ■ safe points (src/util/interrupt.ts)
import type { KnnGraph } from './knn.js';

/** Options of {@link nnDescent}. */
export interface NNDescentOptions {
  /** Seed (default 0). */
  seed?: number;
  /** Random-projection trees for the start (default min(32, 5 + round(√n / 20))). */
  nTrees?: number;
  /** Largest rounds of NN-descent (default max(5, round(log₂ n))). */
  maxIter?: number;
  /** Candidates per point per round (default min(60, max(20, k))). */
  maxCandidates?: number;
  /** Stop when a round updates fewer than delta·n·k entries (default 0.001). */
  delta?: number;
  onProgress?: (done: number, total: number) => void;
  /** The compiled kernel (`'native'`), its TypeScript twin (`'js'`), or `'auto'` (default: the compiled one when built); same graph either way. `'tfjs'` is refused (no TF.js implementation). */
  engine?: EngineOption;
}

/**
 * The search state: max-heaps of the m best (squared distance, index, new-flag) per row, the
 * candidate buffers of a round, and the generator. The compiled kernel works on these arrays.
 */
interface NNDState {
  readonly data: Float32Array;
  readonly n: number;
  readonly dim: number;
  /** Neighbours per row besides the row itself. */
  readonly m: number;
  readonly maxC: number;
  readonly hd: Float32Array;
  readonly hi: Int32Array;
  readonly hf: Uint8Array;
  readonly newC: Int32Array;
  readonly oldC: Int32Array;
  readonly newP: Float32Array;
  readonly oldP: Float32Array;
  readonly newN: Int32Array;
  readonly oldN: Int32Array;
  readonly idx: Int32Array;
  readonly normal: Float64Array;
  readonly rng: Uint32Array;
}

/**
 * The approximate k nearest neighbours of every row of X (each row first, at distance 0).
 * The same seed gives the same graph on either engine (`auto`: the compiled one when built).
 * @example const g = nnDescent(codes, 20, { seed: 0 });
 */
export function nnDescent(x: Matrix, k: number, options: NNDescentOptions = {}): KnnGraph {
  const { rows: n, cols: dim } = x;
  const m = k - 1; // neighbours other than the row itself
  const nTrees = options.nTrees ?? Math.min(32, 5 + Math.round(Math.sqrt(n) / 20));
  const maxIter = options.maxIter ?? Math.max(5, Math.round(Math.log2(n)));
  const maxC = options.maxCandidates ?? Math.min(60, Math.max(20, k));
  const delta = options.delta ?? 0.001;
  const engine = resolveEngine(options.engine ?? 'auto', { work: 0, supports: ['js', 'native'], what: 'NN-descent' });
  const native = engine === 'native' ? nativeKernels() : undefined;
  const s: NNDState = {
    data: x.data instanceof Float32Array ? x.data : Float32Array.from(x.data), n, dim, m, maxC,
    hd: new Float32Array(n * m).fill(Infinity), hi: new Int32Array(n * m).fill(-1), hf: new Uint8Array(n * m),
    newC: new Int32Array(n * maxC), oldC: new Int32Array(n * maxC), newP: new Float32Array(n * maxC), oldP: new Float32Array(n * maxC),
    newN: new Int32Array(n), oldN: new Int32Array(n), idx: new Int32Array(n), normal: new Float64Array(dim),
    rng: randomState(options.seed ?? 0),
  };
  const leafSize = Math.max(10, k);
  if (native) native.nndInit(s.data, n, dim, m, s.hd, s.hi, s.hf, s.idx, s.normal, nTrees, leafSize, s.rng);
  else initFromTrees(s, nTrees, leafSize);
  options.onProgress?.(0, maxIter);
  for (let iter = 0; iter < maxIter; iter++) {
    throwIfInterrupted(`UMAP's nearest neighbours, NN-descent round ${iter + 1}/${maxIter}`);
    const updates = native
      ? native.nndRound(s.data, n, dim, m, maxC, s.hd, s.hi, s.hf, s.newC, s.oldC, s.newP, s.oldP, s.newN, s.oldN, s.rng)
      : round(s);
    options.onProgress?.(iter + 1, maxIter);
    if (updates <= delta * n * k) break;
  }
  return sortedGraph(s, k);
}

/** One generator draw in [0, 1). */
function next01(rng: Uint32Array): number {
  return nextUint32(rng) / 4294967296;
}

/** A uniform integer in [0, n). */
function below(rng: Uint32Array, n: number): number {
  return Math.floor((nextUint32(rng) / 4294967296) * n);
}

/**
 * ‖row a − row b‖² on the compute floor, in the eight lanes whose order native/src/nndescent.c
 * follows exactly (see src/linalg/lanes.ts): the same number on both engines, wherever the data sits.
 */
function dist(s: NNDState, a: number, b: number): number {
  return laneSquaredDistance(s.data, a * s.dim, b * s.dim, s.dim);
}

/** Pushes (d, j) into row i's heap unless present or not better; returns 1 if it changed. */
function push(s: NNDState, i: number, d: number, j: number): number {
  const { hd, hi, hf, m } = s;
  const o = i * m;
  if (d >= hd[o]!) return 0;
  for (let t = 0; t < m; t++) if (hi[o + t] === j) return 0;
  // Replace the root and sift down.
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1, r = l + 1;
    let big = pos;
    let bigD = d;
    if (l < m && hd[o + l]! > bigD) { big = l; bigD = hd[o + l]!; }
    if (r < m && hd[o + r]! > bigD) { big = r; bigD = hd[o + r]!; }
    if (big === pos) break;
    hd[o + pos] = hd[o + big]!; hi[o + pos] = hi[o + big]!; hf[o + pos] = hf[o + big]!;
    pos = big;
  }
  hd[o + pos] = d; hi[o + pos] = j; hf[o + pos] = 1;
  return 1;
}

/** The start: all pairs within the leaves of random-projection trees, then random fill of rows still short. */
function initFromTrees(s: NNDState, nTrees: number, leafSize: number): void {
  const { n, m, idx, hi, rng } = s;
  for (let t = 0; t < nTrees; t++) {
    for (let i = 0; i < n; i++) idx[i] = i;
    buildLeaves(s, leafSize, (st, e) => {
      for (let a = st; a < e; a++) {
        const p = idx[a]!;
        for (let b = a + 1; b < e; b++) {
          const q = idx[b]!;
          const d = dist(s, p, q);
          push(s, p, d, q);
          push(s, q, d, p);
        }
      }
    });
  }
  // Rows still short of neighbours (tiny leaves): random fill.
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 2 * m && hi[i * m]! < 0; t++) {
      const j = below(rng, n);
      if (j !== i) push(s, i, dist(s, i, j), j);
    }
  }
}

/** Keeps the maxC lowest-priority candidates of row i (a max-heap on priority, filled first). */
function addCand(C: Int32Array, P: Float32Array, N: Int32Array, maxC: number, i: number, j: number, pr: number): void {
  const o = i * maxC;
  const c = N[i]!;
  for (let t = 0; t < c; t++) if (C[o + t] === j) return;
  if (c < maxC) {
    // Sift up.
    let pos = c;
    while (pos > 0) {
      const parent = (pos - 1) >> 1;
      if (P[o + parent]! >= pr) break;
      P[o + pos] = P[o + parent]!; C[o + pos] = C[o + parent]!;
      pos = parent;
    }
    P[o + pos] = pr; C[o + pos] = j;
    N[i] = c + 1;
    return;
  }
  if (pr >= P[o]!) return;
  let pos = 0;
  for (;;) {
    const l = 2 * pos + 1, r = l + 1;
    let big = pos, bigP = pr;
    if (l < maxC && P[o + l]! > bigP) { big = l; bigP = P[o + l]!; }
    if (r < maxC && P[o + r]! > bigP) { big = r; bigP = P[o + r]!; }
    if (big === pos) break;
    P[o + pos] = P[o + big]!; C[o + pos] = C[o + big]!;
    pos = big;
  }
  P[o + pos] = pr; C[o + pos] = j;
}

/** One NN-descent round; returns the number of heap updates. */
function round(s: NNDState): number {
  const { n, m, maxC, hi, hf, newC, oldC, newP, oldP, newN, oldN, rng } = s;
  newN.fill(0);
  oldN.fill(0);
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < m; t++) {
      const e = i * m + t;
      const j = hi[e]!;
      if (j < 0) continue;
      const pr = next01(rng);
      if (hf[e]) {
        addCand(newC, newP, newN, maxC, i, j, pr);
        addCand(newC, newP, newN, maxC, j, i, pr);
      } else {
        addCand(oldC, oldP, oldN, maxC, i, j, pr);
        addCand(oldC, oldP, oldN, maxC, j, i, pr);
      }
    }
  }
  // Sampled new neighbours become old.
  for (let i = 0; i < n; i++) {
    const o = i * maxC;
    for (let t = 0; t < m; t++) {
      const e = i * m + t;
      if (!hf[e]) continue;
      const j = hi[e]!;
      for (let c = 0; c < newN[i]!; c++) if (newC[o + c] === j) { hf[e] = 0; break; }
    }
  }
  let updates = 0;
  for (let i = 0; i < n; i++) {
    const o = i * maxC;
    const nn = newN[i]!, no = oldN[i]!;
    for (let a = 0; a < nn; a++) {
      const p = newC[o + a]!;
      for (let b = a + 1; b < nn; b++) {
        const q = newC[o + b]!;
        const d = dist(s, p, q);
        updates += push(s, p, d, q) + push(s, q, d, p);
      }
      for (let b = 0; b < no; b++) {
        const q = oldC[o + b]!;
        if (q === p) continue;
        const d = dist(s, p, q);
        updates += push(s, p, d, q) + push(s, q, d, p);
      }
    }
  }
  return updates;
}

/** The heaps as a kNN graph: each row first at distance 0, then its neighbours nearest first (lower index on ties). */
function sortedGraph(s: NNDState, k: number): KnnGraph {
  const { n, m, hd, hi } = s;
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const order = new Int32Array(m);
  for (let i = 0; i < n; i++) {
    const o = i * m;
    for (let t = 0; t < m; t++) order[t] = t;
    const sorted = Array.from(order).sort((a, b) => hd[o + a]! - hd[o + b]! || hi[o + a]! - hi[o + b]!);
    indices[i * k] = i;
    distances[i * k] = 0;
    for (let t = 0; t < m; t++) {
      const e = o + sorted[t]!;
      indices[i * k + 1 + t] = hi[e]!;
      distances[i * k + 1 + t] = hi[e]! < 0 ? Infinity : Math.sqrt(hd[e]!);
    }
  }
  return { indices, distances, rows: n, k };
}

/**
 * Splits s.idx recursively by random hyperplanes (the perpendicular bisector of two random rows)
 * until parts have ≤ leafSize rows; calls `leaf(start, end)` for each part.
 */
function buildLeaves(s: NNDState, leafSize: number, leaf: (start: number, end: number) => void): void {
  const { data, dim, idx, normal, rng } = s;
  const stack: [number, number][] = [[0, s.n]];
  while (stack.length > 0) {
    const [st, e] = stack.pop()!;
    if (e - st <= leafSize) { leaf(st, e); continue; }
    const a = idx[st + below(rng, e - st)]!;
    let b = idx[st + below(rng, e - st)]!;
    for (let t = 0; t < 4 && b === a; t++) b = idx[st + below(rng, e - st)]!;
    const offset = bisector(data, a * dim, b * dim, dim, normal);
    // Partition in place: side < 0 to the left (ties by coin flip).
    let lo = st, hi = e - 1;
    while (lo <= hi) {
      const p = idx[lo]!;
      const v = offset + laneDot(normal, data, p * dim, dim);
      const left = v < 0 || (v === 0 && next01(rng) < 0.5);
      if (left) lo++;
      else { idx[lo] = idx[hi]!; idx[hi] = p; hi--; }
    }
    let mid = lo;
    if (mid === st || mid === e) mid = st + ((e - st) >> 1); // degenerate split (duplicates): halve
    stack.push([mid, e], [st, mid]);
  }
}
