import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';
import { smallOutConv2D, smallOutGeometry } from './small_out_conv.js';
import { kernelLookup, type WasmBackendLike } from './util.js';

/**
 * wasm `Conv2D` that routes convolutions with 1–2 output channels (the report's last layer) to
 * {@link smallOutConv2D} and everything else to the packaged XNNPACK kernel (`original`).
 */
export function createConv2DWasm(tf: TF, original: KernelFunc): KernelConfig {
  const kernel = kernelLookup(tf.getKernel, 'wasm');
  return {
    kernelName: 'Conv2D',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter } = args.inputs as { x: TensorInfo; filter: TensorInfo };
      const g = smallOutGeometry(tf, x, filter, args.attrs as never);
      if (!g) return original(args);
      return smallOutConv2D(kernel, args.backend as unknown as WasmBackendLike, x, filter, undefined, 'linear', g);
    },
  };
}
