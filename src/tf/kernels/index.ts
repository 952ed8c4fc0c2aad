import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { BackendName, TF } from '../backend.js';
import { createConv2DWasm } from './Conv2D.js';
import { createConv2DBackpropFilterWasm } from './Conv2DBackpropFilter.js';
import { createConv2DBackpropInputWasm } from './Conv2DBackpropInput.js';
import { createFusedConv2DWasm } from './FusedConv2D.js';
import { identityWasm } from './Identity.js';
import { createMaxPoolGradWasm } from './MaxPoolGrad.js';
import { createResizeNearestNeighborGradWasm, resizeNearestNeighborGradCpu } from './ResizeNearestNeighborGrad.js';
import { createSumWasm } from './Sum.js';
import { createReluGradTensorflow, createResizeNearestNeighborGradTensorflow, createStepTensorflow, installReluGradient } from './tensorflow.js';

export { maxPoolGradImpl, type PoolGeometry } from './MaxPoolGrad.js';
export { resizeNearestNeighborGradImpl, nearestSourceIndex, type ResizeAttrs } from './ResizeNearestNeighborGrad.js';
export { flipTransposeFilter, dilatePad } from './Conv2DBackpropInput.js';

/** Names of the kernels this package adds or replaces. */
export type KernelFixName =
  | 'Conv2DBackpropFilter'
  | 'Conv2DBackpropInput'
  | 'MaxPoolGrad'
  | 'ResizeNearestNeighborGrad'
  | 'Conv2D'
  | 'FusedConv2D'
  | 'Step'
  | 'ReluGrad'
  | 'Sum'
  | 'Identity';

/**
 * Which kernels are fixed on which backend. None of the wasm/cpu fixes (JavaScript and wasm code)
 * is registered on tfjs-node (`tensorflow`); it gets three of its own, which call native TensorFlow ops.
 * - tensorflow: `ResizeNearestNeighborGrad` (tfjs-node's ignores `halfPixelCenters`), `Step`
 *   (speed only: the packaged kernel builds two full-size tensors in JavaScript per call; ours is
 *   four native ops, same result) and `ReluGrad` (speed only: an added kernel, TensorFlow's relu
 *   gradient in one op, which the `Relu` gradient uses where it is registered; same values).
 * - wasm: `Conv2DBackpropFilter` (missing), `MaxPoolGrad` (wrong when a window's maximum is ≤ 0),
 *   `ResizeNearestNeighborGrad` (ignores `halfPixelCenters`; also faster), `Conv2DBackpropInput`
 *   (slow), `Conv2D` / `FusedConv2D` (speed only: a faster path for 1–2 output channels), `Sum`
 *   (speed only: sums over leading axes, the bias gradients, as one matrix product) and `Identity`
 *   (speed only: shares the buffer instead of copying it).
 * - cpu: `ResizeNearestNeighborGrad` (wrong for batch > 1).
 */
export const KERNEL_FIXES: Readonly<Record<BackendName, readonly KernelFixName[]>> = {
  tensorflow: ['ResizeNearestNeighborGrad', 'Step', 'ReluGrad'],
  wasm: ['Conv2DBackpropFilter', 'MaxPoolGrad', 'ResizeNearestNeighborGrad', 'Conv2DBackpropInput', 'Conv2D', 'FusedConv2D', 'Sum', 'Identity'],
  cpu: ['ResizeNearestNeighborGrad'],
};

/** The fixes needed for correct training only (without the speed-only ones). */
export const CORRECTNESS_FIXES: readonly KernelFixName[] = ['Conv2DBackpropFilter', 'MaxPoolGrad', 'ResizeNearestNeighborGrad'];

const FIX_MARK = '__fmnistKernelFix';
type MarkedConfig = KernelConfig & { [FIX_MARK]?: true };

/** Kernels as the packages registered them, saved the first time one is replaced. */
const originals = new Map<string, KernelConfig | undefined>();

function makeFix(tf: TF, backend: BackendName, name: KernelFixName, original: KernelFunc | undefined): KernelConfig {
  if (backend === 'tensorflow') {
    if (name === 'Step') return createStepTensorflow(tf, original);
    if (name === 'ResizeNearestNeighborGrad') return createResizeNearestNeighborGradTensorflow(tf);
    if (name === 'ReluGrad') {
      installReluGradient(tf);
      return createReluGradTensorflow();
    }
  } else if (backend === 'cpu') {
    if (name === 'ResizeNearestNeighborGrad') return resizeNearestNeighborGradCpu;
  } else {
    switch (name) {
      case 'Conv2DBackpropFilter':
        return createConv2DBackpropFilterWasm(tf);
      case 'Conv2DBackpropInput':
        return createConv2DBackpropInputWasm(tf, original);
      case 'MaxPoolGrad':
        return createMaxPoolGradWasm(tf);
      case 'ResizeNearestNeighborGrad':
        return createResizeNearestNeighborGradWasm(tf);
      case 'Identity':
        return identityWasm;
      case 'Sum':
      case 'Conv2D':
      case 'FusedConv2D': {
        if (!original) throw new Error(`The packaged wasm kernel '${name}' is missing; cannot wrap it.`);
        return name === 'Sum' ? createSumWasm(original) : name === 'Conv2D' ? createConv2DWasm(tf, original) : createFusedConv2DWasm(tf, original);
      }
    }
  }
  throw new RangeError(`No kernel fix '${name}' for backend '${backend}'; available: ${KERNEL_FIXES[backend].join(', ')}.`);
}

/** Options of {@link registerKernelFixes}. */
export interface RegisterKernelFixesOptions {
  /** Register only these fixes (default: all of {@link KERNEL_FIXES} for the backend). */
  only?: readonly KernelFixName[];
}

/**
 * Registers the fixed kernels for `backend` (see {@link KERNEL_FIXES}).
 * Idempotent: a fix already in place is left alone. Kernels are registered per backend name, so
 * fixes for `wasm` and `cpu` can coexist in one process and `tf.setBackend` switches between them.
 * Called by `initBackend()`; call it yourself only when you load TF.js another way.
 * @returns the names of the fixes now active for the backend.
 * @throws RangeError for a fix that does not exist for that backend.
 * @example
 * const { tf, backend } = await initBackend(); // already registers them
 * registerKernelFixes(tf, 'cpu'); // e.g. after tf.setBackend('cpu') in a test
 */
export function registerKernelFixes(tf: TF, backend: BackendName, options: RegisterKernelFixesOptions = {}): KernelFixName[] {
  const wanted = options.only ?? KERNEL_FIXES[backend];
  for (const name of wanted) {
    if (!KERNEL_FIXES[backend].includes(name)) {
      throw new RangeError(`No kernel fix '${name}' for backend '${backend}'; available: ${KERNEL_FIXES[backend].join(', ')}.`);
    }
    const current = tf.getKernel(name, backend) as MarkedConfig | undefined;
    if (current?.[FIX_MARK]) continue;
    const key = `${backend}/${name}`;
    if (!originals.has(key)) originals.set(key, current);
    const original = originals.get(key);
    const fix: MarkedConfig = { ...makeFix(tf, backend, name, original?.kernelFunc), [FIX_MARK]: true };
    // Keep the packaged kernel's setup (wasm cwrap bindings) so that fallbacks to it keep working
    // if the backend is ever re-initialised.
    if (original?.setupFunc && !fix.setupFunc) fix.setupFunc = original.setupFunc;
    if (original?.disposeFunc && !fix.disposeFunc) fix.disposeFunc = original.disposeFunc;
    if (current) tf.unregisterKernel(name, backend);
    tf.registerKernel(fix);
  }
  return activeKernelFixes(tf, backend);
}

/**
 * Puts back the kernels the packages registered (or removes an added one) for `backend`.
 * For benchmarks and tests that compare against the packaged kernels.
 * @param only restore just these (default: all fixes of the backend).
 */
export function unregisterKernelFixes(tf: TF, backend: BackendName, only?: readonly KernelFixName[]): void {
  for (const name of only ?? KERNEL_FIXES[backend]) {
    const current = tf.getKernel(name, backend) as MarkedConfig | undefined;
    if (!current?.[FIX_MARK]) continue;
    tf.unregisterKernel(name, backend);
    const original = originals.get(`${backend}/${name}`);
    if (original) tf.registerKernel(original);
  }
}

/** The fixes currently registered for `backend`. */
export function activeKernelFixes(tf: TF, backend: BackendName): KernelFixName[] {
  return KERNEL_FIXES[backend].filter((name) => (tf.getKernel(name, backend) as MarkedConfig | undefined)?.[FIX_MARK] === true);
}
