/**
 * The one engine vocabulary of the compute floor. Every estimator (K-Means, GaussianMixture, PCA,
 * kNN, UMAP) takes an `engine` option of type {@link EngineOption} and resolves it once, in `fit`,
 * with {@link resolveEngine}:
 * - `'js'`: float64 TypeScript loops (the exact reference; always available);
 * - `'tfjs'`: matrix products on the active TF.js backend (tfjs-node, wasm or cpu), float32 inside
 *   a product on centred data, float64 across chunks;
 * - `'native'`: the project's compiled C kernels (`native/`), where an operation has one.
 * `'auto'` applies one size rule everywhere: the compiled kernel when the operation has one and the
 * addon is loaded; else TF.js when a backend is active and the work is at least
 * {@link TFJS_MIN_WORK} multiply–adds; else js. Engines agree with each other to float32 rounding
 * on the same data wherever it sits (the floor centres before float32 products), so the size rule
 * changes the speed, never the answer.
 * @module
 */
import { activeTf } from '../tf/backend.js';
import { nativeKernels, nativeStatus } from '../native/index.js';

/** Where a computation runs. */
export type Engine = 'js' | 'tfjs' | 'native';
/** An estimator's `engine` option: an {@link Engine}, or `'auto'` for the size rule. */
export type EngineOption = 'auto' | Engine;
/** Every value of {@link EngineOption} (for option validation). */
export const ENGINE_OPTIONS: readonly EngineOption[] = ['auto', 'js', 'tfjs', 'native'];

/** Multiply–adds from which `'auto'` uses TF.js when a backend is active (4,194,304). */
export const TFJS_MIN_WORK = 2 ** 22;

/** What an operation needs to choose its engine. */
export interface EngineRequest {
  /** Multiply–adds of one pass (e.g. n·d·k for the distances of n rows to k centres). */
  readonly work: number;
  /** The engines that implement the operation (`'js'` always does). */
  readonly supports: readonly Engine[];
  /** The operation's name, for error messages (e.g. `'KMeans distances'`). */
  readonly what: string;
}

/**
 * Resolves an engine option for one operation.
 * @throws Error when an engine is asked for explicitly and cannot run here (no TF.js backend
 *   initialised, the compiled kernels not built) or does not implement the operation; the
 *   message names the fix.
 * @example resolveEngine('auto', { work: 10, supports: ['js', 'tfjs'], what: 'KMeans distances' }) // 'js'
 */
export function resolveEngine(option: EngineOption, request: EngineRequest): Engine {
  const { work, supports, what } = request;
  switch (option) {
    case 'auto':
      if (supports.includes('native') && nativeKernels() !== undefined) return 'native';
      if (supports.includes('tfjs') && activeTf() !== undefined && work >= TFJS_MIN_WORK) return 'tfjs';
      return 'js';
    case 'js':
      return 'js';
    case 'tfjs':
      if (!supports.includes('tfjs')) throw new Error(`${what} has no 'tfjs' engine; use engine 'auto' or one of: ${supports.join(', ')}.`);
      if (activeTf() === undefined) {
        throw new Error(`${what}: engine 'tfjs' needs a TF.js backend: call \`await initBackend()\` before fit/predict, or use engine 'auto' or 'js'.`);
      }
      return 'tfjs';
    case 'native':
      if (!supports.includes('native')) throw new Error(`${what} has no 'native' engine; use engine 'auto' or one of: ${supports.join(', ')}.`);
      if (nativeKernels() === undefined) throw new Error(`${what}: engine 'native' needs the compiled kernels: ${nativeStatus().detail}.`);
      return 'native';
    default: {
      const never: never = option;
      throw new RangeError(`engine must be one of ${ENGINE_OPTIONS.map((e) => `'${e}'`).join(', ')}; got ${JSON.stringify(never)}.`);
    }
  }
}
