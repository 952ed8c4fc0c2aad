export * from './util/index.js';
export * from './tf/index.js';
export * from './models/index.js';
export * from './data/index.js';
export * from './plots/index.js';
export * from './notebook/index.js';
export { PUBLISHED_NMI, REPRODUCTION_TOLERANCE } from './report/published.js';
export { conclusion, summaryRows, type SummaryRow } from './report/summary.js';
export * from './cluster/index.js';
