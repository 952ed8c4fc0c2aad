import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatDuration, progressPrinter, type TrainingProgress } from '../../src/models/index.js';

function event(over: Partial<TrainingProgress>): TrainingProgress {
  return {
    phase: 'batch', epoch: 1, epochs: 2, batch: 1, batches: 469, loss: 0.5, batchLoss: 0.5,
    epochSeconds: 1, elapsedSeconds: 1, etaSeconds: 100, imagesPerSecond: 1000, ...over,
  };
}

function sink(isTTY: boolean) {
  const out: string[] = [];
  return { out, stream: { isTTY, write: (s: string) => { out.push(s); return true; } } };
}

/** A fake clock in milliseconds. */
function fakeClock() {
  let t = 1_000_000;
  return { now: () => t, tick: (ms: number) => { t += ms; } };
}

/** Simulates two epochs of 469 batches, one batch every 50 ms of fake time. */
function simulate(make: (now: () => number) => (p: TrainingProgress) => void): void {
  const clock = fakeClock();
  const print = make(clock.now);
  for (let epoch = 1; epoch <= 2; epoch++) {
    for (let b = 1; b <= 469; b++) {
      clock.tick(50);
      print(event({ epoch, batch: b, loss: 0.3 + 1 / b }));
    }
    print(event({ phase: 'epoch', epoch, batch: 469, loss: 0.3, valLoss: 0.31, epochSeconds: 23.45, etaSeconds: epoch === 1 ? 23.5 : 0 }));
  }
}

test('not a terminal (notebook): one line per epoch plus at most one batch line per interval, no \\r', () => {
  const { out, stream } = sink(false);
  simulate((now) => progressPrinter({ stream, intervalSeconds: 10, now }));
  const text = out.join('');
  assert.ok(!text.includes('\r'));
  const lines = text.trimEnd().split('\n');
  // 2 × 23.45 s of batches: two batch lines per epoch at most, plus the epoch lines
  assert.ok(lines.length <= 6, lines.join('\n'));
  assert.equal(lines.filter((l) => !l.includes('batch')).length, 2);
  assert.equal(lines.find((l) => !l.includes('batch')), 'epoch 1/2  loss 0.3000  val 0.3100  23.4 s  ETA 24s');
  assert.equal(lines.at(-1), 'epoch 2/2  loss 0.3000  val 0.3100  23.4 s');
  assert.match(lines[0]!, /^epoch 1\/2  batch \d+\/469  loss \d\.\d{4}  1\.0 s  ETA 1m40s$/);
});

test('terminal: batch progress rewrites one line at most once per second, epochs end the line', () => {
  const { out, stream } = sink(true);
  simulate((now) => progressPrinter({ stream, now }));
  const updates = out.filter((s) => s.startsWith('\r\x1b[K') && !s.endsWith('\n'));
  assert.ok(updates.length >= 20 && updates.length <= 48, `${updates.length} updates`);
  const text = out.join('');
  assert.equal(text.split('\n').length - 1, 2, 'only the two epoch lines end with a newline');
  assert.ok(out.filter((s) => s.endsWith('\n')).every((s) => s.startsWith('\r\x1b[Kepoch')));
});

test('intervalSeconds: Infinity prints epoch lines only; prefix is applied', () => {
  const { out, stream } = sink(false);
  simulate((now) => progressPrinter({ stream, intervalSeconds: Infinity, prefix: '[ae] ', now }));
  assert.deepEqual(out, [
    '[ae] epoch 1/2  loss 0.3000  val 0.3100  23.4 s  ETA 24s\n',
    '[ae] epoch 2/2  loss 0.3000  val 0.3100  23.4 s\n',
  ]);
});

test('formatDuration', () => {
  assert.equal(formatDuration(0), '0s');
  assert.equal(formatDuration(59.4), '59s');
  assert.equal(formatDuration(75), '1m15s');
  assert.equal(formatDuration(3725), '1h02m');
  assert.equal(formatDuration(NaN), '?');
});
