export * from './backend.js';
export * from './kernels/index.js';
export * from './flat-adam.js';
