// The compute floor: the only place that computes distances, covariance products, eigenpairs and
// the Lanczos loops; every estimator (K-Means, GMM, PCA, kNN, UMAP) builds on it.
export * from './engine.js';
export * from './center.js';
export * from './distances.js';
export * from './lanes.js';
export * from './nearest.js';
export * from './gram.js';
export * from './eigen.js';
export * from './lanczos.js';
export * from './cholesky.js';
export * from './gaussian.js';
