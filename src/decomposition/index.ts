export * from './eigen.js';
export * from './pca.js';
