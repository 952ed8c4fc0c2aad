/**
 * Seeded pseudo-random numbers. Every stochastic step in this package (shuffles, splits,
 * k-means++ seeding, weight initialisation) takes a seed so that results are reproducible.
 *
 * The generator is xoshiro128** seeded through splitmix32: fast, 32-bit, and good enough
 * for sampling (not for cryptography).
 */
export interface Random {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Standard normal (Box–Muller). */
  normal(): number;
  /** A new generator derived from this one, for independent streams (e.g. one per init). */
  fork(): Random;
}

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/**
 * Creates a seeded generator.
 * @param seed any integer; the same seed gives the same sequence on every platform.
 * @example createRandom(42).int(10) // same value on every run
 */
export function createRandom(seed: number): Random {
  const state = randomState(seed);
  let spare: number | undefined;
  const rng: Random = {
    next: () => nextUint32(state) / 4294967296,
    int: (n: number) => {
      if (!(n >= 1)) throw new RangeError(`Random.int: n must be >= 1, got ${n}.`);
      return Math.floor((nextUint32(state) / 4294967296) * n);
    },
    normal: () => {
      if (spare !== undefined) { const s = spare; spare = undefined; return s; }
      let u = 0;
      while (u === 0) u = nextUint32(state) / 4294967296;
      const v = nextUint32(state) / 4294967296;
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    fork: () => createRandom(nextUint32(state)),
  };
  return rng;
}

/**
 * The xoshiro128** state of {@link createRandom}(seed) as four 32-bit words: loops that share
 * their generator with compiled code (native/src/nndescent.c steps it the same way) keep it here.
 * @throws TypeError for a non-finite seed.
 */
export function randomState(seed: number): Uint32Array {
  if (!Number.isFinite(seed)) throw new TypeError(`createRandom: seed must be a finite number, got ${seed}.`);
  const init = splitmix32(Math.trunc(seed));
  const s = Uint32Array.of(init(), init(), init(), init());
  if ((s[0]! | s[1]! | s[2]! | s[3]!) === 0) s[0] = 1;
  return s;
}

/** The next 32-bit output of a {@link randomState}, advancing it. */
export function nextUint32(s: Uint32Array): number {
  let a = s[0]!, b = s[1]!, c = s[2]!, d = s[3]!;
  const result = Math.imul(rotl(Math.imul(b, 5), 7), 9) >>> 0;
  const t = b << 9;
  c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = rotl(d, 11);
  s[0] = a; s[1] = b; s[2] = c; s[3] = d;
  return result;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** A permutation of 0..n-1 (Fisher–Yates), as an Int32Array. */
export function permutation(n: number, rng: Random): Int32Array {
  const p = new Int32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = p[i]!; p[i] = p[j]!; p[j] = t;
  }
  return p;
}
