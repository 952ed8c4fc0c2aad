import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describeScale, scaleSettings } from '../../src/experiment/scale.js';
import { progressPrinter, type TrainingProgress } from '../../src/models/progress.js';
import { isProgressLine, listNotebooks } from '../../src/report/cli.js';
import { tempDir } from '../helpers/tmp.js';

/** The lines the notebooks' progress printer writes for a short training (not a terminal). */
function printedLines(prefix: string): string[] {
  let out = '';
  let clock = 0;
  const print = progressPrinter({ stream: { write: (s: string) => { out += s; } }, tty: false, intervalSeconds: 1, prefix, now: () => clock });
  const base = { epochs: 2, batches: 3, loss: 0.3, batchLoss: 0.3, epochSeconds: 1, elapsedSeconds: 1, etaSeconds: 10, imagesPerSecond: 100 };
  for (const epoch of [1, 2]) {
    for (const batch of [1, 2, 3]) {
      clock += 5000;
      print({ ...base, phase: 'batch', epoch, batch } satisfies TrainingProgress);
    }
    print({ ...base, phase: 'epoch', epoch, batch: 3, valLoss: 0.31 } satisfies TrainingProgress);
  }
  return out.replace(/\r/g, '\n').split('\n').filter((l) => l.trim());
}

test('isProgressLine: the training progress printer\'s epoch and batch lines and the interruption notice are shown in the terminal', () => {
  for (const prefix of ['', 'autoencoder ']) {
    const lines = printedLines(prefix);
    assert.ok(lines.some((l) => /batch 1\/3/.test(l)) && lines.some((l) => /val/.test(l)), lines.join('\n'));
    for (const l of lines) assert.equal(isProgressLine(l), true, l);
  }
  assert.equal(isProgressLine('Training interrupted at epoch 3/50, batch 7/469: the model keeps the weights reached so far, which the next cells use.'), true);
});

test('isProgressLine: other cell output stays in the notebook', () => {
  const others = [
    'TF.js backend: wasm',
    'train 3000 × 784, test 1000',
    ...describeScale(scaleSettings('full'), { backend: 'wasm', training: { epochs: 50, cached: false } }).split('\n'),
    'fit on 3000 training images: test NMI 0.512 ± 0.004 (the report\'s settings)',
    'K-Means epochs 10',
    '',
  ];
  for (const l of others) assert.equal(isProgressLine(l), false, l);
});

test('listNotebooks: NN-topic notebooks in order, summary notebooks last (they summarise the others)', () => {
  const dir = tempDir();
  for (const f of ['07-n2d.ipynb', '01-data.ipynb', '06-summary.ipynb', '02-kmeans.ipynb', 'scratch.ipynb', '03-x.txt']) writeFileSync(path.join(dir, f), '{}');
  assert.deepEqual(listNotebooks(dir).map((f) => path.basename(f)), ['01-data.ipynb', '02-kmeans.ipynb', '07-n2d.ipynb', '06-summary.ipynb']);
});
