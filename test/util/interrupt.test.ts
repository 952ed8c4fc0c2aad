/**
 * ■ (SIGINT) in a stand-in for the tslab kernel (test/util/interrupt-kernel.ts, a child process
 * that runs "cells" the way tslab does and sends itself real SIGINTs), with the compiled addon
 * and with its TypeScript fallback (FMNIST_NATIVE=0).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { nativeStatus } from '../../src/native/index.js';
import { InterruptedError, checkInterrupt, throwIfInterrupted } from '../../src/util/interrupt.js';

const KERNEL = path.join(__dirname, 'interrupt-kernel.ts');

interface Outcome {
  mode: string;
  stoppedAt?: number;
  value?: unknown;
  error?: { name: string; message: string; code?: string; where?: string; stack: string; interrupted: boolean };
  second?: Outcome['error'];
  tslabDuring: string[];
  tslabAfter: string[];
}

function runKernel(scenario: string, native: boolean): Outcome {
  const env = { ...process.env, FMNIST_NATIVE: native ? '1' : '0' };
  const r = spawnSync(process.execPath, ['--import', 'tsx', KERNEL, scenario], { env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.signal, null, `the kernel stand-in was killed by ${r.signal} (scenario ${scenario}); stderr:\n${r.stderr}`);
  assert.equal(r.status, 0, `the kernel stand-in exited with ${r.status} (scenario ${scenario}); stderr:\n${r.stderr}`);
  const line = r.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as Outcome;
}

const modes = nativeStatus().loaded ? [true, false] : [false];

for (const native of modes) {
  const label = native ? 'addon' : 'TypeScript fallback';

  test(`${label}: a scope entered in an async cell's synchronous stretch stops the work at its safe point; the kernel lives and ■ works after`, () => {
    const o = runKernel('training', native);
    assert.equal(o.mode, native ? 'native' : 'listener');
    assert.equal(o.stoppedAt, 3, 'stopped at the end of the batch during which SIGINT came');
    assert.deepEqual(o.tslabDuring, [], 'tslab\'s listener did not see the interrupt of the work');
    assert.deepEqual(o.tslabAfter, ['tslab'], 'afterwards SIGINT reaches tslab\'s listener again (the process did not die)');
  });

}

if (nativeStatus().loaded) {
  test('addon: a SIGINT after a synchronous step\'s last safe point is passed on to tslab once the cell has returned, not swallowed', () => {
    const o = runKernel('late', true);
    assert.equal(o.value, 'finished', 'the cell ran to its end (no termination mid-way)');
    assert.deepEqual(o.tslabDuring, ['tslab']);
    assert.deepEqual(o.tslabAfter, ['tslab']);
  });

  test('addon: ■ during a synchronous cell ends it at the next safe point with one line, not a termination', () => {
    const o = runKernel('sync', true);
    assert.ok(o.error, 'the cell threw');
    assert.equal(o.error.interrupted, true, `an InterruptedError, got ${o.error.name}: ${o.error.message}`);
    assert.equal(o.error.name, 'InterruptedError');
    const where = /^the test loop, iteration (\d+)$/.exec(o.error.where ?? '');
    assert.ok(where && Number(where[1]) >= 51 && Number(where[1]) <= 60, `stopped just after the SIGINT: ${o.error.where}`);
    assert.equal(o.error.stack, `InterruptedError: ${o.error.message}`, 'one line: no trace and no source line added by vm');
    assert.match(o.error.message, /^Stopped by ■ \(interrupt\) in the test loop, iteration \d+: the cell stopped there; variables of earlier cells are kept\.$/);
    assert.deepEqual(o.tslabDuring, []);
    assert.deepEqual(o.tslabAfter, ['tslab'], 'the next SIGINT outside a step goes to tslab (the process did not die)');
    assert.equal(o.second?.interrupted, true, 'a later cell\'s step is interruptible too (no interrupt left over from the first)');
  });
}

test('TypeScript fallback: ■ during a synchronous cell is tslab\'s termination; the kernel lives and the next cell\'s step runs', () => {
  const o = runKernel('sync', false);
  assert.equal(o.error?.code, 'ERR_SCRIPT_EXECUTION_INTERRUPTED');
  assert.deepEqual(o.tslabAfter, ['tslab']);
  assert.equal(o.second?.code, 'ERR_SCRIPT_EXECUTION_INTERRUPTED');
});

test('without an interrupt, the safe points pass and InterruptedError is one line', () => {
  assert.equal(checkInterrupt(), false);
  throwIfInterrupted('nothing');
  const e = new InterruptedError("UMAP's layout, epoch 3/200");
  assert.ok(e instanceof Error);
  assert.equal(e.name, 'InterruptedError');
  assert.equal(e.where, "UMAP's layout, epoch 3/200");
  assert.equal(e.message, "Stopped by ■ (interrupt) in UMAP's layout, epoch 3/200: the cell stopped there; variables of earlier cells are kept.");
  assert.equal(e.stack, `InterruptedError: ${e.message}`);
  assert.deepEqual(Object.keys(e), [], 'no enumerable properties for console.error to print');
  assert.match(new InterruptedError('training, epoch 2/9, batch 3/5', 'the model keeps its weights').message, /in training, epoch 2\/9, batch 3\/5: the model keeps its weights\.$/);
});
