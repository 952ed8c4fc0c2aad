import type { KernelConfig, KernelFunc, Tensor, TensorInfo } from '@tensorflow/tfjs';
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
