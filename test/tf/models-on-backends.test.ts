// test/models runs on the process's default backend (tensorflow where tfjs-node loads). This runs the
// same files again in a child process on each other fast backend that loads here (FMNIST_BACKEND), so
// the model code (training, encode, save/load, cache) is checked on wasm too. The pure-JS cpu
// backend is left out: its Conv2DBackpropFilter needs ≈1 s per image of the report's model; it is
// covered by backend-agreement.test.ts, kernels.test.ts and training-gradients.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { tfjsNodeLoads, type BackendName } from '../../src/tf/backend.js';

const root = path.join(__dirname, '..', '..');
const files = readdirSync(path.join(root, 'test', 'models')).filter((f) => f.endsWith('.test.ts')).sort().map((f) => path.join('test', 'models', f));
const defaultBackend: BackendName = process.env.FMNIST_BACKEND as BackendName | undefined ?? (tfjsNodeLoads() ? 'tensorflow' : 'wasm');
const others = (['tensorflow', 'wasm'] as const).filter((b) => b !== defaultBackend && (b !== 'tensorflow' || tfjsNodeLoads()));

for (const backend of others) {
  test(`test/models passes on ${backend} too`, () => {
    const env: NodeJS.ProcessEnv = { ...process.env, FMNIST_BACKEND: backend };
    delete env.NODE_TEST_CONTEXT; // else the child reports to this runner instead of running as its own
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-reporter=spec', ...files], {
      cwd: root, env, encoding: 'utf8',
    });
    const out = r.stdout + r.stderr;
    assert.equal(r.status, 0, `test/models on ${backend} failed:\n${out.slice(-4000)}`);
    const passed = Number(/ℹ pass (\d+)/.exec(out)?.[1] ?? 0);
    assert.ok(passed >= 20, `test/models on ${backend}: only ${passed} tests passed:\n${out.slice(-2000)}`);
  });
}

test('test/models runs on the default backend in the main run', () => {
  assert.ok(files.length >= 5, `found ${files.length} model test files`);
  assert.ok(!others.includes(defaultBackend as never));
});
