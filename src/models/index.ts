export * from './architecture.js';
export * from './autoencoder.js';
export * from './progress.js';
export * from './io.js';
export * from './cache.js';
export * from './training.js';
export * from './dense-architecture.js';
export * from './dense-autoencoder.js';
