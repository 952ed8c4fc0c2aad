import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import type { TF } from '../backend.js';
import { callKernel, heapF32, kernelLookup, type Conv2DGradAttrs, type WasmBackendLike } from './util.js';

/** Attributes of the `Conv2DBackpropInput` kernel. */
export interface Conv2DBackpropInputAttrs extends Conv2DGradAttrs {
  inputShape: [number, number, number, number];
}

/**
 * Rotates a [KH,KW,Ci,Co] filter by 180° and swaps its channel axes: out[KH−1−kh, KW−1−kw, co, ci]
 * = w[kh, kw, ci, co]. Pure typed arrays.
 */
export function flipTransposeFilter(w: Float32Array, out: Float32Array, KH: number, KW: number, Ci: number, Co: number): void {
  let i = 0;
  for (let kh = 0; kh < KH; kh++) {
    for (let kw = 0; kw < KW; kw++) {
      const oBase = ((KH - 1 - kh) * KW + (KW - 1 - kw)) * Co * Ci;
      for (let ci = 0; ci < Ci; ci++) {
        for (let co = 0; co < Co; co++) out[oBase + co * Ci + ci] = w[i++]!;
      }
    }
  }
}

/**
 * Scatters dy [B,OH,OW,C] into a zeroed [B,Hp,Wp,C] buffer at (top + oh·sh, left + ow·sw):
 * the zero-inserted, padded input of a transposed convolution.
 */
export function dilatePad(
  dy: Float32Array,
  out: Float32Array,
  B: number,
  OH: number,
  OW: number,
  C: number,
  Hp: number,
  Wp: number,
  top: number,
  left: number,
  sh: number,
  sw: number,
): void {
  out.fill(0);
  let yi = 0;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      let o = ((b * Hp + top + oh * sh) * Wp + left) * C;
      for (let ow = 0; ow < OW; ow++, o += sw * C) {
        for (let c = 0; c < C; c++) out[o + c] = dy[yi++]!;
      }
    }
  }
}

/**
 * Faster `Conv2DBackpropInput` for the wasm backend: dx is a plain convolution (XNNPACK) of dy with
 * the 180°-rotated, channel-swapped filter. Stride 1 pads dy implicitly; stride > 1 first inserts
 * zeros between dy's pixels. Anything else (NCHW, negative implied padding) goes to `fallback`,
 * the packaged kernel.
 */
export function createConv2DBackpropInputWasm(tf: TF, fallback: KernelFunc | undefined): KernelConfig {
  const kernel = kernelLookup(tf.getKernel, 'wasm');
  return {
    kernelName: 'Conv2DBackpropInput',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const { inputs, backend, attrs } = args;
      const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
      const a = attrs as unknown as Conv2DBackpropInputAttrs;
      const info =
        a.dataFormat === 'NCHW'
          ? undefined
          : tf.backend_util.computeConv2DInfo(a.inputShape, filter.shape as [number, number, number, number], a.strides, 1, a.pad as 'same', a.dimRoundingMode, false, 'channelsLast');
      const KH = info?.filterHeight ?? 0;
      const KW = info?.filterWidth ?? 0;
      const top = KH - 1 - (info?.padInfo.top ?? 0);
      const left = KW - 1 - (info?.padInfo.left ?? 0);
      const Hd = info ? (info.outHeight - 1) * info.strideHeight + 1 : 0;
      const Wd = info ? (info.outWidth - 1) * info.strideWidth + 1 : 0;
      const bottom = info ? info.inHeight + KH - 1 - Hd - top : -1;
      const right = info ? info.inWidth + KW - 1 - Wd - left : -1;
      if (!info || top < 0 || left < 0 || bottom < 0 || right < 0) {
        if (!fallback) throw new Error('Conv2DBackpropInput on wasm: unsupported configuration and no packaged kernel to fall back to.');
        return fallback(args);
      }
      const be = backend as unknown as WasmBackendLike;
      const { inChannels: Ci, outChannels: Co } = info;
      const wT = be.makeOutput([KH, KW, Co, Ci], 'float32');
      flipTransposeFilter(heapF32(be, filter), heapF32(be, wT), KH, KW, Ci, Co);
      let src = dy;
      let pad: number[][] = [[0, 0], [top, bottom], [left, right], [0, 0]];
      if (info.strideHeight > 1 || info.strideWidth > 1) {
        const Hp = info.inHeight + KH - 1;
        const Wp = info.inWidth + KW - 1;
        src = be.makeOutput([info.batchSize, Hp, Wp, Co], 'float32');
        dilatePad(heapF32(be, dy), heapF32(be, src), info.batchSize, info.outHeight, info.outWidth, Co, Hp, Wp, top, left, info.strideHeight, info.strideWidth);
        pad = [[0, 0], [0, 0], [0, 0], [0, 0]];
      }
      const out = callKernel(kernel, 'Conv2D', be, { x: src, filter: wT }, {
        strides: [1, 1],
        pad,
        dataFormat: 'NHWC',
        dilations: [1, 1],
        dimRoundingMode: undefined,
      } as unknown as NamedAttrMap);
      be.disposeData(wT.dataId);
      if (src !== dy) be.disposeData(src.dataId);
      return out;
    },
  };
}
