/**
 * The project's compiled kernels (`native/`, a Node-API addon built by `scripts/setup-native.sh`).
 * Optional by design: every kernel has a TypeScript twin giving the same bits (engine `'js'` of the
 * compute floor's vocabulary, src/linalg/engine.ts; the compiled one is `'native'`), used when the
 * addon is not built (no compiler) or disabled with `FMNIST_NATIVE=0`. {@link nativeStatus} says which
 * one runs and why.
 * @module
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The functions of the addon (argument order fixed by `native/src/addon.c`). */
export interface NativeKernels {
  /**
   * One UMAP SGD epoch over a block schedule (see `optimizeLayout` in src/manifold/layout.ts), the
   * blocks on up to `threads` threads; updates head/tail, nextSample/nextNegative and states in place.
   */
  umapSgdEpoch(
    head: Float32Array, tail: Float32Array, snapshot: Float32Array, dim: number, edgeHead: Int32Array, edgeTail: Int32Array,
    epochsPerSample: Float64Array, epochsPerNegative: Float64Array, nextSample: Float64Array, nextNegative: Float64Array,
    blockStart: Int32Array, states: Uint32Array, nVertices: number, epoch: number, alpha: number, a: number, b: number,
    gamma: number, moveOther: number, threads: number,
  ): void;
  /** NN-descent's start (random-projection trees, then random fill), on src/manifold/nndescent.ts's state arrays. */
  nndInit(
    data: Float32Array, n: number, dim: number, m: number, hd: Float32Array, hi: Int32Array, hf: Uint8Array,
    idx: Int32Array, normal: Float64Array, nTrees: number, leafSize: number, rng: Uint32Array,
  ): void;
  /** One NN-descent round on the same state; returns the number of heap updates. */
  nndRound(
    data: Float32Array, n: number, dim: number, m: number, maxC: number, hd: Float32Array, hi: Int32Array, hf: Uint8Array,
    newC: Int32Array, oldC: Int32Array, newP: Float32Array, oldP: Float32Array, newN: Int32Array, oldN: Int32Array, rng: Uint32Array,
  ): number;
  /** The Lanczos loops of the spectral initialisation (see `LanczosKernels` in src/linalg/lanczos.ts). */
  csrScaledMatvec(indptr: Int32Array, indices: Int32Array, values: Float64Array, rowScale: Float64Array, x: Float64Array, y: Float64Array): void;
  reorthogonalize(basis: Float64Array, n: number, count: number, w: Float64Array, h: Float64Array): number;
  ritzVectors(basis: Float64Array, n: number, m: number, Y: Float64Array, cols: Int32Array, out: Float64Array): void;
  /**
   * Makes SIGINT set a flag instead of reaching the disposition installed now (remembered); clears
   * the flag. False when the handler could not be installed. See native/src/interrupt.c and
   * src/util/interrupt.ts, the only user.
   */
  sigintCatch(): boolean;
  /** Puts the remembered disposition back if the flag handler is still installed; returns whether it did. */
  sigintRelease(): boolean;
  /** Whether SIGINT arrived since `sigintCatch` or the last `sigintTake`; clears the flag. */
  sigintTake(): boolean;
  /** Whether the flag handler is SIGINT's disposition now (Node replaces it when a `breakOnSigint` run ends). */
  sigintInstalled(): boolean;
  readonly abiVersion: number;
}

/** Which implementation of the kernels is in use, and why. */
export interface NativeStatus {
  readonly loaded: boolean;
  /** Where the addon was loaded from, or why it was not (with the fix). */
  readonly detail: string;
}

/** Version of the addon's function table this code expects (bumped with native/src/addon.c). */
const ABI_VERSION = 5;
/**
 * The project root as util/paths finds it (dist/native → ..), computed here so that the addon's
 * loader stands on the ground floor with tf/: util (its interrupt flag) and the estimators import
 * it, it imports nothing of the project.
 */
const ROOT = path.resolve(__dirname, '..', '..');

/** The built addon. */
export const NATIVE_ADDON_PATH = path.join(ROOT, 'native', 'build', 'Release', 'fmnist_native.node');

let cached: { kernels: NativeKernels | undefined; status: NativeStatus } | undefined;

function load(): { kernels: NativeKernels | undefined; status: NativeStatus } {
  if (process.env.FMNIST_NATIVE === '0') {
    return { kernels: undefined, status: { loaded: false, detail: 'disabled by FMNIST_NATIVE=0 (TypeScript kernels)' } };
  }
  if (!existsSync(NATIVE_ADDON_PATH)) {
    return {
      kernels: undefined,
      status: { loaded: false, detail: `not built (${path.relative(ROOT, NATIVE_ADDON_PATH)} missing): TypeScript kernels, slower; run bash scripts/setup.sh with a C compiler (apt-get install gcc make)` },
    };
  }
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const k = require(NATIVE_ADDON_PATH) as NativeKernels;
    if (k.abiVersion !== ABI_VERSION) {
      return { kernels: undefined, status: { loaded: false, detail: `stale build (ABI ${k.abiVersion}, expected ${ABI_VERSION}): TypeScript kernels; rerun bash scripts/setup.sh` } };
    }
    return { kernels: k, status: { loaded: true, detail: path.relative(ROOT, NATIVE_ADDON_PATH) } };
  } catch (err) {
    return { kernels: undefined, status: { loaded: false, detail: `does not load (${(err as Error).message.split('\n')[0]}): TypeScript kernels; rerun bash scripts/setup.sh` } };
  }
}

/** The compiled kernels, or undefined when they are not available (see {@link nativeStatus}). */
export function nativeKernels(): NativeKernels | undefined {
  cached ??= load();
  return cached.kernels;
}

/** Whether the compiled kernels are in use, and where from or why not. */
export function nativeStatus(): NativeStatus {
  cached ??= load();
  return cached.status;
}
