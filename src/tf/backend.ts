import * as path from 'node:path';
import { activeKernelFixes, registerKernelFixes, type KernelFixName } from './kernels/index.js';

/** The TF.js backends this package can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The TF.js namespace type (from @tensorflow/tfjs or @tensorflow/tfjs-node; same API). */
export type TF = typeof import('@tensorflow/tfjs');

let active: { tf: TF; backend: BackendName } | undefined;
let activeInfo: BackendInfo | undefined;

/** What {@link initBackend} selected, for notebooks and benches to print. */
export interface BackendInfo {
  /** The backend in use. */
  backend: BackendName;
  /** wasm only: whether the SIMD build runs (false on other backends). */
  simd: boolean;
  /** wasm only: number of threads (1 in Node); 0 on other backends. */
  threads: number;
  /** The kernel fixes from `src/tf/kernels` registered for this backend (none on tfjs-node). */
  kernelFixes: KernelFixName[];
  /** The @tensorflow/tfjs-core version. */
  tfjsVersion: string;
}

/**
 * Environment variable that forces a backend: `tensorflow` (tfjs-node), `wasm` or `cpu`.
 * Unset: tfjs-node when it loads, else wasm (SIMD), else cpu.
 */
export const BACKEND_ENV = 'FMNIST_BACKEND';

/**
 * Picks, loads and initialises the TF.js backend once per process and returns the `tf`
 * namespace to use. Later calls return the same instance.
 *
 * Only one of `@tensorflow/tfjs` and `@tensorflow/tfjs-node` may be loaded in a process (both
 * register the same kernels), so every module gets `tf` from here rather than importing it.
 * On wasm and cpu it registers the kernel fixes of `./kernels` (missing/wrong/slow gradient
 * kernels of tfjs 4.22; see `bench/README-tf.md`); tfjs-node's native kernels are left alone.
 * @param preferred force a backend (overrides {@link BACKEND_ENV}); default: tfjs-node, else wasm, else cpu.
 * @throws RangeError for an unknown backend name.
 * @throws Error when a forced backend cannot be loaded, naming how to install it.
 * @example
 * const { tf, backend } = await initBackend();
 * const info = backendInfo(); // { backend: 'wasm', simd: true, threads: 1, kernelFixes: [...], tfjsVersion: '4.22.0' }
 */
export async function initBackend(preferred?: BackendName): Promise<{ tf: TF; backend: BackendName }> {
  if (active) return active;
  const forced = (preferred ?? (process.env[BACKEND_ENV] as BackendName | undefined)) || undefined;
  if (forced !== undefined && !['tensorflow', 'wasm', 'cpu'].includes(forced)) {
    throw new RangeError(`${BACKEND_ENV} must be one of 'tensorflow', 'wasm', 'cpu', got '${forced}'.`);
  }
  if (forced === undefined || forced === 'tensorflow') {
    const node = tryLoadTfjsNode();
    if (node) {
      await node.setBackend('tensorflow');
      await node.ready();
      active = { tf: node, backend: 'tensorflow' };
      await afterInit(node, 'tensorflow');
      return active;
    }
    if (forced === 'tensorflow') {
      throw new Error(
        `${BACKEND_ENV}=tensorflow but @tensorflow/tfjs-node did not load. Install it with ` +
          '`npm install @tensorflow/tfjs-node@4.22.0` on a machine that can download libtensorflow, or unset the variable.',
      );
    }
  }
  const tf = quietRequire<TF>('@tensorflow/tfjs');
  if (forced === undefined || forced === 'wasm') {
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        active = { tf, backend: 'wasm' };
        await afterInit(tf, 'wasm');
        return active;
      }
    } catch (err) {
      if (forced === 'wasm') throw new Error(`${BACKEND_ENV}=wasm but the wasm backend failed to start: ${(err as Error).message}`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  active = { tf, backend: 'cpu' };
  await afterInit(tf, 'cpu');
  return active;
}

/** The backend chosen by {@link initBackend}, or undefined before it ran. */
export function activeBackend(): BackendName | undefined {
  return active?.backend;
}

/**
 * The `tf` namespace chosen by {@link initBackend}, or undefined before it ran. Synchronous, for
 * estimators whose `fit` is synchronous (KMeans, GaussianMixture) and use TF.js only when a
 * backend is already up.
 */
export function activeTf(): TF | undefined {
  return active?.tf;
}

/**
 * The selected backend, whether wasm runs with SIMD, and which kernel fixes are active, or
 * undefined before {@link initBackend} ran.
 * @example
 * await initBackend();
 * console.log(backendInfo()); // { backend: 'wasm', simd: true, threads: 1, kernelFixes: [...], ... }
 */
export function backendInfo(): BackendInfo | undefined {
  if (!active || !activeInfo) return undefined;
  return { ...activeInfo, kernelFixes: activeKernelFixes(active.tf, active.backend) };
}

/** Registers the kernel fixes (wasm and cpu only, see ./kernels) and records what runs. */
async function afterInit(tf: TF, backend: BackendName): Promise<void> {
  const kernelFixes = registerKernelFixes(tf, backend);
  // The cpu backend is registered alongside wasm (tests and benches switch with tf.setBackend):
  // fix it too so that switching never silently brings back a wrong gradient.
  if (backend === 'wasm') registerKernelFixes(tf, 'cpu');
  // The cpu backend prints an "install tfjs-node" banner on its first tensor; it cannot install here.
  if (backend === 'cpu') quiet(() => tf.tensor1d([0]).dispose());
  let simd = false;
  let threads = 0;
  if (backend === 'wasm') {
    simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
    const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
    threads = wasm.getThreadsCount();
  }
  activeInfo = { backend, simd, threads, kernelFixes, tfjsVersion: tf.version_core };
}

function tryLoadTfjsNode(): TF | undefined {
  try {
    return require('@tensorflow/tfjs-node') as TF;
  } catch {
    return undefined;
  }
}

/** Loads @tensorflow/tfjs without its "install tfjs-node" banner, which would clutter notebooks. */
function quietRequire<T>(id: string): T {
  return quiet(() => require(id) as T);
}

function quiet<T>(f: () => T): T {
  const warn = console.warn;
  const log = console.log;
  try {
    console.warn = () => undefined;
    console.log = () => undefined;
    return f();
  } finally {
    console.warn = warn;
    console.log = log;
  }
}
