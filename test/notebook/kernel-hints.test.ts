import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { formatCellError, installKernelHints, RESTART_HINT, restartHint, TSLAB_DIAGNOSTIC_FORMAT } from '../../src/notebook/kernel-hints.js';
import { GaussianMixture } from '../../src/cluster/index.js';

const ROOT = path.resolve(__dirname, '..', '..');

test('restartHint: only for "Cannot find name" in a kernel that has declared nothing', () => {
  assert.equal(restartHint("Cannot find name 'exp'.", []), RESTART_HINT);
  assert.equal(restartHint("Cannot find name 'confg'. Did you mean 'config'?", []), RESTART_HINT);
  assert.equal(restartHint("Cannot find name 'confg'. Did you mean 'config'?", ['config', 'fc']), undefined, 'a typo in a kernel that ran cells');
  assert.equal(restartHint("Type '\"fool\"' is not assignable to type 'CovarianceType'.", []), undefined);
  assert.match(RESTART_HINT, /run the cells above first: Run → Run All Above Selected Cell/);
});

test('the hint names the Run menu entry that JupyterLab 4 has', () => {
  const static_ = path.join(ROOT, '.venv', 'share', 'jupyter', 'lab', 'static');
  // The label is compiled into JupyterLab's bundle; the command id is stable.
  const bundle = readdirSync(static_).filter((f) => /^jlab_core\..*\.js$/.test(f)).map((f) => readFileSync(path.join(static_, f), 'utf8')).join('');
  assert.match(bundle, /runAllAbove,\{label:\w+\.__\("Run All Above Selected Cell"\)/);
});

test('formatCellError: message first, causes, one frame; no source line, caret or stack', () => {
  let err: unknown;
  try {
    new GaussianMixture({ nComponents: 2, covarianceType: 'fool' as 'full' }).fit([[0, 1], [1, 0], [2, 2]]);
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof Error, 'an invalid covarianceType throws');
  const text = formatCellError(err, ROOT);
  const lines = text.split('\n');
  assert.equal(lines[0], `${err.name}: ${err.message.split('\n')[0]}`, 'the message comes first');
  assert.match(lines[0]!, /covarianceType/);
  assert.ok(lines.length <= 2 + err.message.split('\n').length, `concise:\n${text}`);
  assert.match(text, /\(thrown in .*GaussianMixture.* \(src\/cluster\//, 'where it was thrown, relative to the project');
  assert.doesNotMatch(text, /\^/, 'no caret line');
  assert.ok(!text.includes(ROOT + '/'), 'paths relative to the project');
  const wrapped = new Error('training failed', { cause: new RangeError('epochs must be ≥ 1') });
  assert.match(formatCellError(wrapped, ROOT), /^Error: training failed\n {2}caused by RangeError: epochs must be ≥ 1\n/);
  assert.equal(formatCellError('plain', ROOT), 'Error: plain');
});

test('installKernelHints: tslab diagnostics get one hint per cell; errors print concisely; the rest passes through', async () => {
  const printed: unknown[][] = [];
  const fakeConsole = { error: (...args: unknown[]) => { printed.push(args); } };
  let declared: string[] = [];
  const restore = installKernelHints({ console: fakeConsole, declaredNames: () => declared, root: ROOT });
  // A restarted kernel: two unknown names in one cell, one hint.
  fakeConsole.error(TSLAB_DIAGNOSTIC_FORMAT, '', 1, 1, "Cannot find name 'exp'.");
  fakeConsole.error(TSLAB_DIAGNOSTIC_FORMAT, '', 2, 1, "Cannot find name 'fc'.");
  assert.deepEqual(printed.map((a) => (a.length === 1 ? a[0] : a[4])), ["Cannot find name 'exp'.", RESTART_HINT, "Cannot find name 'fc'."]);
  await new Promise((r) => setImmediate(r));
  printed.length = 0;
  fakeConsole.error(TSLAB_DIAGNOSTIC_FORMAT, '', 1, 1, "Cannot find name 'exp'.");
  assert.equal(printed.length, 2, 'the next cell gets the hint again');
  await new Promise((r) => setImmediate(r));
  printed.length = 0;
  declared = ['fc', 'config'];
  fakeConsole.error(TSLAB_DIAGNOSTIC_FORMAT, '', 1, 1, "Cannot find name 'confg'.");
  assert.equal(printed.length, 1, 'no hint once cells have run');
  printed.length = 0;
  fakeConsole.error(new RangeError('bad k'));
  assert.match(String(printed[0]![0]), /^RangeError: bad k\n {4}\(thrown in /);
  fakeConsole.error('UncaughtException:', 'x');
  assert.deepEqual(printed[1], ['UncaughtException:', 'x']);
  restore();
  printed.length = 0;
  fakeConsole.error(new RangeError('raw'));
  assert.ok(printed[0]![0] instanceof RangeError, 'restored');
});
