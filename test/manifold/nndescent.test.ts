/**
 * NN-descent's graph is pinned bit for bit (test/fixtures/nndescent.json, written from the code
 * before its distances moved onto the compute floor) on both engines: the TypeScript one and, when
 * the addon is built, its compiled twin (native/src/nndescent.c with native/src/lanes.h).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { nnDescent } from '../../src/manifold/index.js';
import { nativeKernels, nativeStatus } from '../../src/native/index.js';
import { graphDigest, nndCaseData, type NndCase } from '../helpers/nndescent-cases.js';

interface PinnedCase extends NndCase { indices: string; distances: string; firstRows: number[] }
const pinned = (JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'nndescent.json'), 'utf8')) as { cases: PinnedCase[] }).cases;

test('NN-descent builds the pinned graphs bit for bit on the js engine (lane blocks whole, partial and absent)', () => {
  assert.equal(pinned.length, 4);
  for (const c of pinned) {
    const g = nnDescent(nndCaseData(c), c.k, { seed: c.seed, engine: 'js' });
    const label = `${c.n}×${c.d}, k ${c.k}`;
    assert.deepEqual(Array.from(g.indices.subarray(0, 3 * c.k)), c.firstRows, `${label}: first rows`);
    assert.deepEqual(graphDigest(g), { indices: c.indices, distances: c.distances }, `${label}: every index and distance bit`);
  }
});

test('the compiled NN-descent builds the same pinned graphs bit for bit', () => {
  assert.ok(nativeKernels(), `the compiled kernels load (bash scripts/setup.sh): ${nativeStatus().detail}`);
  for (const c of pinned) {
    const g = nnDescent(nndCaseData(c), c.k, { seed: c.seed, engine: 'native' });
    assert.deepEqual(graphDigest(g), { indices: c.indices, distances: c.distances }, `${c.n}×${c.d}, k ${c.k}`);
  }
});
