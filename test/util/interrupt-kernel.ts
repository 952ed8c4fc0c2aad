/**
 * A stand-in for the tslab kernel, run as a child process by interrupt.test.ts: SIGINT goes to a
 * listener like tslab's (main.js: `process.on("SIGINT", () => executor.interrupt())`), and a cell
 * runs the way tslab's executor runs it (`vm.runInThisContext(code, { breakOnSigint: true })`;
 * an async cell is an async function whose promise is then awaited). Real SIGINTs are sent to
 * this process itself. Prints one JSON line with what happened.
 * Usage: node --import tsx test/util/interrupt-kernel.ts <scenario>
 */
import * as vm from 'node:vm';
import { checkInterrupt, interruptible, interruptMode, InterruptedError, throwIfInterrupted } from '../../src/util/interrupt.js';

const tslabCalls: string[] = [];
process.on('SIGINT', () => tslabCalls.push('tslab'));

const kill = () => process.kill(process.pid, 'SIGINT');
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const spin = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end) { /* busy, like a synchronous step */ } };

const cellApi = {
  /** Async work in an interruptible scope entered in the cell's synchronous stretch (what 03's training cell does). */
  async training(): Promise<number> {
    return interruptible(async (signal) => {
      for (let batch = 1; batch <= 200; batch++) {
        spin(2);
        if (batch === 3) kill();
        await tick();
        if (checkInterrupt() || signal.aborted) return batch;
      }
      return -1;
    });
  },
  /** A synchronous step with a safe point per iteration; SIGINT at iteration 50. */
  syncStep(): number {
    for (let it = 1; it <= 100_000; it++) {
      throwIfInterrupted(`the test loop, iteration ${it}`);
      if (it === 50) kill();
      spin(1);
    }
    return -1;
  },
  /** A synchronous step whose SIGINT comes after its last safe point. */
  late(): string {
    throwIfInterrupted('the late step');
    kill();
    spin(20);
    return 'finished';
  },
};
(globalThis as Record<string, unknown>).__cell = cellApi;

function runCell(code: string): unknown {
  return vm.runInThisContext(code, { breakOnSigint: true });
}

function describeError(err: unknown): Record<string, unknown> {
  const e = err as Error & { code?: string; where?: string };
  return { name: e.name, message: e.message, code: e.code, where: e.where, stack: e.stack, interrupted: e instanceof InterruptedError };
}

async function main(): Promise<void> {
  const scenario = process.argv[2];
  const out: Record<string, unknown> = { mode: interruptMode() };
  if (scenario === 'training') {
    const promise = runCell('(async function() { return await __cell.training(); })()') as Promise<number>;
    out.stoppedAt = await promise;
  } else if (scenario === 'sync') {
    try {
      out.value = runCell('__cell.syncStep()');
    } catch (err) {
      out.error = describeError(err);
    }
  } else if (scenario === 'late') {
    out.value = runCell('__cell.late()');
  } else {
    throw new Error(`unknown scenario ${scenario}`);
  }
  await sleep(100);
  out.tslabDuring = [...tslabCalls];
  // The kernel must still answer ■ the usual way afterwards (and not die of it).
  tslabCalls.length = 0;
  kill();
  await sleep(100);
  out.tslabAfter = [...tslabCalls];
  // And a second cell's step is interruptible as well.
  try {
    runCell('__cell.syncStep()');
  } catch (err) {
    out.second = describeError(err);
  }
  await sleep(50);
  console.log(JSON.stringify(out));
}

void main();
