/**
 * Crash safety of model saves: a child process replaces a model folder and is killed (SIGKILL)
 * right after each step of the save in turn — every step boundary, not random moments — and a
 * complete model, the old one or the new one, must always remain loadable (the old one before the
 * commit step, the new one from it on), with leftovers recovered or cleaned and reported.
 */
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';
import {
  CHECKSUMS_JSON, loadModel, MODEL_JSON, ModelFileError, readModelArtifacts, saveModel, sha256, WEIGHTS_BIN, type ModelNotice,
} from '../../src/models/io.js';
import { initBackend, type TF } from '../../src/tf/backend.js';
import { recoverFolder, replaceFolderAtomic } from '../../src/util/fs.js';
import { tempDir } from '../helpers/tmp.js';

let tf: TF;
const root = tempDir('fmnist-crash-');
/** Folders holding the files of two different saved models, and their weights' checksums. */
let oldFiles: string, newFiles: string, oldSum: string, newSum: string;
let childJs: string;

before(async () => {
  ({ tf } = await initBackend());
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 2, inputShape: [3] })] });
  oldFiles = path.join(root, 'src-old');
  newFiles = path.join(root, 'src-new');
  await saveModel(model, oldFiles);
  model.setWeights([tf.ones([3, 2]), tf.zeros([2])]);
  await saveModel(model, newFiles);
  model.dispose();
  oldSum = sha256(readFileSync(path.join(oldFiles, WEIGHTS_BIN)));
  newSum = sha256(readFileSync(path.join(newFiles, WEIGHTS_BIN)));
  assert.notEqual(oldSum, newSum);
  // The child runs plain JavaScript (no TypeScript loader: starts in ~50 ms): util/fs.ts, which
  // only imports Node built-ins, transpiled once here with the project's TypeScript.
  const fsTs = readFileSync(path.join(__dirname, '..', '..', 'src', 'util', 'fs.ts'), 'utf8');
  const fsJs = ts.transpileModule(fsTs, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(path.join(root, 'fs.cjs'), fsJs);
  childJs = path.join(root, 'child.cjs');
  writeFileSync(childJs, `
const { readdirSync, readFileSync } = require('node:fs');
const path = require('node:path');
const { replaceFolderAtomic } = require('./fs.cjs');
const [target, source, killAt] = process.argv.slice(2);
const files = {};
for (const name of readdirSync(source).sort()) files[name] = readFileSync(path.join(source, name));
let step = 0;
replaceFolderAtomic(target, files, {
  onStep: (name) => {
    step++;
    process.stdout.write(name + '\\n');
    if (step === Number(killAt)) process.kill(process.pid, 'SIGKILL');
  },
}).then(() => process.stdout.write('done\\n'));
`);
});

/** Runs the child: save `source` into `target`, killed after step `killAt` (0: never). */
function runChild(target: string, source: string, killAt: number): Promise<{ steps: string[]; signal: NodeJS.Signals | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [childJs, target, source, String(killAt)], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.on('error', reject);
    child.on('close', (_code, signal) => resolve({ steps: out.split('\n').filter(Boolean), signal }));
  });
}

/** The checksum of the weights a load gets from `target` (undefined: no model there), and the notices. */
async function loadedSum(target: string, build = false): Promise<{ sum: string | undefined; notices: ModelNotice[] }> {
  const notices: ModelNotice[] = [];
  try {
    const { artifacts } = await readModelArtifacts(target, { onNotice: (n) => notices.push(n) });
    if (build) (await loadModel(target)).dispose();
    return { sum: sha256(new Uint8Array(artifacts.weightData as ArrayBuffer)), notices };
  } catch (err) {
    if (err instanceof ModelFileError && /No saved model at .*model\.json does not exist/.test(err.message)) return { sum: undefined, notices };
    throw err;
  }
}

type Start = 'none' | 'saved' | 'plain folder';

/** A model folder saved by another (finished) process, as in real use: copied for each run. */
let savedTemplate: Promise<string> | undefined;
function savedByAnotherProcess(): Promise<string> {
  savedTemplate ??= (async () => {
    const dir = path.join(root, 'saved-template');
    mkdirSync(dir);
    assert.equal((await runChild(path.join(dir, 'model'), oldFiles, 0)).steps.at(-1), 'done');
    return dir;
  })();
  return savedTemplate;
}

async function prepare(dir: string, start: Start): Promise<void> {
  rmSync(dir, { recursive: true, force: true });
  if (start === 'saved') {
    cpSync(await savedByAnotherProcess(), dir, { recursive: true, verbatimSymlinks: true });
    return;
  }
  mkdirSync(dir);
  const target = path.join(dir, 'model');
  if (start === 'plain folder') {
    // as tfjs-node (or this project before links) wrote it: a plain folder, no checksums
    mkdirSync(target);
    for (const n of [MODEL_JSON, WEIGHTS_BIN]) cpSync(path.join(oldFiles, n), path.join(target, n));
  }
}

/** Kills a save after each of its steps in turn, starting each time from `start`. */
async function killAtEveryStep(start: Start): Promise<number> {
  const dir = path.join(root, `kill-${start.replace(' ', '-')}`);
  await prepare(dir, start);
  const target = path.join(dir, 'model');
  const full = await runChild(target, newFiles, 0);
  assert.equal(full.steps.at(-1), 'done');
  const steps = full.steps.slice(0, -1);
  assert.deepEqual(steps.filter((s) => !s.startsWith('wrote:')),
    ['synced-folder', 'renamed-version', 'created-link', ...(start === 'plain folder' ? ['moved-aside'] : []), 'committed', 'removed-old']);
  const commit = steps.indexOf('committed') + 1;
  for (let k = 1; k <= steps.length; k++) {
    const what = `${start}: killed after step ${k} (${steps[k - 1]})`;
    await prepare(dir, start);
    const run = await runChild(target, newFiles, k);
    assert.equal(run.signal, 'SIGKILL', what);
    const leftovers = readdirSync(dir).filter((n) => n !== 'model');
    const { sum, notices } = await loadedSum(target, k === commit - 1 || k === commit);
    const expected = k >= commit ? newSum : start === 'none' ? undefined : oldSum;
    assert.equal(sum, expected, `${what}: expected the ${k >= commit ? 'new' : 'old'} model`);
    // leftovers of the dead save are gone (the current version stays), and each was reported
    const after = readdirSync(dir).filter((n) => n !== 'model');
    assert.ok(after.length <= 1, `${what}: left ${after.join(', ')}`);
    if (after.length === 1) assert.equal(path.join(dir, after[0]!), readlinkTarget(target), what);
    const acted = new Set(notices.map((n) => path.basename(n.path)));
    for (const l of leftovers) if (!after.includes(l)) assert.ok(acted.has(l), `${what}: ${l} removed or restored without a notice`);
    if (steps[k - 1] === 'moved-aside') assert.ok(notices.some((n) => n.action === 'restored' && /restored the complete copy/.test(n.message)), what);
  }
  // after the last crash, the next save works normally and leaves one version
  await replaceFolderAtomic(target, Object.fromEntries(readdirSync(oldFiles).map((n) => [n, readFileSync(path.join(oldFiles, n))])));
  assert.equal((await loadedSum(target, true)).sum, oldSum);
  assert.equal(readdirSync(dir).length, 2);
  return steps.length;
}

test('a save killed after every one of its steps leaves a loadable model, old before the commit and new from it on', async () => {
  // the three starting points run side by side (each child mostly waits for fsync)
  const counts = await Promise.all((['none', 'saved', 'plain folder'] as const).map(killAtEveryStep));
  assert.deepEqual(counts, [3 + 5, 3 + 5, 3 + 6]);
});

function readlinkTarget(link: string): string | undefined {
  try {
    return path.join(path.dirname(link), require('node:fs').readlinkSync(link));
  } catch {
    return undefined;
  }
}

test('leftovers of the earlier save (model missing, complete .old and .tmp copies of a dead process) are recovered on load', async () => {
  const dir = path.join(root, 'legacy');
  mkdirSync(dir);
  const dead = spawnSync(process.execPath, ['-e', '']).pid!;
  const target = path.join(dir, 'model');
  cpSync(oldFiles, path.join(dir, `model.old-${dead}-1700000000000-abc`), { recursive: true });
  cpSync(newFiles, path.join(dir, `model.tmp-${dead}-1700000000001-def`), { recursive: true });
  const { sum, notices } = await loadedSum(target);
  assert.equal(sum, oldSum);
  assert.deepEqual(notices.map((n) => n.action).sort(), ['removed', 'restored']);
  assert.deepEqual(readdirSync(dir), ['model']);
  // entries of a running process (a save in progress elsewhere) are never touched
  const live = path.join(dir, `model.tmp-${process.ppid}-1700000000002-ghi`);
  mkdirSync(live);
  assert.deepEqual(await recoverFolder(target), []);
  assert.ok(existsSync(live));
});

test('loads verify content: a checksum mismatch or NaN weights of the right size are refused with a clear message', async () => {
  const dir = path.join(root, 'verify');
  const target = path.join(dir, 'model');
  mkdirSync(dir);
  cpSync(newFiles, target, { recursive: true });
  const weights = readFileSync(path.join(target, WEIGHTS_BIN));
  // same size, different content
  const flipped = Buffer.from(weights);
  flipped[5] = flipped[5]! ^ 0xff;
  writeFileSync(path.join(target, WEIGHTS_BIN), flipped);
  await assert.rejects(readModelArtifacts(target), (e: Error) =>
    e instanceof ModelFileError && /weights\.bin does not match the SHA-256 recorded in checksums\.json when it was saved/.test(e.message));
  // without a checksum record (e.g. written by tfjs-node), NaN garbage of the right size is still refused
  rmSync(path.join(target, CHECKSUMS_JSON));
  const nan = new Float32Array(weights.length / 4).fill(NaN);
  writeFileSync(path.join(target, WEIGHTS_BIN), new Uint8Array(nan.buffer));
  await assert.rejects(loadModel(target), (e: Error) =>
    e instanceof ModelFileError && /is damaged: weight 'dense_Dense\d+\/kernel' holds NaN at index 0/.test(e.message));
  // a damaged checksum record is itself an error, not a pass
  writeFileSync(path.join(target, WEIGHTS_BIN), weights);
  writeFileSync(path.join(target, CHECKSUMS_JSON), '{"algorithm":"md5"}');
  await assert.rejects(readModelArtifacts(target), /checksums\.json is not a sha256 checksum record/);
});

test('saveModel never replaces a folder that is not a saved model, nor a file', async () => {
  const dir = path.join(root, 'refuse');
  mkdirSync(path.join(dir, 'project'), { recursive: true });
  writeFileSync(path.join(dir, 'project', 'notes.txt'), 'mine');
  writeFileSync(path.join(dir, 'file'), 'x');
  const model = tf.sequential({ layers: [tf.layers.dense({ units: 1, inputShape: [1] })] });
  await assert.rejects(saveModel(model, path.join(dir, 'project')), (e: Error) =>
    e instanceof ModelFileError && /already exists and is not a saved model \(it has no model\.json\); refusing to replace it/.test(e.message));
  assert.equal(readFileSync(path.join(dir, 'project', 'notes.txt'), 'utf8'), 'mine');
  await assert.rejects(saveModel(model, path.join(dir, 'file')), /is a file, not a folder; refusing to replace it/);
  await assert.rejects(saveModel(model, '' as string), TypeError);
  mkdirSync(path.join(dir, 'empty'));
  await saveModel(model, path.join(dir, 'empty')); // an empty folder made beforehand is fine
  assert.ok(existsSync(path.join(dir, 'empty', MODEL_JSON)));
  assert.deepEqual(readdirSync(dir).filter((n) => !n.startsWith('empty')).sort(), ['file', 'project']);
  model.dispose();
});
