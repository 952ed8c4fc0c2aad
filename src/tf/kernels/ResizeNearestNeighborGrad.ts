import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';
import { callKernel, cpuF32, heapF32, kernelLookup, type CpuBackendLike, type WasmBackendLike } from './util.js';

/** Attributes of `ResizeNearestNeighbor` (the gradient receives the forward op's attributes). */
export interface ResizeAttrs {
  alignCorners: boolean;
  halfPixelCenters?: boolean;
}

/** Source index along one axis for each output index, exactly as the forward op picks it. */
export function nearestSourceIndex(inSize: number, outSize: number, alignCorners: boolean, halfPixelCenters: boolean): Int32Array {
  const ratio = (alignCorners && outSize > 1 ? inSize - 1 : inSize) / (alignCorners && outSize > 1 ? outSize - 1 : outSize);
  const src = new Int32Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const frac = halfPixelCenters ? ratio * (o + 0.5) : ratio * o;
    let s = Math.min(inSize - 1, alignCorners ? Math.round(frac) : Math.floor(frac));
    if (halfPixelCenters) s = Math.max(0, s);
    src[o] = s;
  }
  return src;
}

/**
 * Gradient of nearest-neighbour resizing (NHWC): every `dy` pixel is added to the input pixel the
 * forward op copied it from. Overwrites `dx` (shape `[batch, inH, inW, C]`).
 */
export function resizeNearestNeighborGradImpl(
  dy: Float32Array,
  dx: Float32Array,
  shape: { batch: number; inHeight: number; inWidth: number; outHeight: number; outWidth: number; channels: number },
  attrs: ResizeAttrs,
): void {
  const { batch, inHeight, inWidth, outHeight, outWidth, channels: C } = shape;
  const half = attrs.halfPixelCenters === true;
  const srcRow = nearestSourceIndex(inHeight, outHeight, attrs.alignCorners, half);
  const srcCol = nearestSourceIndex(inWidth, outWidth, attrs.alignCorners, half);
  dx.fill(0);
  let yi = 0;
  for (let b = 0; b < batch; b++) {
    const bBase = b * inHeight * inWidth * C;
    for (let r = 0; r < outHeight; r++) {
      const rowBase = bBase + srcRow[r]! * inWidth * C;
      for (let c = 0; c < outWidth; c++) {
        let xi = rowBase + srcCol[c]! * C;
        for (let ch = 0; ch < C; ch++) dx[xi++]! += dy[yi++]!;
      }
    }
  }
}

function shapeOf(images: TensorInfo, dy: TensorInfo) {
  const [batch, inHeight, inWidth, channels] = images.shape as [number, number, number, number];
  const [dyBatch, outHeight, outWidth, dyChannels] = dy.shape as [number, number, number, number];
  if (dyBatch !== batch || dyChannels !== channels) {
    throw new Error(`Error in ResizeNearestNeighborGrad: dy shape [${dy.shape}] does not match images shape [${images.shape}].`);
  }
  return { batch, inHeight, inWidth, outHeight, outWidth, channels };
}

/**
 * Replacement for the cpu backend's `ResizeNearestNeighborGrad` (tfjs 4.22 reads `dy` with the
 * input's batch stride, so every batch item after the first is wrong).
 */
export const resizeNearestNeighborGradCpu: KernelConfig = {
  kernelName: 'ResizeNearestNeighborGrad',
  backendName: 'cpu',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
    const be = backend as unknown as CpuBackendLike;
    const shape = shapeOf(images, dy);
    const dx = new Float32Array(shape.batch * shape.inHeight * shape.inWidth * shape.channels);
    resizeNearestNeighborGradImpl(cpuF32(be, dy), dx, shape, attrs as unknown as ResizeAttrs);
    return be.makeTensorInfo(images.shape.slice(), 'float32', dx);
  },
};

/**
 * `ResizeNearestNeighborGrad` for the wasm backend. The packaged kernel ignores
 * `halfPixelCenters`; this one follows the forward op's rounding exactly. Integer upsampling
 * factors without `alignCorners` (UpSampling2D) sum each f_h×f_w block of dy: XNNPACK's average
 * pool times f_h·f_w (≈6× faster than a loop); other sizes use the scatter loop above.
 */
export function createResizeNearestNeighborGradWasm(tf: TF): KernelConfig {
  const kernel = kernelLookup(tf.getKernel, 'wasm');
  return {
    kernelName: 'ResizeNearestNeighborGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { images, dy } = inputs as { images: TensorInfo; dy: TensorInfo };
      const a = attrs as unknown as ResizeAttrs;
      const be = backend as unknown as WasmBackendLike;
      const shape = shapeOf(images, dy);
      const fh = shape.outHeight / shape.inHeight;
      const fw = shape.outWidth / shape.inWidth;
      if (!a.alignCorners && Number.isInteger(fh) && Number.isInteger(fw) && dy.dtype === 'float32') {
        // For an integer factor f, both rounding modes map output o to input floor(o / f).
        const dx = callKernel(kernel, 'AvgPool', be, { x: dy }, {
          filterSize: [fh, fw],
          strides: [fh, fw],
          pad: 'valid',
          dimRoundingMode: undefined,
        } as unknown as NamedAttrMap);
        const area = fh * fw;
        if (area !== 1) {
          const v = heapF32(be, dx);
          for (let i = 0; i < v.length; i++) v[i]! *= area;
        }
        return dx;
      }
      const dx = be.makeOutput(images.shape.slice(), 'float32');
      resizeNearestNeighborGradImpl(heapF32(be, dy), heapF32(be, dx), shape, a);
      return dx;
    },
  };
}
