import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface ReportEntry { precision: number; recall: number; 'f1-score': number; support: number }

export interface MetricsCase {
  name: string;
  labelsTrue: number[];
  labelsPred: number[];
  nmi: number;
  ari: number;
  mi: number;
  entropyTrue: number;
  entropyPred: number;
  pairConfusion: [number, number, number, number];
  contingency?: { classes: number[]; clusters: number[]; counts: number[] };
  matched?: number;
  acc?: number;
  nAssigned?: number;
  mapping?: [number, number][];
  mapped?: number[];
  confusion?: { labels: number[]; counts: number[] };
  report?: Record<string, number | ReportEntry>;
  reportText?: string;
  reportText4?: string;
}

export interface FormulaCase {
  name: string; n: number; nmi: number; ari: number; acc?: number; labelsTrueHead: number[]; labelsPredHead: number[];
}

export const fixture = JSON.parse(readFileSync(join(__dirname, '..', 'fixtures', 'metrics.json'), 'utf8')) as {
  cases: MetricsCase[];
  formulaCases: FormulaCase[];
};

export function assertClose(actual: number, expected: number, tol: number, what: string): void {
  assert.ok(Math.abs(actual - expected) <= tol, `${what}: ${actual} vs expected ${expected} (tol ${tol})`);
}

/** The integer formula of make_metrics_fixtures.py's hash_labels. */
export function hashLabels(n: number, mult: number, modOut: number, offset = 0): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const h = (i * mult + offset) % 4294967296; // exact: i * mult < 2^53
    out[i] = Math.floor((h * modOut) / 4294967296);
  }
  return out;
}
