/**
 * Crash safety of model saves: a child process saves a model into a folder and is killed (SIGKILL)
 * right after each step of the save in turn — every step boundary, not random moments — and a
 * complete model, the old one or the new one, must always remain loadable (the old one before the
 * commit step, the new one from it on). Loads never delete anything; the next save cleans what the
 * dead one left, and only names the format owns. Also: two processes saving into one folder at once.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import {
  CHECKSUMS_JSON, loadModel, MODEL_JSON, ModelFileError, readModelArtifacts, saveModel, sha256, WEIGHTS_BIN,
} from '../../src/models/io.js';
import { initBackend, type TF } from '../../src/tf/backend.js';
import { isOwnedName } from '../../src/util/fs.js';
import { tempDir } from '../helpers/tmp.js';

let tf: TF;
const root = tempDir('fmnist-crash-');
/** Folders holding two different saved models (this package's format), and their weights' checksums. */
let oldFiles: string, newFiles: string, oldSum: string, newSum: string;
let childJs: string;

/** The weight file of a folder saved by saveModel. */
function weightsName(dir: string): string {
  return readdirSync(dir).find((n) => /^weights\.[0-9a-f]{16}\.bin$/.test(n))!;
}

before(async () => {
  ({ tf } = await initBackend());
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  oldFiles = path.join(root, 'src-old');
  newFiles = path.join(root, 'src-new');
  await saveModel(model, oldFiles);
  model.setWeights([tf.ones([3, 2]), tf.zeros([2])]);
  await saveModel(model, newFiles);
  model.dispose();
  oldSum = sha256(readFileSync(path.join(oldFiles, weightsName(oldFiles))));
  newSum = sha256(readFileSync(path.join(newFiles, weightsName(newFiles))));
  assert.notEqual(oldSum, newSum);
  // The child runs plain JavaScript (no TypeScript loader: starts in ~50 ms): util/fs.ts, which
  // only imports Node built-ins, transpiled once here with the project's TypeScript. It does what
  // saveModel does once the model's bytes exist: commitFolder with the model folder's options.
  const fsTs = readFileSync(path.join(__dirname, '..', '..', 'src', 'util', 'fs.ts'), 'utf8');
  const fsJs = ts.transpileModule(fsTs, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(path.join(root, 'fs.cjs'), fsJs);
  childJs = path.join(root, 'child.cjs');
  writeFileSync(childJs, `
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { commitFolder } = require('./fs.cjs');
const [target, source, killAt, repeat] = process.argv.slice(2);
const references = (text) => {
  try {
    const j = JSON.parse(text);
    return [...(j.weightsManifest || []).flatMap((g) => g.paths || []), ...Object.keys((j.integrity && j.integrity.files) || {})];
  } catch { return []; }
};
const blobs = {};
for (const name of readdirSync(source)) if (name !== 'model.json') blobs[name] = readFileSync(path.join(source, name));
const json = readFileSync(path.join(source, 'model.json'), 'utf8');
let step = 0;
(async () => {
  for (let i = 0; i < Number(repeat || 1); i++) {
    await commitFolder(target, blobs, { name: 'model.json', data: json }, {
      commitFiles: ['model.json', 'checkpoint.json'], references, superseded: ['weights.bin', 'checksums.json'],
      checkExisting: () => { throw new Error('not a model folder'); },
      onStep: (name) => {
        step++;
        process.stdout.write(name + '\\n');
        if (step === Number(killAt)) process.kill(process.pid, 'SIGKILL');
      },
    });
  }
  process.stdout.write('done\\n');
})();
`);
});

/** Runs the child: save `source` into `target` (`repeat` times), killed after step `killAt` (0: never). */
function runChild(target: string, source: string, killAt: number, repeat = 1): Promise<{ steps: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, target, source, String(killAt), String(repeat)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ steps: out.split('\n').filter(Boolean), signal }));
  });
}

/** The checksum of the weights a load gets from `target` (undefined: no model there). */
async function loadedSum(target: string, build = false): Promise<string | undefined> {
  try {
    const { artifacts } = await readModelArtifacts(target, { trustUnverified: true });
    if (build) (await loadModel(target, { trustUnverified: true })).dispose();
    return sha256(new Uint8Array(artifacts.weightData as ArrayBuffer));
  } catch (err) {
    if (err instanceof ModelFileError && /No saved model at .*model\.json does not exist/.test(err.message)) return undefined;
    throw err;
  }
}

/** Every file under `dir` (following no links), relative, sorted. */
function tree(dir: string): string[] {
  return readdirSync(dir, { recursive: true }).map(String).sort();
}

type Start = 'none' | 'saved' | 'tfjs-node folder' | 'earlier link';

/**
 * The folder `<dir>/model` as each start finds it: nothing; saved by this package; written by
 * tfjs-node (model.json + weights.bin, no checksums); saved by an earlier version of this package
 * (a link to `model.v-…` holding model.json, weights.bin and checksums.json).
 */
function prepare(dir: string, start: Start): void {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir);
  const target = path.join(dir, 'model');
  if (start === 'saved') cpSync(oldFiles, target, { recursive: true });
  if (start === 'tfjs-node folder' || start === 'earlier link') {
    const folder = start === 'earlier link' ? path.join(dir, 'model.v-123-1700000000000-abc') : target;
    mkdirSync(folder);
    const { integrity: _, ...json } = JSON.parse(readFileSync(path.join(oldFiles, MODEL_JSON), 'utf8'));
    json.weightsManifest[0].paths = [WEIGHTS_BIN];
    const text = JSON.stringify(json);
    const weights = readFileSync(path.join(oldFiles, weightsName(oldFiles)));
    writeFileSync(path.join(folder, MODEL_JSON), text);
    writeFileSync(path.join(folder, WEIGHTS_BIN), weights);
    if (start === 'earlier link') {
      writeFileSync(path.join(folder, CHECKSUMS_JSON), JSON.stringify({ algorithm: 'sha256', files: { [MODEL_JSON]: sha256(text), [WEIGHTS_BIN]: sha256(weights) } }));
      symlinkSync(path.basename(folder), target);
    }
  }
}

/** Kills a save after each of its steps in turn, starting each time from `start`. */
async function killAtEveryStep(start: Start): Promise<number> {
  const dir = path.join(root, `kill-${start.replace(/ /g, '-')}`);
  prepare(dir, start);
  const target = path.join(dir, 'model');
  const full = await runChild(target, newFiles, 0);
  assert.equal(full.steps.at(-1), 'done', `${start}: ${full.steps.join(', ')}`);
  const steps = full.steps.slice(0, -1);
  assert.deepEqual(steps, ['intent', `wrote:${weightsName(newFiles)}`, 'prepared', 'committed', 'cleaned']);
  const commit = steps.indexOf('committed') + 1;
  for (let k = 1; k <= steps.length; k++) {
    const what = `${start}: killed after step ${k} (${steps[k - 1]})`;
    prepare(dir, start);
    const before = tree(dir);
    const run = await runChild(target, newFiles, k);
    assert.equal(run.signal, 'SIGKILL', what);
    // the dead save deleted nothing but what the format owns or what the new version superseded
    const afterKill = tree(dir);
    for (const f of before) {
      if (!afterKill.includes(f)) assert.ok(k >= commit && /(^|\/)(weights\.bin|checksums\.json|weights\.[0-9a-f]{16}\.bin)$/.test(f), `${what}: deleted ${f}`);
    }
    const sum = await loadedSum(target, k === commit - 1 || k === commit);
    const expected = k >= commit ? newSum : start === 'none' ? undefined : oldSum;
    assert.equal(sum, expected, `${what}: expected the ${k >= commit ? 'new' : 'old'} model`);
    assert.deepEqual(tree(dir), afterKill, `${what}: a load changed the folder`);
    // the next save cleans what the dead one left (only owned names), and loads the new model
    const again = await runChild(target, newFiles, 0);
    assert.equal(again.steps.at(-1), 'done', what);
    assert.equal(await loadedSum(target), newSum, what);
    const left = readdirSync(target).sort();
    assert.deepEqual(left, [MODEL_JSON, weightsName(newFiles)], `${what}: left ${left.join(', ')}`);
  }
  return steps.length;
}

test('a save killed after every one of its steps leaves a loadable model, old before the commit and new from it on', async () => {
  // the starting points run side by side (each child mostly waits for fsync)
  const counts = await Promise.all((['none', 'saved', 'tfjs-node folder', 'earlier link'] as const).map(killAtEveryStep));
  assert.deepEqual(counts, [5, 5, 5, 5]);
});

test('two processes saving into one folder at once: every load in between gets one complete model, and nothing is left over', async () => {
  const dir = path.join(root, 'concurrent');
  prepare(dir, 'saved');
  const target = path.join(dir, 'model');
  let running = true;
  const children = Promise.all([runChild(target, newFiles, 0, 25), runChild(target, oldFiles, 0, 25)]).finally(() => { running = false; });
  let loads = 0;
  while (running) {
    const sum = await loadedSum(target);
    assert.ok(sum === oldSum || sum === newSum, `load ${loads} got ${sum}`);
    loads++;
  }
  const runs = await children;
  for (const r of runs) assert.equal(r.steps.at(-1), 'done');
  assert.ok(loads > 0);
  const sum = await loadedSum(target, true);
  assert.ok(sum === oldSum || sum === newSum);
  const left = readdirSync(target).sort();
  assert.equal(left.length, 2, `left ${left.join(', ')}`);
  assert.equal(left[0], MODEL_JSON);
  assert.ok(left.every((n) => n === MODEL_JSON || isOwnedName(n)));
});

test('leftovers of dead saves stay untouched by loads and are removed, with a notice, by the next save; others are never touched', async () => {
  const dir = path.join(root, 'leftovers');
  prepare(dir, 'saved');
  const target = path.join(dir, 'model');
  const dead = 2 ** 22 + 12345; // above Linux's default pid_max: no such process
  const leftovers = [`.model.json.tmp-${dead}-abc`, `.weights.0123456789abcdef.bin.tmp-${dead}-def`, `.save-${dead}-x.json`, 'weights.0123456789abcdef.bin'];
  for (const n of leftovers) writeFileSync(path.join(target, n), 'x');
  const live = `.model.json.tmp-${process.pid}-live`;
  writeFileSync(path.join(target, live), 'x');
  writeFileSync(path.join(target, 'notes.txt'), 'mine');
  writeFileSync(path.join(target, 'weights.bin.bak'), 'mine');
  const before = tree(target);
  assert.equal(await loadedSum(target), oldSum);
  assert.deepEqual(tree(target), before);
  const model = await loadModel(target);
  const removed: string[] = [];
  await saveModel(model, target, { onNotice: (n) => removed.push(path.basename(n.path)) });
  model.dispose();
  assert.deepEqual(removed.sort(), [...leftovers].sort());
  assert.deepEqual(readdirSync(target).sort(), [live, MODEL_JSON, 'notes.txt', 'weights.bin.bak', weightsName(oldFiles)].sort());
});

test('saveModel never writes into a folder that is not a saved model, nor over a file', async () => {
  const dir = path.join(root, 'refuse');
  mkdirSync(path.join(dir, 'project'), { recursive: true });
  writeFileSync(path.join(dir, 'project', 'notes.txt'), 'mine');
  writeFileSync(path.join(dir, 'file'), 'x');
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  await assert.rejects(saveModel(model, path.join(dir, 'project')), (e: Error) =>
    e instanceof ModelFileError && /already exists and is not a saved model \(it has no model\.json\); refusing to write into it/.test(e.message));
  assert.deepEqual(readdirSync(path.join(dir, 'project')), ['notes.txt']);
  await assert.rejects(saveModel(model, path.join(dir, 'file')), /is a file, not a folder; refusing to replace it/);
  await assert.rejects(saveModel(model, path.join(dir, 'file', 'model')), /Cannot save into .*file\/model: .*file is a file, not a folder/);
  await assert.rejects(saveModel(model, '' as string), TypeError);
  mkdirSync(path.join(dir, 'empty'));
  await saveModel(model, path.join(dir, 'empty')); // an empty folder made beforehand is fine
  assert.ok(readdirSync(path.join(dir, 'empty')).includes(MODEL_JSON));
  assert.deepEqual(readdirSync(dir).sort(), ['empty', 'file', 'project']);
  model.dispose();
});
