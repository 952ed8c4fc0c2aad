import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { activeBackend, backendInfo, initBackend, loadAllBackends, tfjsNodeLoads } from '../../src/tf/backend.js';
import { activeKernelFixes, KERNEL_FIXES, registerKernelFixes, unregisterKernelFixes } from '../../src/tf/kernels/index.js';

// This process tests the automatic choice; the variable is exercised in child processes below.
delete process.env.FMNIST_BACKEND;

/** tfjs-node is installed by npm ci but loads only once scripts/setup-tfjs-node.sh built its binding. */
function hasTfjsNode(): boolean {
  return tfjsNodeLoads();
}

function childInit(env: string): { status: number | null; stdout: string; stderr: string } {
  const backendPath = path.join(__dirname, '../../src/tf/backend.ts');
  const code = `require(${JSON.stringify(backendPath)}).initBackend().then(` +
    `() => console.log(JSON.stringify(require(${JSON.stringify(backendPath)}).backendInfo())), (e) => { console.error(e.message); process.exit(3); })`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { env: { ...process.env, FMNIST_BACKEND: env }, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

test('FMNIST_BACKEND forces a backend and rejects unknown names', () => {
  const cpu = childInit('cpu');
  assert.equal(cpu.status, 0, cpu.stderr);
  const info = JSON.parse(cpu.stdout.trim().split('\n').pop()!);
  assert.equal(info.backend, 'cpu');
  assert.equal(info.simd, false);
  assert.deepEqual(info.kernelFixes, ['ResizeNearestNeighborGrad']);
  const bad = childInit('gpu');
  assert.equal(bad.status, 3);
  assert.match(bad.stderr, /FMNIST_BACKEND must be one of 'tensorflow', 'wasm', 'cpu', got 'gpu'/);
  const node = childInit('tensorflow');
  if (hasTfjsNode()) {
    assert.equal(node.status, 0, node.stderr);
    // None of the wasm/cpu fixes on native TensorFlow: only its own two.
    assert.deepEqual(JSON.parse(node.stdout.trim().split('\n').pop()!).kernelFixes, ['ResizeNearestNeighborGrad', 'Step', 'ReluGrad']);
  } else {
    assert.equal(node.status, 3); // tfjs-node cannot install on this machine
    assert.match(node.stderr, /did not load/);
  }
});

test('backendInfo is undefined before initBackend', () => {
  assert.equal(backendInfo(), undefined);
  assert.equal(activeBackend(), undefined);
});

test('initBackend selects wasm with SIMD here and registers its kernel fixes', async () => {
  const { tf, backend } = await initBackend();
  if (hasTfjsNode()) return; // then tfjs-node is chosen; covered by the child-process test
  assert.equal(backend, 'wasm');
  assert.equal(tf.getBackend(), 'wasm');
  const info = backendInfo();
  assert.ok(info);
  assert.equal(info.backend, 'wasm');
  assert.equal(info.simd, true);
  assert.equal(info.threads, 1);
  assert.deepEqual([...info.kernelFixes].sort(), [...KERNEL_FIXES.wasm].sort());
  assert.equal(info.tfjsVersion, '4.22.0');
  // Later calls return the same instance even with another preference.
  assert.equal((await initBackend('cpu')).tf, tf);
});

test('registerKernelFixes is idempotent, per backend, and reversible', async () => {
  const { tf } = await loadAllBackends(); // wasm beside tfjs-node when that is the active backend
  const first = tf.getKernel('MaxPoolGrad', 'wasm');
  assert.deepEqual(registerKernelFixes(tf, 'wasm'), registerKernelFixes(tf, 'wasm'));
  assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), first);

  assert.deepEqual(registerKernelFixes(tf, 'cpu'), ['ResizeNearestNeighborGrad']);
  assert.deepEqual(KERNEL_FIXES.tensorflow, ['ResizeNearestNeighborGrad', 'Step', 'ReluGrad']);

  unregisterKernelFixes(tf, 'wasm', ['MaxPoolGrad', 'Conv2DBackpropFilter']);
  assert.notEqual(tf.getKernel('MaxPoolGrad', 'wasm'), first); // the packaged kernel is back
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined); // wasm ships none
  assert.deepEqual(activeKernelFixes(tf, 'wasm').sort(), ['Conv2D', 'Conv2DBackpropInput', 'FusedConv2D', 'Identity', 'ResizeNearestNeighborGrad', 'Sum']);
  registerKernelFixes(tf, 'wasm');
  assert.deepEqual(activeKernelFixes(tf, 'wasm').sort(), [...KERNEL_FIXES.wasm].sort());
});

test('registerKernelFixes names the fixes available when asked for a missing one', async () => {
  const { tf } = await initBackend();
  assert.throws(() => registerKernelFixes(tf, 'cpu', { only: ['MaxPoolGrad'] }), /No kernel fix 'MaxPoolGrad' for backend 'cpu'; available: ResizeNearestNeighborGrad/);
});

test('no wasm/cpu kernel fix is registered on tfjs-node, only its own three native-op kernels', async (t) => {
  if (!hasTfjsNode()) {
    t.skip('tfjs-node does not load here');
    return;
  }
  const { tf, backends } = await loadAllBackends();
  assert.deepEqual(backends, ['tensorflow', 'wasm', 'cpu']);
  for (const name of new Set([...KERNEL_FIXES.wasm, ...KERNEL_FIXES.cpu])) {
    const k = tf.getKernel(name, 'tensorflow') as { __fmnistKernelFix?: true } | undefined;
    if (KERNEL_FIXES.tensorflow.includes(name)) {
      assert.notEqual(k, tf.getKernel(name, 'wasm'), `${name}: the tensorflow kernel is not the wasm fix`);
      assert.notEqual(k, tf.getKernel(name, 'cpu'), `${name}: the tensorflow kernel is not the cpu fix`);
    } else {
      assert.equal(k?.__fmnistKernelFix, undefined, `${name} on tensorflow must be tfjs-node's own kernel`);
    }
  }
  assert.deepEqual(activeKernelFixes(tf, 'tensorflow'), ['ResizeNearestNeighborGrad', 'Step', 'ReluGrad']);
  // Step keeps its meaning: 1 above zero, 0 at and below, NaN stays NaN; leaky alpha goes to the packaged kernel.
  await tf.setBackend('tensorflow');
  const x = tf.tensor1d([-2, 0, 3, NaN]);
  assert.deepEqual([...tf.step(x).dataSync()], [0, 0, 1, NaN]);
  assert.deepEqual([...tf.step(x, 0.5).dataSync()], [0.5, 0.5, 1, NaN]);
  x.dispose();
});

test('the relu gradient is one native ReluGrad on tfjs-node, with the packaged values; elsewhere the packaged gradient', async (t) => {
  if (!hasTfjsNode()) {
    t.skip('tfjs-node does not load here');
    return;
  }
  const { tf, backends } = await loadAllBackends();
  // Random values of both signs, exact zeros, and an upstream gradient that is not all ones.
  const n = 4096;
  let s = 7;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  const xs = Float32Array.from({ length: n }, (_, i) => (i % 17 === 0 ? 0 : rnd()));
  const ws = Float32Array.from({ length: n }, rnd);
  const gradOn = async (backend: string) => {
    await tf.setBackend(backend);
    const x = tf.tensor1d(xs);
    const w = tf.tensor1d(ws);
    const g = tf.grad((v: import('@tensorflow/tfjs').Tensor) => tf.sum(tf.mul(tf.relu(v), w)))(x);
    const out = g.dataSync() as Float32Array;
    tf.dispose([x, w, g]);
    return out;
  };
  const expected = Float32Array.from(xs, (x, i) => (x > 0 ? ws[i]! : 0));
  const countKernel = (name: string) => {
    let calls = 0;
    const cfg = tf.getKernel(name, 'tensorflow')!;
    tf.unregisterKernel(name, 'tensorflow');
    tf.registerKernel({ ...cfg, kernelFunc: (args) => { calls++; return cfg.kernelFunc(args); } });
    return { calls: () => calls, restore: () => { tf.unregisterKernel(name, 'tensorflow'); tf.registerKernel(cfg); } };
  };
  const native = countKernel('ReluGrad');
  const step = countKernel('Step');
  try {
    assert.deepEqual([...(await gradOn('tensorflow'))].map(Math.abs), [...expected].map(Math.abs));
    assert.equal(native.calls(), 1, 'one ReluGrad per relu gradient');
    assert.equal(step.calls(), 0, 'no Step: the packaged dy·step(x) is not used on tensorflow');
  } finally {
    native.restore();
    step.restore();
  }
  for (const b of backends.filter((name) => name !== 'tensorflow')) {
    assert.deepEqual([...(await gradOn(b))].map(Math.abs), [...expected].map(Math.abs), `${b}: packaged gradient`);
  }
  // Without the kernel (unregistered), tensorflow falls back to the packaged gradient.
  unregisterKernelFixes(tf, 'tensorflow', ['ReluGrad']);
  try {
    assert.deepEqual([...(await gradOn('tensorflow'))].map(Math.abs), [...expected].map(Math.abs));
  } finally {
    registerKernelFixes(tf, 'tensorflow');
    await tf.setBackend(backends[0]!);
  }
});
