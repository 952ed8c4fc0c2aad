import type { BenchCase, BenchContext } from '../types.js';
import type { TF } from '../../tf/backend.js';
import type { KernelFixName } from '../../tf/kernels/index.js';
import { median, round } from '../stats.js';

/** Options of the training-step bench, from the environment (it runs in a bench child process). */
const STEPS = Number(process.env.TF_BENCH_STEPS ?? 15);
const BATCH = 128;

/** The report's autoencoder (4,385 parameters) built with tf.layers, as the model code does. */
function buildAutoencoder(tf: TF) {
  const L = tf.layers;
  const conv = (filters: number, activation: 'relu' | 'sigmoid', padding: 'same' | 'valid' = 'same', strides = 1) =>
    L.conv2d({ filters, kernelSize: 3, activation, padding, strides, kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) });
  return tf.sequential({
    layers: [
      L.inputLayer({ inputShape: [28, 28, 1] }),
      conv(16, 'relu'), L.maxPooling2d({ poolSize: 2, padding: 'same' }),
      conv(8, 'relu'), L.maxPooling2d({ poolSize: 2, padding: 'same' }),
      conv(8, 'relu', 'same', 2), L.flatten(),
      L.reshape({ targetShape: [4, 4, 8] }),
      conv(8, 'relu'), L.upSampling2d({ size: [2, 2] }),
      conv(8, 'relu'), L.upSampling2d({ size: [2, 2] }),
      conv(16, 'relu', 'valid'), L.upSampling2d({ size: [2, 2] }),
      conv(1, 'sigmoid'),
    ],
  });
}


/** Median ms per training step (forward, backward, adam update) on a fixed batch of 128. */
function timeSteps(tf: TF, steps: number, afterWarmup?: () => void): { ms: number; totalMs: number; loss: number } {
  const model = buildAutoencoder(tf);
  const optimizer = tf.train.adam(1e-3);
  let seed = 12345;
  const pixels = new Float32Array(BATCH * 784).map(() => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32) ** 2);
  const x = tf.tensor4d(pixels, [BATCH, 28, 28, 1]);
  const step = () => {
    const loss = optimizer.minimize(() => tf.metrics.binaryCrossentropy(x, model.apply(x, { training: true }) as never).mean() as never, true);
    const v = loss!.dataSync()[0]!;
    loss!.dispose();
    return v;
  };
  for (let i = 0; i < 3; i++) step(); // warm-up: XNNPACK operators, JIT
  afterWarmup?.();
  const times: number[] = [];
  let loss = 0;
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    loss = step();
    times.push(performance.now() - t0);
  }
  x.dispose();
  model.dispose();
  optimizer.dispose();
  return { ms: median(times), totalMs: times.reduce((a, b) => a + b, 0), loss };
}

/**
 * Wraps every registered kernel of `backendName` with a timer (top-level calls only, so kernels
 * that call other kernels are not counted twice). Returns the accumulated ms per kernel name and
 * a function that restores the original kernels.
 */
function instrumentKernels(tf: TF, backendName: string): { totals: Map<string, { ms: number; calls: number }>; restore: () => void } {
  const totals = new Map<string, { ms: number; calls: number }>();
  const originals = tf.getKernelsForBackend(backendName);
  let depth = 0;
  for (const cfg of originals) {
    const inner = cfg.kernelFunc;
    tf.unregisterKernel(cfg.kernelName, backendName);
    tf.registerKernel({
      ...cfg,
      kernelFunc: (args) => {
        if (depth > 0) return inner(args);
        depth++;
        const t0 = performance.now();
        try {
          return inner(args);
        } finally {
          depth--;
          const e = totals.get(cfg.kernelName) ?? { ms: 0, calls: 0 };
          e.ms += performance.now() - t0;
          e.calls++;
          totals.set(cfg.kernelName, e);
        }
      },
    });
  }
  const restore = () => {
    for (const cfg of originals) {
      tf.unregisterKernel(cfg.kernelName, backendName);
      tf.registerKernel(cfg);
    }
  };
  return { totals, restore };
}

/** Kernel time per kernel name for one training step (tf.profile), and the rest ("glue"). */
async function profileStep(tf: TF): Promise<{ wallMs: number; kernelMs: Record<string, number>; totalKernelMs: number }> {
  const model = buildAutoencoder(tf);
  const optimizer = tf.train.adam(1e-3);
  const x = tf.randomUniform([BATCH, 28, 28, 1], 0, 1, 'float32', 3) as import('@tensorflow/tfjs').Tensor4D;
  const step = () => optimizer.minimize(() => tf.metrics.binaryCrossentropy(x, model.apply(x, { training: true }) as never).mean() as never, false);
  for (let i = 0; i < 2; i++) step();
  const check = tf.env().getBool('CHECK_COMPUTATION_FOR_ERRORS');
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', false);
  const t0 = performance.now();
  const info = await tf.profile(() => {
    step();
  });
  const wallMs = performance.now() - t0;
  tf.env().set('CHECK_COMPUTATION_FOR_ERRORS', check);
  const kernelMs: Record<string, number> = {};
  let totalKernelMs = 0;
  for (const k of info.kernels) {
    const ms = typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
    kernelMs[k.name] = (kernelMs[k.name] ?? 0) + ms;
    totalKernelMs += ms;
  }
  for (const name of Object.keys(kernelMs)) kernelMs[name] = round(kernelMs[name]!, 1);
  x.dispose();
  model.dispose();
  optimizer.dispose();
  return { wallMs, kernelMs: Object.fromEntries(Object.entries(kernelMs).sort((a, b) => b[1] - a[1])), totalKernelMs };
}

/**
 * `tf-train-step`: median ms per training step (batch 128) of the report's autoencoder on three
 * kernel sets measured in the same process, interleaved, best of two rounds: `minimal` (packaged
 * wasm kernels plus the missing Conv2DBackpropFilter), `correctness` (plus MaxPoolGrad and
 * ResizeNearestNeighborGrad) and `all` (every fix, incl. the speed-only ones); then per-kernel
 * times of ordinary steps with all fixes (timers around each kernel) and a tf.profile of one step.
 * Env: TF_BENCH_STEPS (default 15) timed steps per variant.
 */
export const tfTrainStep: BenchCase = {
  name: 'tf-train-step',
  description: 'ms per batch of 128 for one autoencoder training step: minimal vs all kernel fixes, with a per-kernel profile.',
  async run({ tf, backend }: BenchContext) {
    const { CORRECTNESS_FIXES, KERNEL_FIXES, registerKernelFixes, unregisterKernelFixes } = await import('../../tf/kernels/index.js');
    const out: Record<string, unknown> = { batch: BATCH, steps: STEPS, loadavg: round(require('node:os').loadavg()[0], 2) };
    if (backend === 'wasm') {
      // Three kernel sets, interleaved over two rounds (the machine is shared: compare in one run).
      const variants: Record<string, readonly KernelFixName[]> = {
        minimal: ['Conv2DBackpropFilter'], // only what wasm needs to train at all
        correctness: CORRECTNESS_FIXES,
        all: KERNEL_FIXES.wasm,
      };
      const ms: Record<string, number[]> = { minimal: [], correctness: [], all: [] };
      let loss = 0;
      for (let round = 0; round < 2; round++) {
        for (const [name, fixes] of Object.entries(variants)) {
          unregisterKernelFixes(tf, 'wasm');
          registerKernelFixes(tf, 'wasm', { only: fixes });
          const r = timeSteps(tf, STEPS);
          ms[name]!.push(r.ms);
          if (name === 'all') loss = r.loss;
        }
      }
      registerKernelFixes(tf, 'wasm');
      const best = (name: string) => Math.min(...ms[name]!);
      const epoch = (m: number) => round((m * 60000) / BATCH / 1000, 1);
      Object.assign(out, {
        msPerBatchMinimal: round(best('minimal'), 1),
        msPerBatchCorrectness: round(best('correctness'), 1),
        msPerBatch: round(best('all'), 1),
        speedupVsMinimal: round(best('minimal') / best('all'), 2),
        epoch60kSecondsMinimal: epoch(best('minimal')),
        epoch60kSeconds: epoch(best('all')),
        roundsMs: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v.map((x) => round(x, 1))])),
        loss,
      });
    } else {
      const all = timeSteps(tf, STEPS);
      Object.assign(out, { msPerBatch: round(all.ms, 1), epoch60kSeconds: round((all.ms * 60000) / BATCH / 1000, 1) });
    }
    // Faithful per-kernel times: timers around every kernel during a few ordinary steps.
    const inst = instrumentKernels(tf, backend);
    const n = 5;
    const wrapped = timeSteps(tf, n, () => inst.totals.clear());
    inst.restore();
    const perStep: Record<string, number> = {};
    let kernelTotal = 0;
    for (const [name, { ms }] of [...inst.totals].sort((a, b) => b[1].ms - a[1].ms)) {
      const perStepMs = ms / n;
      kernelTotal += perStepMs;
      if (perStepMs >= 0.2) perStep[name] = round(perStepMs, 1);
    }
    Object.assign(out, {
      instrumentedMsPerBatch: round((wrapped.totalMs / n), 1),
      kernelMsPerBatch: round(kernelTotal, 1),
      glueMsPerBatch: round((wrapped.totalMs / n - kernelTotal), 1),
      kernelMsByName: perStep,
    });
    const prof = await profileStep(tf);
    Object.assign(out, {
      profileWallMs: Math.round(prof.wallMs),
      profileKernelMs: Math.round(prof.totalKernelMs),
      kernelMs: prof.kernelMs,
    });
    return out;
  },
};
