export * from './backend.js';
export * from './kernels/index.js';
