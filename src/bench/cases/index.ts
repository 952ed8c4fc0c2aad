import type { BenchCase } from '../types.js';
import { loadData } from './load-data.js';
import { aeEpoch, aeThreads, encode10k } from './autoencoder.js';
import { tfTrainStep } from './tf-train-step.js';
import { kmeansRawNinit1, kmeansRawNinit10 } from './kmeans-raw.js';
import { gmmFull128, gmmDiag128 } from './gmm.js';
import { umap10k, umap70k } from './umap.js';
import { reportStages } from './report-stages.js';
import { aeSeedsCase } from './ae-seeds.js';
import { n2dProtocolCase } from './n2d-protocol.js';
import { n2dVariantsCase } from './n2d-variants.js';

/** Every bench case, in the order `npm run bench` runs them when none is named (cases marked `onlyWhenNamed` run only when named). */
export const BENCH_CASES: readonly BenchCase[] = [loadData, aeEpoch, encode10k, tfTrainStep, kmeansRawNinit1, kmeansRawNinit10, gmmFull128, gmmDiag128, umap10k, umap70k, reportStages, aeThreads, aeSeedsCase, n2dProtocolCase, n2dVariantsCase];
