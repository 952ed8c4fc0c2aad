import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';
import { smallOutConv2D, smallOutGeometry, type SmallOutActivation } from './small_out_conv.js';
import { kernelLookup, type WasmBackendLike } from './util.js';

/**
 * wasm `FusedConv2D` (conv + bias + activation, what tfjs-layers' Conv2D runs) that routes
 * convolutions with 1–2 output channels and a linear, relu or sigmoid activation to
 * {@link smallOutConv2D}; everything else goes to the packaged kernel (`original`).
 */
export function createFusedConv2DWasm(tf: TF, original: KernelFunc): KernelConfig {
  const kernel = kernelLookup(tf.getKernel, 'wasm');
  return {
    kernelName: 'FusedConv2D',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { x, filter, bias, preluActivationWeights } = args.inputs as Record<string, TensorInfo | undefined>;
      const activation = ((args.attrs as { activation?: string }).activation ?? 'linear') as string;
      const supported = activation === 'linear' || activation === 'relu' || activation === 'sigmoid';
      const g = supported && !preluActivationWeights ? smallOutGeometry(tf, x!, filter!, args.attrs as never) : undefined;
      const biasOk = !bias || bias.shape.length === 0 || (bias.shape.length === 1 && (bias.shape[0] === 1 || bias.shape[0] === g?.Co));
      if (!g || !biasOk || (bias && bias.dtype !== 'float32')) return original(args);
      return smallOutConv2D(kernel, args.backend as unknown as WasmBackendLike, x!, filter!, bias, activation as SmallOutActivation, g);
    },
  };
}
