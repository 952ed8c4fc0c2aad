import type { KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/** The part of the wasm backend (`BackendWasm`) that the kernels here use. */
export interface WasmBackendLike {
  makeOutput(shape: number[], dtype: 'float32' | 'int32' | 'bool'): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The part of the pure-JS cpu backend (`MathBackendCPU`) that the kernels here use. */
export interface CpuBackendLike {
  data: { get(dataId: object): { values: unknown } };
  makeTensorInfo(shape: number[], dtype: 'float32', values: Float32Array): TensorInfo;
}

/** Registered kernel functions looked up once per call site (never cached across re-registration). */
export type KernelLookup = (kernelName: string) => KernelFunc;

/**
 * Calls another kernel of the same backend directly (no engine bookkeeping, no gradient tape).
 * Intermediate outputs must be released with `backend.disposeData(out.dataId)`.
 */
export function callKernel(
  lookup: KernelLookup,
  kernelName: string,
  backend: unknown,
  inputs: Record<string, TensorInfo>,
  attrs: NamedAttrMap,
): TensorInfo {
  const out = lookup(kernelName)({ inputs, backend: backend as never, attrs });
  if (Array.isArray(out)) throw new Error(`Kernel ${kernelName} returned several outputs; expected one.`);
  return out;
}

/** `a · b` (2-D, no transposes: the flags fall off XNNPACK's fast path) through the backend's BatchMatMul. */
export function matMulKernel(lookup: KernelLookup, backend: unknown, a: TensorInfo, b: TensorInfo): TensorInfo {
  return callKernel(lookup, 'BatchMatMul', backend, { a, b }, { transposeA: false, transposeB: false } as unknown as NamedAttrMap);
}

/** Builds a lookup for kernels of `backendName` from `tf.getKernel`. */
export function kernelLookup(
  getKernel: (kernelName: string, backendName: string) => KernelConfig | undefined,
  backendName: string,
): KernelLookup {
  return (kernelName) => {
    const cfg = getKernel(kernelName, backendName);
    if (!cfg) throw new Error(`Kernel '${kernelName}' is not registered for backend '${backendName}'.`);
    return cfg.kernelFunc;
  };
}

/** Float32 view of a wasm tensor's heap memory (valid until the next allocation on the heap). */
export function heapF32(backend: WasmBackendLike, t: TensorInfo): Float32Array {
  const a = backend.typedArrayFromHeap(t);
  if (!(a instanceof Float32Array)) throw new TypeError(`Expected a float32 tensor, got dtype '${t.dtype}'.`);
  return a;
}

/** Float32 values of a cpu tensor. */
export function cpuF32(backend: CpuBackendLike, t: TensorInfo): Float32Array {
  const v = backend.data.get(t.dataId).values;
  if (!(v instanceof Float32Array)) throw new TypeError(`Expected float32 values, got dtype '${t.dtype}'.`);
  return v;
}

/** Attributes shared by the two conv2d gradient kernels (as TF.js declares them). */
export interface Conv2DGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | number[][];
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}
