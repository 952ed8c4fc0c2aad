/**
 * Resumable training survives SIGKILL: a child process trains with a checkpoint after every epoch
 * and is killed (twice, at moments that fall during or right after a checkpoint write); each time
 * training resumes from what the folder holds, and the final weights are those of one
 * uninterrupted run, bit for bit (same backend and engine, in every process).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DenseAutoencoder } from '../../src/models/dense-autoencoder.js';
import { readCheckpointInfo } from '../../src/models/checkpoint.js';
import { tempDir } from '../helpers/tmp.js';
import { head, smallData, weightsOf } from './helpers.js';

const OPTIONS = { hiddenSizes: [32, 16], codeSize: 4, batchSize: 50, epochs: 8, seed: 21, learningRate: 0.003 };
const ROWS = 230;

/** Runs a child that trains into `dir` and is killed on the epoch event of `killAtEpoch`. */
function trainAndKill(script: string, dir: string, killAtEpoch: number): Promise<{ lines: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['ignore', 'pipe', 'inherit'], cwd: path.join(__dirname, '..', '..') });
    let out = '';
    child.stdout.on('data', (b: Buffer) => {
      out += b.toString();
      if (out.includes(`epoch ${killAtEpoch}\n`)) child.kill('SIGKILL');
    });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ lines: out.split('\n').filter(Boolean), signal }));
  });
}

test('training killed (SIGKILL) twice around its checkpoints resumes each time and ends with the uninterrupted weights', async () => {
  const root = tempDir();
  const script = path.join(root, 'train.ts');
  const src = path.join(__dirname, '..', '..', 'src', 'models', 'dense-autoencoder.ts');
  const helpers = path.join(__dirname, 'helpers.ts');
  writeFileSync(script, `
import { DenseAutoencoder } from ${JSON.stringify(src)};
import { head, smallData } from ${JSON.stringify(helpers)};
const dir = process.argv[2]!;
(async () => {
  const { train } = await smallData();
  await new DenseAutoencoder(${JSON.stringify(OPTIONS)}).fit(head(train, ${ROWS}), {
    checkpoint: { dir, every: 1 },
    onProgress: (p) => { if (p.phase === 'epoch') process.stdout.write('epoch ' + p.epoch + '\\n'); if (p.phase === 'resume') process.stdout.write(p.message + '\\n'); },
  });
  process.stdout.write('done\\n');
})();
`);
  const { train } = await smallData();
  const data = head(train, ROWS);
  const whole = await new DenseAutoencoder(OPTIONS).fit(data);
  const dir = path.join(root, 'run');
  const first = await trainAndKill(script, dir, 3);
  assert.equal(first.signal, 'SIGKILL', first.lines.join(' | '));
  const afterFirst = await readCheckpointInfo(dir);
  assert.ok(afterFirst && afterFirst.position.epoch >= 3, `checkpoint at ${JSON.stringify(afterFirst?.position)}`);
  const second = await trainAndKill(script, dir, 6);
  assert.equal(second.signal, 'SIGKILL', second.lines.join(' | '));
  assert.match(second.lines[0]!, /^resuming at epoch \d+ of 8 /);
  const resumed = await new DenseAutoencoder(OPTIONS).fit(data, { checkpoint: { dir, every: 1 } });
  assert.deepEqual(weightsOf(resumed), weightsOf(whole));
  assert.deepEqual(resumed.history.map((h) => h.loss), whole.history.map((h) => h.loss));
  whole.dispose();
  resumed.dispose();
});
