export * from './util/index.js';
export * from './tf/backend.js';
export * from './data/index.js';
