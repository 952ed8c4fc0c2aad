import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Matrix } from '../../src/util/matrix.js';

export type CovType = 'full' | 'tied' | 'diag' | 'spherical';

export interface OneStep { nk: number[]; means: number[]; covariances: number[] }
export interface ModelValues { scoreSamples: number[]; predictProba: number[]; score: number; bic: number; aic: number; predict: number[] }
export interface GmmFixture {
  name: string; rows: number; cols: number; k: number; regCovar: number;
  X: number[]; initLabels: number[]; softResp: number[]; partialResp: number[];
  types: Record<CovType, {
    oneStepOneHot: OneStep; oneStepSoft: OneStep; oneStepPartial: OneStep;
    em: ModelValues & { weights: number[]; means: number[]; covariances: number[]; lowerBound: number; nIter: number; converged: boolean };
    given: ModelValues;
  }>;
}

export const TYPES: readonly CovType[] = ['full', 'tied', 'diag', 'spherical'];

export function loadGmmFixtures(): GmmFixture[] {
  const file = path.join(__dirname, '..', 'fixtures', 'gmm.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { datasets: GmmFixture[] }).datasets;
}

export function fixtureMatrix(f: GmmFixture): Matrix {
  return { data: Float32Array.from(f.X), rows: f.rows, cols: f.cols };
}

/**
 * Element-wise |a − b| ≤ rel·|b| + abs·scale, where scale is the largest |b| (so entries near zero,
 * e.g. off-diagonal covariances, are compared relative to the array's magnitude).
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rel: number, what: string, abs = rel): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let scale = 0;
  for (let i = 0; i < expected.length; i++) scale = Math.max(scale, Math.abs(expected[i]!));
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i]!, b = expected[i]!;
    const tol = rel * Math.abs(b) + abs * scale;
    assert.ok(Math.abs(a - b) <= tol, `${what}[${i}]: got ${a}, expected ${b} (|diff| ${Math.abs(a - b)} > ${tol})`);
  }
}

/** Random blobs (seeded, non-zero means) as a Matrix. */
export function makeBlobs(n: number, d: number, k: number, seed: number, spread = 5): { x: Matrix; labels: Int32Array } {
  let s = seed >>> 0;
  const rnd = (): number => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return (s + 0.5) / 4294967296; };
  const normal = (): number => Math.sqrt(-2 * Math.log(rnd())) * Math.cos(2 * Math.PI * rnd());
  const centres = Array.from({ length: k * d }, () => 2 + spread * normal());
  const data = new Float32Array(n * d);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = i % k;
    labels[i] = c;
    for (let j = 0; j < d; j++) data[i * d + j] = centres[c * d + j]! + (0.5 + 0.5 * ((j + c) % 3)) * normal();
  }
  return { x: { data, rows: n, cols: d }, labels };
}
