/**
 * Approximate k nearest neighbours by NN-descent (Dong, Moses & Li 2011), started from a forest
 * of random-projection trees, as umap-learn's pynndescent does: "a neighbour of a neighbour is
 * likely a neighbour". Each round samples up to `maxCandidates` new and old neighbours (and
 * reverse neighbours) per point and tries every new–new and new–old pair; it stops when a round
 * changes fewer than `delta · n · k` entries. Euclidean; seeded and sequential (deterministic).
 * @module
 */
import type { Matrix } from '../util/matrix.js';
import { createRandom, type Random } from '../util/random.js';
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
}

/**
 * The approximate k nearest neighbours of every row of X (each row first, at distance 0).
 * @example const g = nnDescent(codes, 20, { seed: 0 });
 */
export function nnDescent(x: Matrix, k: number, options: NNDescentOptions = {}): KnnGraph {
  const { rows: n, cols: dim, data } = x;
  const rng = createRandom(options.seed ?? 0);
  const m = k - 1; // neighbours other than the row itself
  const nTrees = options.nTrees ?? Math.min(32, 5 + Math.round(Math.sqrt(n) / 20));
  const maxIter = options.maxIter ?? Math.max(5, Math.round(Math.log2(n)));
  const maxC = options.maxCandidates ?? Math.min(60, Math.max(20, k));
  const delta = options.delta ?? 0.001;
  // Max-heaps of the m best (squared distance, index, new-flag) per row.
  const hd = new Float32Array(n * m).fill(Infinity);
  const hi = new Int32Array(n * m).fill(-1);
  const hf = new Uint8Array(n * m);

  const dist = (a: number, b: number): number => {
    const ao = a * dim, bo = b * dim;
    let s = 0;
    for (let j = 0; j < dim; j++) {
      const t = data[ao + j]! - data[bo + j]!;
      s += t * t;
    }
    return s;
  };
  /** Pushes (d, j) into row i's heap unless present or not better; returns 1 if it changed. */
  const push = (i: number, d: number, j: number): number => {
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
  };

  // 1. Random-projection trees: all pairs within each leaf.
  const leafSize = Math.max(10, k);
  const idx = new Int32Array(n);
  for (let t = 0; t < nTrees; t++) {
    for (let i = 0; i < n; i++) idx[i] = i;
    buildLeaves(x, idx, 0, n, leafSize, rng, (s, e) => {
      for (let a = s; a < e; a++) {
        const p = idx[a]!;
        for (let b = a + 1; b < e; b++) {
          const q = idx[b]!;
          const d = dist(p, q);
          push(p, d, q);
          push(q, d, p);
        }
      }
    });
  }
  // Rows still short of neighbours (tiny leaves): random fill.
  for (let i = 0; i < n; i++) {
    for (let t = 0; t < 2 * m && hi[i * m]! < 0; t++) {
      const j = rng.int(n);
      if (j !== i) push(i, dist(i, j), j);
    }
  }
  options.onProgress?.(0, maxIter);

  // 2. NN-descent rounds.
  const newC = new Int32Array(n * maxC);
  const oldC = new Int32Array(n * maxC);
  const newP = new Float32Array(n * maxC);
  const oldP = new Float32Array(n * maxC);
  const newN = new Int32Array(n);
  const oldN = new Int32Array(n);
  /** Keeps the maxC lowest-priority candidates of row i (a max-heap on priority, filled first). */
  const addCand = (C: Int32Array, P: Float32Array, N: Int32Array, i: number, j: number, pr: number): void => {
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
  };
  for (let iter = 0; iter < maxIter; iter++) {
    newN.fill(0);
    oldN.fill(0);
    for (let i = 0; i < n; i++) {
      for (let t = 0; t < m; t++) {
        const e = i * m + t;
        const j = hi[e]!;
        if (j < 0) continue;
        const pr = rng.next();
        if (hf[e]) {
          addCand(newC, newP, newN, i, j, pr);
          addCand(newC, newP, newN, j, i, pr);
        } else {
          addCand(oldC, oldP, oldN, i, j, pr);
          addCand(oldC, oldP, oldN, j, i, pr);
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
          const d = dist(p, q);
          updates += push(p, d, q) + push(q, d, p);
        }
        for (let b = 0; b < no; b++) {
          const q = oldC[o + b]!;
          if (q === p) continue;
          const d = dist(p, q);
          updates += push(p, d, q) + push(q, d, p);
        }
      }
    }
    options.onProgress?.(iter + 1, maxIter);
    if (updates <= delta * n * k) break;
  }

  // 3. Sorted output, each row first.
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
 * Splits idx[start..end) recursively by random hyperplanes (the perpendicular bisector of two
 * random rows) until parts have ≤ leafSize rows; calls `leaf(start, end)` for each part.
 */
function buildLeaves(x: Matrix, idx: Int32Array, start: number, end: number, leafSize: number, rng: Random, leaf: (s: number, e: number) => void): void {
  const { cols: dim, data } = x;
  const normal = new Float64Array(dim);
  const stack: [number, number][] = [[start, end]];
  while (stack.length > 0) {
    const [s, e] = stack.pop()!;
    if (e - s <= leafSize) { leaf(s, e); continue; }
    const a = idx[s + rng.int(e - s)]!;
    let b = idx[s + rng.int(e - s)]!;
    for (let t = 0; t < 4 && b === a; t++) b = idx[s + rng.int(e - s)]!;
    let offset = 0;
    for (let j = 0; j < dim; j++) {
      const va = data[a * dim + j]!, vb = data[b * dim + j]!;
      normal[j] = va - vb;
      offset -= normal[j]! * (va + vb) / 2;
    }
    // Partition in place: side < 0 to the left (ties by coin flip).
    let lo = s, hi = e - 1;
    while (lo <= hi) {
      const p = idx[lo]!;
      let v = offset;
      for (let j = 0; j < dim; j++) v += normal[j]! * data[p * dim + j]!;
      const left = v < 0 || (v === 0 && rng.next() < 0.5);
      if (left) lo++;
      else { idx[lo] = idx[hi]!; idx[hi] = p; hi--; }
    }
    let mid = lo;
    if (mid === s || mid === e) mid = s + ((e - s) >> 1); // degenerate split (duplicates): halve
    stack.push([mid, e], [s, mid]);
  }
}
