import * as path from 'node:path';

/** The TF.js backends this package can run on, fastest first. */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

/** The TF.js namespace type (from @tensorflow/tfjs or @tensorflow/tfjs-node; same API). */
export type TF = typeof import('@tensorflow/tfjs');

let active: { tf: TF; backend: BackendName } | undefined;

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
 * @throws Error when a forced backend cannot be loaded, naming how to install it.
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
        await afterInit(tf, 'wasm');
        active = { tf, backend: 'wasm' };
        return active;
      }
    } catch (err) {
      if (forced === 'wasm') throw new Error(`${BACKEND_ENV}=wasm but the wasm backend failed to start: ${(err as Error).message}`);
    }
  }
  await tf.setBackend('cpu');
  await tf.ready();
  await afterInit(tf, 'cpu');
  active = { tf, backend: 'cpu' };
  return active;
}

/** The backend chosen by {@link initBackend}, or undefined before it ran. */
export function activeBackend(): BackendName | undefined {
  return active?.backend;
}

/** Hook for kernel fixes (see ./kernels): run once after a backend is selected. */
async function afterInit(_tf: TF, _backend: BackendName): Promise<void> {
  // Kernel registrations for wasm/cpu are added here by src/tf/kernels.
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
  const warn = console.warn;
  const log = console.log;
  try {
    console.warn = () => undefined;
    console.log = () => undefined;
    return require(id) as T;
  } finally {
    console.warn = warn;
    console.log = log;
  }
}
