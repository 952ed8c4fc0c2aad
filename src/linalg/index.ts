export * from './engine.js';
export * from './cholesky.js';
export * from './gaussian.js';
