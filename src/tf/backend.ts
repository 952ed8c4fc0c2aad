import * as path from 'node:path';
import type { NamedTensorMap } from '@tensorflow/tfjs';
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
  /** The kernel fixes from `src/tf/kernels` registered for this backend (on tfjs-node its own two, native ops). */
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
 * Every module gets `tf` from here rather than importing it, so that the whole process uses one
 * backend. (tfjs-node re-exports the same `@tensorflow/tfjs` package, so its engine is shared:
 * {@link loadAllBackends} registers the others beside it for tests and benches.)
 * On wasm and cpu it registers the kernel fixes of `./kernels` (missing/wrong/slow gradient
 * kernels of tfjs 4.22; see `bench/tf-kernels.md`); on tfjs-node only two of its own (native ops:
 * a faster `Step`, the relu gradient, and a `ResizeNearestNeighborGrad` that honours `halfPixelCenters`). tfjs-node starts TensorFlow with oneDNN on
 * (`TF_ENABLE_ONEDNN_OPTS=1` unless set: ≈1.5× faster training here) and INFO logs off.
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
        `${BACKEND_ENV}=tensorflow but @tensorflow/tfjs-node did not load (${tfjsNodeError}). Run \`bash scripts/setup-tfjs-node.sh\` ` +
          '(Linux x86-64: it builds the binding against PyPI\'s tensorflow-cpu; needs g++ and make), or unset the variable.',
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

/**
 * Initialises the process's backend ({@link initBackend}), then also registers every other backend
 * that loads here (tfjs-node's `tensorflow`, `wasm`, `cpu`; each with its kernel fixes) in the same
 * engine, and switches back to the active one. For tests and benches that compare backends:
 * `await tf.setBackend(name)` then selects one. Tensors move between backends on use.
 * @returns the `tf` namespace and the loadable backends, fastest first.
 * @example
 * const { tf, backends } = await loadAllBackends(); // e.g. ['tensorflow', 'wasm', 'cpu']
 * for (const b of backends) { await tf.setBackend(b); ... }
 */
export async function loadAllBackends(): Promise<{ tf: TF; backends: BackendName[] }> {
  const { tf, backend } = await initBackend();
  const backends: BackendName[] = [];
  if (backend === 'tensorflow') {
    backends.push('tensorflow');
  } else if (tryLoadTfjsNode() !== undefined) {
    // tfjs-node registered its 'tensorflow' backend and kernels in the shared engine.
    if (await tf.setBackend('tensorflow').catch(() => false)) {
      registerKernelFixes(tf, 'tensorflow');
      backends.push('tensorflow');
    }
  }
  if (backend === 'wasm') {
    backends.push('wasm');
  } else {
    try {
      const wasm = require('@tensorflow/tfjs-backend-wasm') as typeof import('@tensorflow/tfjs-backend-wasm');
      wasm.setWasmPaths(path.join(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json')), 'dist') + path.sep);
      if (await tf.setBackend('wasm')) {
        await tf.ready();
        registerKernelFixes(tf, 'wasm');
        backends.push('wasm');
      }
    } catch {
      // wasm cannot start here: compare the others
    }
  }
  if (await tf.setBackend('cpu')) {
    registerKernelFixes(tf, 'cpu');
    backends.push('cpu');
  }
  await tf.setBackend(backend);
  return { tf, backends };
}

/**
 * Whether `@tensorflow/tfjs-node` (the `tensorflow` backend) loads in this process. Synchronous
 * (it requires the package once), for tests that list their backends before running.
 * @example const backends = [...(tfjsNodeLoads() ? ['tensorflow'] : []), 'wasm', 'cpu'];
 */
export function tfjsNodeLoads(): boolean {
  return tryLoadTfjsNode() !== undefined;
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

/** Why tfjs-node did not load (for the error message of a forced `tensorflow`). */
let tfjsNodeError = 'not tried';

/**
 * Environment read by TensorFlow's C library when it starts, so set before the first require of
 * tfjs-node (a variable already set wins):
 * - `TF_ENABLE_ONEDNN_OPTS=1`: TensorFlow ≥ 2.9 turns oneDNN on by default only on CPUs with
 *   AVX-512 VNNI/BF16/AMX; on AVX2 CPUs (these machines) it makes the convolution gradients ≈5×
 *   and a training step ≈1.5× faster (bench/README.md).
 * - `TF_CPP_MIN_LOG_LEVEL=1`: no INFO lines (CPU features, oneDNN) in notebooks; warnings stay.
 * Threads: TensorFlow's defaults (one pool thread per core) measured best; `TF_NUM_INTRAOP_THREADS`
 * and `TF_NUM_INTEROP_THREADS` override them.
 */
function configureTensorFlow(): void {
  process.env.TF_ENABLE_ONEDNN_OPTS ??= '1';
  process.env.TF_CPP_MIN_LOG_LEVEL ??= '1';
}

/** A TensorFlow session over a loaded SavedModel signature (tfjs-node's `TFSavedModel`). */
export interface GraphSession {
  /** Runs the signature: one tensor per input key in, one per output key out (the caller disposes them). */
  predict(inputs: NamedTensorMap): NamedTensorMap;
  dispose(): void;
}

/**
 * Loads signature `signature` of the SavedModel folder `dir` into a TensorFlow session, through
 * tfjs-node (graph execution: TensorFlow optimises the whole graph, e.g. fuses ops and runs
 * independent ones in parallel). Only on the tensorflow backend.
 * @throws Error when the tensorflow backend is not active, or TensorFlow refuses the graph.
 */
export async function loadGraphSession(dir: string, signature = 'serving_default'): Promise<GraphSession> {
  const node = active && tryLoadTfjsNode();
  if (!node || node.getBackend() !== 'tensorflow') {
    throw new Error(`Graph sessions need the tensorflow backend (tfjs-node); the current backend is ${active ? active.tf.getBackend() : 'none (call initBackend first)'}.`);
  }
  const loader = (node as unknown as { node: { loadSavedModel(dir: string, tags: string[], signature: string): Promise<unknown> } }).node;
  return (await loader.loadSavedModel(dir, ['serve'], signature)) as GraphSession;
}

function tryLoadTfjsNode(): TF | undefined {
  try {
    require.resolve('@tensorflow/tfjs-node');
  } catch {
    tfjsNodeError = 'the package is not installed: npm ci installs it (an optionalDependency)';
    return undefined;
  }
  configureTensorFlow();
  try {
    return require('@tensorflow/tfjs-node') as TF;
  } catch (err) {
    tfjsNodeError = (err as Error).message.split('\n')[0]!;
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
