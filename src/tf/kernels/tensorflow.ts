import type { GradConfig, KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';

/** The part of tfjs-node's backend (`NodeJSKernelBackend`) used here: it runs one native TensorFlow op. */
interface NodeBackendLike {
  binding: { TF_ATTR_TYPE: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_INT32: number };
  executeSingleOutput(name: string, attrs: { name: string; type: number; value: unknown }[], inputs: TensorInfo[]): Tensor;
}

/**
 * tfjs-node `Step` (the derivative of relu: `x > 0 ? 1 : alpha`, NaN stays NaN) for `alpha = 0`,
 * as four native TensorFlow ops on the input (`IsNan`, `Greater`, `Cast`, `Select`). The packaged
 * kernel builds `ones(x.shape)` and `fill(x.shape, alpha)` in JavaScript and uploads them on every
 * call: the 6 relu gradients of a 128-image batch made it the largest kernel of a training step
 * (≈35 ms of ≈150). Other `alpha` values (leaky relu) go to the packaged kernel.
 * Speed only: the result is the same, bit for bit.
 */
export function createStepTensorflow(tf: TF, original: KernelFunc | undefined): KernelConfig {
  return {
    kernelName: 'Step',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const x = args.inputs['x'] as Tensor;
      const alpha = (args.attrs as { alpha?: number }).alpha ?? 0;
      if (alpha !== 0 || (x.dtype !== 'float32' && x.dtype !== 'int32')) {
        if (!original) throw new Error('The packaged tfjs-node kernel Step is missing.');
        return original(args);
      }
      // Ops called inside a kernel run on the active backend (tensorflow) and are not recorded for gradients.
      return tf.tidy(() => tf.where(tf.isNaN(x), x, tf.cast(tf.greater(x, 0), x.dtype)));
    },
  };
}

/**
 * tfjs-node `ResizeNearestNeighborGrad` that passes `halfPixelCenters` to TensorFlow's op: the
 * packaged kernel sends only `align_corners`, so with `halfPixelCenters: true` and a non-integer
 * scale its gradient is not the adjoint of the forward resize (found by the kernel tests; the
 * report's `upSampling2d` uses neither flag and was not affected).
 */
export function createResizeNearestNeighborGradTensorflow(tf: TF): KernelConfig {
  return {
    kernelName: 'ResizeNearestNeighborGrad',
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { images, dy } = args.inputs as { images: TensorInfo; dy: TensorInfo };
      const { alignCorners, halfPixelCenters } = args.attrs as { alignCorners: boolean; halfPixelCenters: boolean };
      const backend = args.backend as unknown as NodeBackendLike;
      const b = backend.binding;
      const size = tf.tensor1d([images.shape[1]!, images.shape[2]!], 'int32');
      try {
        return backend.executeSingleOutput('ResizeNearestNeighborGrad', [
          { name: 'T', type: b.TF_ATTR_TYPE, value: dy.dtype === 'int32' ? b.TF_INT32 : b.TF_FLOAT },
          { name: 'align_corners', type: b.TF_ATTR_BOOL, value: alignCorners },
          { name: 'half_pixel_centers', type: b.TF_ATTR_BOOL, value: halfPixelCenters },
        ], [dy, size]);
      } finally {
        size.dispose();
      }
    },
  };
}

/** Name of the kernel {@link createReluGradTensorflow} adds (tfjs has none: its relu gradient is `dy · step(x)`). */
export const RELU_GRAD_KERNEL = 'ReluGrad';

/**
 * tfjs-node kernel `ReluGrad` (inputs `dy`, `x`): TensorFlow's own relu gradient, `dy` where
 * `x > 0`, else 0, in one native op. tfjs computes it as `dy · step(x)`, five native ops over the
 * activation (a 128-image batch's first layer holds 1.6 M values): 7.7 ms against 0.55 ms here
 * (bench/README.md). Used through the `Relu` gradient that {@link installReluGradient} registers.
 * Same values (0 or `dy`); a NaN `x` gives 0 instead of NaN (the loss is checked for NaN anyway).
 */
export function createReluGradTensorflow(): KernelConfig {
  return {
    kernelName: RELU_GRAD_KERNEL,
    backendName: 'tensorflow',
    kernelFunc: (args) => {
      const { dy, x } = args.inputs as { dy: TensorInfo; x: TensorInfo };
      const backend = args.backend as unknown as NodeBackendLike;
      const b = backend.binding;
      return backend.executeSingleOutput('ReluGrad', [{ name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT }], [dy, x]);
    },
  };
}

const RELU_GRADIENT_MARK = '__fmnistReluGradient';

/**
 * Replaces the `Relu` gradient once per process: where the active backend has a
 * {@link RELU_GRAD_KERNEL} kernel (tfjs-node after `registerKernelFixes`), the gradient is that
 * one native op; everywhere else (wasm, cpu, or with the kernel unregistered) it is the packaged
 * gradient, unchanged.
 */
export function installReluGradient(tf: TF): void {
  const current = tf.getGradient('Relu') as GradConfig & { [RELU_GRADIENT_MARK]?: true };
  if (current[RELU_GRADIENT_MARK]) return;
  const packaged = current;
  const config: GradConfig & { [RELU_GRADIENT_MARK]: true } = {
    kernelName: 'Relu',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      if (tf.getKernel(RELU_GRAD_KERNEL, tf.getBackend()) === undefined || (saved[0] as Tensor).dtype !== 'float32') {
        return packaged.gradFunc(dy, saved, attrs);
      }
      const [x] = saved as Tensor[];
      return { x: () => tf.engine().runKernel(RELU_GRAD_KERNEL, { dy: dy as Tensor, x: x! }, {}) as Tensor };
    },
    [RELU_GRADIENT_MARK]: true,
  };
  tf.registerGradient(config);
}
