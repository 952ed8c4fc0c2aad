import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';
import { heapF32, type WasmBackendLike } from './util.js';

/** Geometry of a 2-D max pool (NHWC, dilation 1). */
export interface PoolGeometry {
  batch: number;
  inHeight: number;
  inWidth: number;
  channels: number;
  outHeight: number;
  outWidth: number;
  strideHeight: number;
  strideWidth: number;
  filterHeight: number;
  filterWidth: number;
  padTop: number;
  padLeft: number;
}

/**
 * Gradient of a 2-D max pool: each `dy` value goes to the first (row-major within the window)
 * position holding the window's maximum in `x`, like the cpu backend. Overwrites `dx`.
 * `y` is the pool's output (the window maxima), which the fast 2×2 path uses to select positions
 * without branches. Pure typed arrays, NHWC.
 */
export function maxPoolGradImpl(x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, g: PoolGeometry): void {
  const fast = g.filterHeight === 2 && g.filterWidth === 2 && g.strideHeight === 2 && g.strideWidth === 2 && g.padTop === 0 && g.padLeft === 0;
  if (!fast) {
    dx.fill(0);
    for (let b = 0; b < g.batch; b++)
      for (let oh = 0; oh < g.outHeight; oh++)
        for (let ow = 0; ow < g.outWidth; ow++) windowGrad(x, dy, dx, g, b, oh, ow);
    return;
  }
  const { batch, inHeight: H, inWidth: W, channels: C, outHeight: OH, outWidth: OW } = g;
  // Windows that lie fully inside the input; the rest (the last row/column of windows with
  // 'same' padding on odd sizes) take the general path.
  const fullOH = Math.min(OH, H >> 1);
  const fullOW = Math.min(OW, W >> 1);
  // Rows/columns that no window covers ('valid' on odd sizes) keep a zero gradient; edge windows
  // accumulate into zeros.
  if (fullOH < OH || fullOW < OW || 2 * OH < H || 2 * OW < W) dx.fill(0);
  const rowStride = W * C;
  for (let b = 0; b < batch; b++) {
    for (let oh = 0; oh < fullOH; oh++) {
      let yi = ((b * OH + oh) * OW) * C;
      for (let ow = 0; ow < fullOW; ow++) {
        const i00 = ((b * H + 2 * oh) * W + 2 * ow) * C;
        const i01 = i00 + C;
        const i10 = i00 + rowStride;
        const i11 = i10 + C;
        for (let ch = 0; ch < C; ch++, yi++) {
          const m = y[yi]!;
          const grad = dy[yi]!;
          // One-hot of the first position equal to the maximum, without branches.
          const a0 = +(x[i00 + ch] === m);
          const a1 = +(x[i01 + ch] === m) * (1 - a0);
          const a2 = +(x[i10 + ch] === m) * (1 - a0 - a1);
          const a3 = 1 - a0 - a1 - a2;
          dx[i00 + ch] = grad * a0;
          dx[i01 + ch] = grad * a1;
          dx[i10 + ch] = grad * a2;
          dx[i11 + ch] = grad * a3;
        }
      }
      for (let ow = fullOW; ow < OW; ow++) windowGrad(x, dy, dx, g, b, oh, ow);
    }
    for (let oh = fullOH; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) windowGrad(x, dy, dx, g, b, oh, ow);
  }
}

/** Adds the gradient of one output pixel (all channels) into dx: general window, first maximum wins. */
function windowGrad(x: Float32Array, dy: Float32Array, dx: Float32Array, g: PoolGeometry, b: number, oh: number, ow: number): void {
  const { inHeight, inWidth, channels: C } = g;
  const rowStride = inWidth * C;
  const bBase = b * inHeight * rowStride;
  const r0 = oh * g.strideHeight - g.padTop;
  const rMin = Math.max(0, r0);
  const rMax = Math.min(inHeight, r0 + g.filterHeight);
  const c0 = ow * g.strideWidth - g.padLeft;
  const cMin = Math.max(0, c0);
  const cMax = Math.min(inWidth, c0 + g.filterWidth);
  const first = bBase + rMin * rowStride + cMin * C;
  let yi = ((b * g.outHeight + oh) * g.outWidth + ow) * C;
  for (let ch = 0; ch < C; ch++, yi++) {
    let best = -Infinity;
    let bestIdx = -1;
    for (let r = rMin; r < rMax; r++) {
      let idx = bBase + r * rowStride + cMin * C + ch;
      for (let c = cMin; c < cMax; c++, idx += C) {
        const v = x[idx]!;
        if (v > best) {
          best = v;
          bestIdx = idx;
        }
      }
    }
    // A window of NaNs: route to its first element (NaN either way).
    dx[bestIdx >= 0 ? bestIdx : first + ch]! += dy[yi]!;
  }
}

/**
 * Replacement for the wasm backend's `MaxPoolGrad` (tfjs 4.22 routes some gradients to the wrong
 * position when channels > 1). A pure typed-array loop over the wasm heap.
 * @example registerKernelFixes(tf, 'wasm') // registers this among the others
 */
export function createMaxPoolGradWasm(tf: TF): KernelConfig {
  return {
    kernelName: 'MaxPoolGrad',
    backendName: 'wasm',
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { dy, input, output } = inputs as { dy: TensorInfo; input: TensorInfo; output: TensorInfo };
      const a = attrs as unknown as {
        filterSize: number | [number, number];
        strides: number | [number, number];
        pad: 'valid' | 'same' | number;
        dimRoundingMode?: 'floor' | 'round' | 'ceil';
      };
      const info = tf.backend_util.computePool2DInfo(
        input.shape as [number, number, number, number],
        a.filterSize,
        a.strides,
        1,
        a.pad,
        a.dimRoundingMode,
      );
      const be = backend as unknown as WasmBackendLike;
      const dx = be.makeOutput(input.shape.slice(), 'float32');
      maxPoolGradImpl(heapF32(be, input), heapF32(be, output), heapF32(be, dy), heapF32(be, dx), {
        batch: info.batchSize,
        inHeight: info.inHeight,
        inWidth: info.inWidth,
        channels: info.inChannels,
        outHeight: info.outHeight,
        outWidth: info.outWidth,
        strideHeight: info.strideHeight,
        strideWidth: info.strideWidth,
        filterHeight: info.filterHeight,
        filterWidth: info.filterWidth,
        padTop: info.padInfo.top,
        padLeft: info.padInfo.left,
      });
      return dx;
    },
  };
}
