export * from './pca.js';
