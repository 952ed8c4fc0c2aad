import type { BenchCase } from '../types.js';
import { loadData } from './load-data.js';

/** Every bench case, in the order `npm run bench` runs them when none is named. */
export const BENCH_CASES: readonly BenchCase[] = [loadData];
