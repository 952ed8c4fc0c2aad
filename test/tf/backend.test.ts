import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { activeBackend, backendInfo, initBackend } from '../../src/tf/backend.js';
import { activeKernelFixes, KERNEL_FIXES, registerKernelFixes, unregisterKernelFixes } from '../../src/tf/kernels/index.js';

// This process tests the automatic choice; the variable is exercised in child processes below.
delete process.env.FMNIST_BACKEND;

function hasTfjsNode(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
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
    assert.deepEqual(JSON.parse(node.stdout.trim().split('\n').pop()!).kernelFixes, []);
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
  const { tf } = await initBackend();
  const first = tf.getKernel('MaxPoolGrad', 'wasm');
  assert.deepEqual(registerKernelFixes(tf, 'wasm'), registerKernelFixes(tf, 'wasm'));
  assert.equal(tf.getKernel('MaxPoolGrad', 'wasm'), first);

  assert.deepEqual(registerKernelFixes(tf, 'cpu'), ['ResizeNearestNeighborGrad']);
  assert.deepEqual(registerKernelFixes(tf, 'tensorflow'), []);

  unregisterKernelFixes(tf, 'wasm', ['MaxPoolGrad', 'Conv2DBackpropFilter']);
  assert.notEqual(tf.getKernel('MaxPoolGrad', 'wasm'), first); // the packaged kernel is back
  assert.equal(tf.getKernel('Conv2DBackpropFilter', 'wasm'), undefined); // wasm ships none
  assert.deepEqual(activeKernelFixes(tf, 'wasm').sort(), ['Conv2D', 'Conv2DBackpropInput', 'FusedConv2D', 'ResizeNearestNeighborGrad']);
  registerKernelFixes(tf, 'wasm');
  assert.deepEqual(activeKernelFixes(tf, 'wasm').sort(), [...KERNEL_FIXES.wasm].sort());
});

test('registerKernelFixes names the fixes available when asked for a missing one', async () => {
  const { tf } = await initBackend();
  assert.throws(() => registerKernelFixes(tf, 'cpu', { only: ['MaxPoolGrad'] }), /No kernel fix 'MaxPoolGrad' for backend 'cpu'; available: ResizeNearestNeighborGrad/);
});
