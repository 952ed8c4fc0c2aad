import { test } from 'node:test';
import assert from 'node:assert/strict';
import { withInterruptSignal } from '../../src/util/interrupt.js';

test('SIGINT during the work aborts its signal instead of reaching the other listeners, which are restored after', async () => {
  const before = process.listeners('SIGINT');
  let otherCalls = 0;
  const other = () => { otherCalls++; };
  process.on('SIGINT', other);
  try {
    const value = await withInterruptSignal(async (signal) => {
      assert.equal(signal.aborted, false);
      assert.ok(!process.listeners('SIGINT').includes(other), 'the other listener is detached during the work');
      await new Promise((r) => setImmediate(r));
      process.emit('SIGINT');
      assert.equal(signal.aborted, true);
      assert.match(String((signal.reason as Error).message), /interrupted \(SIGINT\)/);
      process.emit('SIGINT');
      return 42;
    });
    assert.equal(value, 42);
    assert.equal(otherCalls, 0, 'the other listener was not called meanwhile');
    assert.deepEqual(process.listeners('SIGINT'), [...before, other], 'listeners restored, ours removed');
    process.emit('SIGINT');
    assert.equal(otherCalls, 1, 'and it works again after');
  } finally {
    process.removeListener('SIGINT', other);
  }
  assert.deepEqual(process.listeners('SIGINT'), before);
});

test('the listeners are restored when the work fails, and a new call gets a fresh signal', async () => {
  const before = process.listeners('SIGINT');
  await assert.rejects(withInterruptSignal(async () => { throw new Error('boom'); }), /boom/);
  assert.deepEqual(process.listeners('SIGINT'), before);
  await withInterruptSignal(async (signal) => assert.equal(signal.aborted, false));
});
