export * from './util/index.js';
export * from './tf/index.js';
export * from './models/index.js';
export * from './data/index.js';
export * from './plots/index.js';
export * from './experiment/index.js';
export * from './notebook/index.js';

export * from './cluster/index.js';
export * from './metrics/index.js';
export * from './linalg/index.js';
export * from './decomposition/index.js';
export * from './manifold/index.js';
export { nativeStatus, type NativeStatus } from './native/index.js';
